//! The pages a site has: one [`PageJob`] per output page (SPEC §4), and the
//! file each is written to. Listing pages is separate from rendering them so
//! that a build can render jobs in parallel, and a later incremental build
//! can pick the few jobs a change touches.

use crate::site::paginate::{self, ListPage};
use crate::site::{PagePath, Site};

/// One page to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageJob {
    Article(usize),
    /// A page of the home list.
    Home(ListPage),
    /// A page of one term's list: taxonomy, term, page.
    Term(usize, usize, ListPage),
    Taxonomy(usize),
    /// A page of one year's list.
    Year(usize, ListPage),
    /// Year, month.
    Month(usize, usize),
    Archive,
    /// The search page (when the theme has `search.html`).
    Search,
    NotFound,
    Redirect(usize),
}

/// The list's folder and its numbered pages' folders.
pub fn list_path(base: &PagePath, page: &ListPage) -> PagePath {
    match page.number {
        None => base.clone(),
        Some(n) => base.page(n),
    }
}

/// Every page of the site, in a stable order.
pub fn pages(site: &Site) -> Vec<PageJob> {
    let per_page = site.config.paginate;
    let mut jobs: Vec<PageJob> = (0..site.articles.len()).map(PageJob::Article).collect();
    jobs.extend(
        paginate::paginate(site.articles.len(), per_page)
            .into_iter()
            .map(PageJob::Home),
    );
    for (t, tax) in site.taxonomies.iter().enumerate() {
        jobs.push(PageJob::Taxonomy(t));
        for (i, term) in tax.terms.iter().enumerate() {
            jobs.extend(
                paginate::paginate(term.articles.len(), per_page)
                    .into_iter()
                    .map(|p| PageJob::Term(t, i, p)),
            );
        }
    }
    for (y, year) in site.years.iter().enumerate() {
        jobs.extend(
            paginate::paginate(year.articles.len(), per_page)
                .into_iter()
                .map(|p| PageJob::Year(y, p)),
        );
        jobs.extend((0..year.months.len()).map(|m| PageJob::Month(y, m)));
    }
    jobs.push(PageJob::Archive);
    jobs.push(PageJob::Search);
    jobs.push(PageJob::NotFound);
    jobs.extend((0..site.redirects.len()).map(PageJob::Redirect));
    jobs
}

impl PageJob {
    /// The page's kind, given to templates as `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            PageJob::Article(_) => "article",
            PageJob::Home(_) => "home",
            PageJob::Term(..) => "term",
            PageJob::Taxonomy(_) => "taxonomy",
            PageJob::Year(..) => "year",
            PageJob::Month(..) => "month",
            PageJob::Archive => "archive",
            PageJob::Search => "search",
            PageJob::NotFound => "404",
            PageJob::Redirect(_) => "alias",
        }
    }

    /// The output file of this page, relative to the output root.
    pub fn file(&self, site: &Site) -> String {
        match self {
            PageJob::Article(i) => site.articles[*i].path.file(),
            PageJob::Home(p) => list_path(&PagePath::root(), p).file(),
            PageJob::Term(t, i, p) => list_path(&site.taxonomies[*t].terms[*i].path, p).file(),
            PageJob::Taxonomy(t) => site.taxonomies[*t].path.file(),
            PageJob::Year(y, p) => list_path(&site.years[*y].path, p).file(),
            PageJob::Month(y, m) => site.years[*y].months[*m].path.file(),
            PageJob::Archive => archive_path().file(),
            PageJob::Search => search_path().file(),
            PageJob::NotFound => "404.html".to_string(),
            PageJob::Redirect(r) => site.redirects[*r].file.clone(),
        }
    }
}

/// The folder of the search page; the index files live beside it.
pub fn search_path() -> PagePath {
    PagePath::dir(&["search"])
}

/// The folder of the archive page.
pub fn archive_path() -> PagePath {
    PagePath::dir(&["archive"])
}
