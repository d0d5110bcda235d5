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

/// Page numbers to show in a pager: the ends and a window around `current`,
/// newest first. `None` stands for the first page (the index).
pub fn window(full: usize, current: Option<usize>, radius: usize) -> Vec<usize> {
    let centre = current.unwrap_or(full + 1);
    // A gap of one page shows that page instead of an ellipsis.
    let shown = |n: usize| n == 1 || n == full || n.abs_diff(centre) <= radius;
    let mut out: Vec<usize> = (1..=full)
        .filter(|&n| shown(n) || (n > 1 && n < full && shown(n - 1) && shown(n + 1)))
        .collect();
    out.reverse();
    out
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
        assert_eq!(window(10, Some(5), 1), vec![10, 6, 5, 4, 1]);
        assert_eq!(window(10, None, 2), vec![10, 9, 1]);
        assert_eq!(window(4, None, 2), vec![4, 3, 2, 1]);
        assert_eq!(window(10, Some(4), 1), vec![10, 5, 4, 3, 2, 1]);
        assert_eq!(window(0, None, 2), Vec::<usize>::new());
    }
}
