//! Dictionaries of strings that binary XML refers to by key: the [MC-NBFS] static dictionary and
//! user-supplied tables for plain [MC-NBFX].

mod nbfs_table;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::string::XmlString;

/// A static dictionary: strings referred to by **even** wire keys (`2 × index`).
pub trait Dictionary: Send + Sync {
    /// The string with this even wire key.
    fn get(&self, key: u32) -> Option<&str>;
    /// The even wire key of this string, looked up by value.
    fn key_of(&self, text: &str) -> Option<u32>;
}

/// The [MC-NBFS] static dictionary used by `application/soap+msbin1` and `…msbinsession1`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Nbfs;

impl Nbfs {
    /// Number of entries (wire keys 0, 2, …, 972).
    pub const LEN: usize = 487;

    /// The entry with this wire key, with a `'static` lifetime.
    pub fn lookup(key: u32) -> Option<&'static str> {
        if key % 2 != 0 {
            return None;
        }
        nbfs_table::NBFS_STRINGS.get((key / 2) as usize).copied()
    }

    /// The entry whose text is `text`, as a dictionary string carrying its static key.
    pub fn find(text: &str) -> Option<XmlString<'static>> {
        static INDEX: OnceLock<HashMap<&'static str, u32>> = OnceLock::new();
        let index = INDEX.get_or_init(|| {
            let mut m = HashMap::with_capacity(Self::LEN);
            for (i, s) in nbfs_table::NBFS_STRINGS.iter().enumerate() {
                m.entry(*s).or_insert(2 * i as u32);
            }
            m
        });
        index
            .get(text)
            .map(|&key| XmlString::from_static(nbfs_table::NBFS_STRINGS[(key / 2) as usize], key))
    }

    /// All entries in key order.
    pub fn entries() -> impl Iterator<Item = (u32, &'static str)> {
        nbfs_table::NBFS_STRINGS
            .iter()
            .enumerate()
            .map(|(i, s)| (2 * i as u32, *s))
    }
}

impl Dictionary for Nbfs {
    fn get(&self, key: u32) -> Option<&str> {
        Self::lookup(key)
    }

    fn key_of(&self, text: &str) -> Option<u32> {
        Self::find(text).and_then(|s| s.static_key())
    }
}

/// A dictionary given as a table, e.g. read from a TSV file of `key TAB string` lines.
#[derive(Debug, Clone, Default)]
pub struct TableDictionary {
    by_key: HashMap<u32, String>,
    by_text: HashMap<String, u32>,
}

/// A malformed dictionary table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dictionary line {line}: {reason}")]
pub struct TableError {
    /// One-based line number.
    pub line: usize,
    /// What was wrong.
    pub reason: &'static str,
}

impl TableDictionary {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `text` under the even wire key `key`; returns false if the key is odd.
    pub fn insert(&mut self, key: u32, text: impl Into<String>) -> bool {
        if key % 2 != 0 || key > i32::MAX as u32 {
            return false;
        }
        let text = text.into();
        self.by_text.entry(text.clone()).or_insert(key);
        self.by_key.insert(key, text);
        true
    }

    /// Parses `key TAB string` lines (the format of the specification's `nbfs-dictionary.tsv`).
    /// The string is everything after the first TAB, kept exactly (leading spaces included).
    pub fn from_tsv(text: &str) -> Result<Self, TableError> {
        let mut table = Self::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            if line.is_empty() {
                continue;
            }
            let (key, value) = line.split_once('\t').ok_or(TableError {
                line: line_no,
                reason: "expected KEY<TAB>STRING",
            })?;
            let key: u32 = key.trim().parse().map_err(|_| TableError {
                line: line_no,
                reason: "key is not a number",
            })?;
            if !table.insert(key, value) {
                return Err(TableError {
                    line: line_no,
                    reason: "key must be even and below 2^31",
                });
            }
        }
        Ok(table)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// True when the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

impl Dictionary for TableDictionary {
    fn get(&self, key: u32) -> Option<&str> {
        self.by_key.get(&key).map(String::as_str)
    }

    fn key_of(&self, text: &str) -> Option<u32> {
        self.by_text.get(text).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nbfs_traps() {
        assert_eq!(Nbfs::lookup(0), Some("mustUnderstand"));
        assert_eq!(Nbfs::lookup(162), Some(""));
        assert_eq!(
            Nbfs::lookup(424),
            Some(" http://schemas.xmlsoap.org/ws/2005/02/trust/tlsnego")
        );
        assert_eq!(Nbfs::lookup(974), None);
        assert_eq!(Nbfs::lookup(3), None);
        assert_eq!(Nbfs::find("Envelope").and_then(|s| s.static_key()), Some(2));
    }

    #[test]
    fn tsv_keeps_values_exactly() {
        let t = TableDictionary::from_tsv("0\tzero\n2\t lead\n4\t\n").unwrap();
        assert_eq!(t.get(2), Some(" lead"));
        assert_eq!(t.get(4), Some(""));
        assert_eq!(t.key_of("zero"), Some(0));
        assert_eq!(TableDictionary::from_tsv("1\tx").unwrap_err().line, 1);
        assert_eq!(
            TableDictionary::from_tsv("x\ty").unwrap_err().reason,
            "key is not a number"
        );
    }
}
