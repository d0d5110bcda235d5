//! The table of each output file's fingerprint, by its path in the output.

use std::fmt;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// Each output file's fingerprint, by its path in the output, numbered in
/// the order the files were added (so that a build that patches the
/// previous output marks which of its files it makes again by their
/// numbers, see [`Output::claim`](super::Output::claim)).
///
/// The paths lie end to end in one string, as the build cache stores them,
/// and a hash table of their numbers finds them. A table of 150,000 owned
/// paths (a build at 100,000 articles) was 150,000 allocations to make
/// from the cache on every rebuild, and a tenth of the cache's load.
/// Hashed with FxHash: SipHash's defence against crafted keys buys nothing
/// here.
#[derive(Clone, Default)]
pub struct Fingerprints {
    /// The paths, end to end.
    paths: String,
    /// Where each path ends in `paths`.
    ends: Vec<usize>,
    /// Each file's fingerprint.
    prints: Vec<u128>,
    /// The files' numbers, by the hash of their paths.
    index: HashTable<usize>,
}

fn hash(rel: &str) -> u64 {
    FxBuildHasher.hash_one(rel)
}

/// The `i`-th of the paths laid end to end in `paths`, ending at `ends`.
fn path_of<'a>(paths: &'a str, ends: &[usize], i: usize) -> &'a str {
    let start = i.checked_sub(1).map_or(0, |before| ends[before]);
    &paths[start..ends[i]]
}

impl Fingerprints {
    /// An empty table with room for `files` files.
    pub fn with_capacity(files: usize) -> Fingerprints {
        Fingerprints {
            paths: String::with_capacity(files * 48),
            ends: Vec::with_capacity(files),
            prints: Vec::with_capacity(files),
            index: HashTable::with_capacity(files),
        }
    }

    /// The table of the paths laid end to end in `paths`, the `i`-th ending
    /// at the `i`-th of `ends`, with the fingerprints `prints`; `None` unless
    /// every end is in order and at a character boundary, there are as many
    /// of them as fingerprints, and no path comes twice. It has room for
    /// some more files (a rebuild adds a few): a table full to its capacity
    /// would be hashed anew, all of it, and its paths copied, to add one.
    pub fn from_parts(
        paths: &str,
        ends: impl ExactSizeIterator<Item = usize>,
        prints: Vec<u128>,
    ) -> Option<Fingerprints> {
        let files = ends.len();
        if files != prints.len() {
            return None;
        }
        let room = files / 16 + 1024;
        let mut table = Fingerprints {
            paths: String::with_capacity(paths.len() + room * 64),
            ends: Vec::with_capacity(files + room),
            prints,
            index: HashTable::with_capacity(files + room),
        };
        table.paths.push_str(paths);
        let mut start = 0;
        for (i, end) in ends.enumerate() {
            // At a character boundary, in order, within the paths.
            paths.get(start..end)?;
            table.ends.push(end);
            if !table.index_file(i) {
                return None;
            }
            start = end;
        }
        Some(table)
    }

    /// Adds file `i`, whose path is in `paths`, to the index; false if
    /// another file has its path.
    fn index_file(&mut self, i: usize) -> bool {
        let Fingerprints {
            paths, ends, index, ..
        } = self;
        let path = |j: usize| path_of(paths, ends, j);
        let rel = path(i);
        let h = hash(rel);
        if index.find(h, |&j| path(j) == rel).is_some() {
            return false;
        }
        index.insert_unique(h, i, |&j| hash(path(j)));
        true
    }

    /// The paths end to end, where each ends and the fingerprints: what
    /// [`from_parts`](Self::from_parts) takes.
    pub fn parts(&self) -> (&str, &[usize], &[u128]) {
        (&self.paths, &self.ends, &self.prints)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The path of file `i`.
    fn path(&self, i: usize) -> &str {
        path_of(&self.paths, &self.ends, i)
    }

    /// The number of the file at `rel`.
    pub fn find(&self, rel: &str) -> Option<usize> {
        self.index
            .find(hash(rel), |&i| self.path(i) == rel)
            .copied()
    }

    /// Whether file `i` is the one at `rel` (false past the last file): a
    /// guess of [`find`](Self::find)'s answer checked without hashing.
    pub fn is_at(&self, i: usize, rel: &str) -> bool {
        i < self.len() && self.path(i) == rel
    }

    /// The fingerprint of file `i`.
    pub fn print(&self, i: usize) -> u128 {
        self.prints[i]
    }

    /// The number and fingerprint of the file at `rel`.
    pub fn get_full(&self, rel: &str) -> Option<(usize, u128)> {
        self.find(rel).map(|i| (i, self.prints[i]))
    }

    /// The fingerprint of the file at `rel`.
    pub fn get(&self, rel: &str) -> Option<u128> {
        self.get_full(rel).map(|(_, print)| print)
    }

    pub fn contains(&self, rel: &str) -> bool {
        self.get_full(rel).is_some()
    }

    /// Adds the file at `rel` with its fingerprint; false, changing
    /// nothing, if the table has that path.
    pub fn insert(&mut self, rel: &str, print: u128) -> bool {
        let start = self.paths.len();
        self.paths.push_str(rel);
        self.ends.push(self.paths.len());
        if !self.index_file(self.ends.len() - 1) {
            self.paths.truncate(start);
            self.ends.pop();
            return false;
        }
        self.prints.push(print);
        true
    }

    /// Gives the file at `rel` the fingerprint `print`; false if the table
    /// has no such path.
    pub fn update(&mut self, rel: &str, print: u128) -> bool {
        match self.get_full(rel) {
            Some((i, _)) => {
                self.prints[i] = print;
                true
            }
            None => false,
        }
    }

    /// Keeps the files for which `keep` holds, given each one's number and
    /// path, in their order.
    pub fn retain(&mut self, mut keep: impl FnMut(usize, &str) -> bool) {
        let kept: Vec<usize> = self
            .paths()
            .enumerate()
            .filter(|&(i, rel)| keep(i, rel))
            .map(|(i, _)| i)
            .collect();
        if kept.len() < self.len() {
            *self = self.select(&kept);
        }
    }

    /// The table of the files numbered `files`, in that order.
    pub fn select(&self, files: &[usize]) -> Fingerprints {
        let mut table = Fingerprints::with_capacity(files.len());
        table.extend(files.iter().map(|&i| (self.path(i), self.prints[i])));
        table
    }

    /// Each path with its fingerprint, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u128)> + '_ {
        (0..self.len()).map(|i| (self.path(i), self.prints[i]))
    }

    /// The paths, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().map(|(rel, _)| rel)
    }
}

impl<S: AsRef<str>> FromIterator<(S, u128)> for Fingerprints {
    /// A later fingerprint of a path is ignored.
    fn from_iter<I: IntoIterator<Item = (S, u128)>>(files: I) -> Fingerprints {
        let mut table = Fingerprints::default();
        table.extend(files);
        table
    }
}

impl<S: AsRef<str>> Extend<(S, u128)> for Fingerprints {
    /// A later fingerprint of a path is ignored.
    fn extend<I: IntoIterator<Item = (S, u128)>>(&mut self, files: I) {
        for (rel, print) in files {
            self.insert(rel.as_ref(), print);
        }
    }
}

/// Equal when both have the same paths with the same fingerprints, in any
/// order (as maps are).
impl PartialEq for Fingerprints {
    fn eq(&self, other: &Fingerprints) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(rel, print)| other.get(rel) == Some(print))
    }
}

impl Eq for Fingerprints {}

impl fmt::Debug for Fingerprints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_path_by_its_number_and_keeps_the_order() {
        let mut t = Fingerprints::with_capacity(2);
        assert!(t.insert("index.html", 1));
        assert!(t.insert("countries/سوريا/index.html", 2));
        assert!(!t.insert("index.html", 3), "a path is added once");
        assert_eq!(t.get_full("index.html"), Some((0, 1)));
        assert_eq!(t.get_full("countries/سوريا/index.html"), Some((1, 2)));
        assert_eq!(t.get("index"), None);
        assert!(!t.contains("countries/سوريا"));
        let listed: Vec<_> = t.iter().collect();
        assert_eq!(
            listed,
            [("index.html", 1), ("countries/سوريا/index.html", 2)]
        );
        let mut u = t.clone();
        assert!(u.update("index.html", 4) && !u.update("other.html", 4));
        assert_eq!(u.get_full("index.html"), Some((0, 4)));
        u.retain(|i, rel| i == 1 && rel.starts_with("countries/"));
        assert_eq!(
            u.iter().collect::<Vec<_>>(),
            [("countries/سوريا/index.html", 2)]
        );
        assert_eq!(u.get_full("countries/سوريا/index.html"), Some((0, 2)));
        assert!(!u.contains("index.html"));
        let (paths, ends, prints) = t.parts();
        let back = Fingerprints::from_parts(paths, ends.iter().copied(), prints.to_vec());
        assert_eq!(back.as_ref(), Some(&t));
        assert!(back.unwrap().paths().eq(t.paths()), "in the same order");
    }

    #[test]
    fn parts_out_of_place_are_no_table() {
        let parts = |ends: &[usize], prints: &[u128]| {
            Fingerprints::from_parts("a.htmlسb.html", ends.iter().copied(), prints.to_vec())
        };
        assert!(parts(&[6, 14], &[1, 2]).is_some());
        assert!(parts(&[6, 7], &[1, 2]).is_none(), "inside a character");
        assert!(parts(&[6, 15], &[1, 2]).is_none(), "past the end");
        assert!(parts(&[6, 2], &[1, 2]).is_none(), "backwards");
        assert!(parts(&[6], &[1, 2]).is_none(), "one end short");
        let twice = Fingerprints::from_parts("a.htmla.html", [6, 12].into_iter(), vec![1, 2]);
        assert!(twice.is_none(), "a path twice");
    }

    #[test]
    fn equal_as_maps() {
        let a: Fingerprints = [("x", 1), ("y", 2)].into_iter().collect();
        let b: Fingerprints = [("y", 2), ("x", 1)].into_iter().collect();
        let c: Fingerprints = [("y", 2), ("x", 3)].into_iter().collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(format!("{a:?}"), r#"{"x": 1, "y": 2}"#);
    }
}
