//! Stable pagination: pages are numbered from the oldest article.
//!
//! `page/1/` holds the oldest `per_page` articles, `page/2/` the next, and so
//! on; only full pages exist, and the first page (the list's own
//! `index.html`) shows the newest `per_page`. Once a page is full its content
//! never changes, so adding a story rewrites the first page and at most one
//! new numbered page — links, caches and offline copies stay true (SPEC §4).

use std::ops::Range;

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListPage {
    /// `None` for the first page (the list's index); `Some(n)` for `page/n/`.
    pub number: Option<usize>,
    /// Positions in the newest-first list shown on this page.
    pub items: Range<usize>,
    /// The page with the next newer articles (`None` = the index itself).
    pub newer: Option<Option<usize>>,
    /// The page with the next older articles.
    pub older: Option<usize>,
}

/// How many full numbered pages a list of `total` items has.
pub fn full_pages(total: usize, per_page: usize) -> usize {
    total / per_page.max(1)
}

/// Every page of a list of `total` items ordered newest first.
pub fn paginate(total: usize, per_page: usize) -> Vec<ListPage> {
    let per_page = per_page.max(1);
    let full = full_pages(total, per_page);
    let remainder = total % per_page;
    // The index shows the newest `per_page`; when the list divides evenly the
    // newest full page shows exactly the same, so "older" skips it.
    let older_from_index = if remainder == 0 {
        full.saturating_sub(1)
    } else {
        full
    };
    let mut pages = Vec::with_capacity(full + 1);
    pages.push(ListPage {
        number: None,
        items: 0..total.min(per_page),
        newer: None,
        older: (older_from_index > 0).then_some(older_from_index),
    });
    for n in (1..=full).rev() {
        let start = total - n * per_page;
        pages.push(ListPage {
            number: Some(n),
            items: start..start + per_page,
            newer: Some(if n == full { None } else { Some(n + 1) }),
            older: (n > 1).then(|| n - 1),
        });
    }
    pages
}

/// A page number shown in a pager.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shown {
    pub number: usize,
    /// Pages are left out between this one and the one shown before it (or,
    /// for the first, between it and the list's first page).
    pub gap_before: bool,
}

/// Page numbers to show in a pager, newest first: a window of `radius` pages
/// around `current` (`None`: the first page, the index) and the oldest page.
///
/// A numbered page's pager never names the newest page number: it depends
/// only on pages up to `current + radius`, so a full page stops changing once
/// `radius` newer pages exist, instead of changing with every new page.
pub fn window(full: usize, current: Option<usize>, radius: usize) -> Vec<Shown> {
    let (low, top) = match current {
        None => (full.saturating_sub(radius).max(1), full),
        Some(n) => (n.saturating_sub(radius).max(1), full.min(n + radius)),
    };
    if full == 0 {
        return Vec::new();
    }
    // A gap of one page shows that page instead of an ellipsis.
    let low = if low == 3 { 2 } else { low };
    let mut numbers: Vec<usize> = (low..=top).rev().collect();
    if low > 1 {
        numbers.push(1);
    }
    // On a numbered page, newer pages may lie beyond the window.
    let leading_gap = current.is_some_and(|n| top == n + radius);
    let mut previous: Option<usize> = None;
    numbers
        .into_iter()
        .map(|number| {
            let gap_before = match previous {
                Some(p) => p != number + 1,
                None => leading_gap,
            };
            previous = Some(number);
            Shown { number, gap_before }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_count_from_the_oldest() {
        // 45 items, 20 a page: page/1 = oldest 20 (positions 25..45), page/2 = 5..25.
        let pages = paginate(45, 20);
        assert_eq!(pages.len(), 3);
        assert_eq!(
            pages[0],
            ListPage {
                number: None,
                items: 0..20,
                newer: None,
                older: Some(2)
            }
        );
        assert_eq!(
            pages[1],
            ListPage {
                number: Some(2),
                items: 5..25,
                newer: Some(None),
                older: Some(1)
            }
        );
        assert_eq!(
            pages[2],
            ListPage {
                number: Some(1),
                items: 25..45,
                newer: Some(Some(2)),
                older: None
            }
        );
    }

    #[test]
    fn a_full_page_never_changes_when_stories_arrive() {
        // The oldest page's items, counted from the oldest end, are the same for every total.
        for total in 20..200 {
            let pages = paginate(total, 20);
            let oldest = pages.iter().find(|p| p.number == Some(1)).unwrap();
            assert_eq!(total - oldest.items.end, 0);
            assert_eq!(total - oldest.items.start, 20);
        }
    }

    #[test]
    fn even_division_skips_the_duplicate_page() {
        let pages = paginate(40, 20);
        assert_eq!(pages[0].older, Some(1));
        assert_eq!(pages[1].items, 0..20);
        let small = paginate(7, 20);
        assert_eq!(
            small,
            vec![ListPage {
                number: None,
                items: 0..7,
                newer: None,
                older: None
            }]
        );
        assert_eq!(paginate(0, 20).len(), 1);
    }

    #[test]
    fn pager_window() {
        let numbers = |full, current| -> Vec<usize> {
            window(full, current, 1).iter().map(|s| s.number).collect()
        };
        assert_eq!(numbers(10, Some(5)), vec![6, 5, 4, 1]);
        assert_eq!(numbers(10, None), vec![10, 9, 1]);
        assert_eq!(numbers(3, None), vec![3, 2, 1]);
        assert_eq!(numbers(10, Some(3)), vec![4, 3, 2, 1]);
        assert_eq!(numbers(0, None), Vec::<usize>::new());
        let gaps: Vec<bool> = window(10, Some(5), 1)
            .iter()
            .map(|s| s.gap_before)
            .collect();
        assert_eq!(gaps, vec![true, false, false, true]);
        assert!(!window(10, None, 1)[0].gap_before);
    }

    #[test]
    fn a_numbered_pager_settles_once_radius_newer_pages_exist() {
        // Page 4 with radius 2 stops changing once page 6 exists.
        let at = |full| window(full, Some(4), 2);
        assert_ne!(at(5), at(6));
        for full in 6..50 {
            assert_eq!(at(full), at(6), "full = {full}");
        }
    }
}
