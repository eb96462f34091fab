//! [`NameTableQuota`]: .NET's `MaxNameTableCharCount` for readers that keep no name table.

use std::borrow::Cow;
use std::collections::HashSet;

/// Counts the characters of the distinct names a reader reads against
/// [`Quotas::max_name_table_char_count`](crate::Quotas::max_name_table_char_count).
///
/// .NET's readers add each distinct name to a name table and refuse a message once the table
/// holds more characters than the quota. Names here are borrowed, not stored, so the count is
/// kept cheaply: every name's length in bytes (never fewer than its UTF-16 characters) is taken
/// from a budget, and only once the budget is spent does the reader go back over what it read
/// to count distinct names exactly (UTF-16 characters, as .NET counts), from then on with a set.
#[derive(Debug)]
pub struct NameTableQuota<'a> {
    /// Bytes of names that may still be read without counting distinct ones (the quota itself
    /// until the first name; a reader holds this and little else until the budget is spent).
    budget: usize,
    exact: Option<Box<Exact<'a>>>,
}

#[derive(Debug)]
struct Exact<'a> {
    names: HashSet<Cow<'a, str>>,
    chars: usize,
    max: usize,
}

/// What [`NameTableQuota::take`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Within the quota.
    Within,
    /// The budget is spent: the reader must count exactly ([`NameTableQuota::is_exact`],
    /// [`NameTableQuota::count_exactly`], [`NameTableQuota::add`]).
    Count,
}

impl<'a> NameTableQuota<'a> {
    /// A quota of `max` characters.
    #[inline]
    pub fn new(max: usize) -> Self {
        Self {
            budget: max,
            exact: None,
        }
    }

    /// Sets the quota to `max` characters (before any name is counted).
    #[inline]
    pub fn set_max(&mut self, max: usize) {
        self.budget = max;
    }

    /// Takes `name` from the budget.
    #[inline(always)]
    pub fn take(&mut self, name: &str) -> Taken {
        match self.budget.checked_sub(name.len()) {
            Some(left) => {
                self.budget = left;
                Taken::Within
            }
            None => Taken::Count,
        }
    }

    /// Whether distinct names are being counted (after [`NameTableQuota::count_exactly`]).
    pub fn is_exact(&self) -> bool {
        self.exact.is_some()
    }

    /// Starts counting distinct names exactly against a quota of `max` characters, from the
    /// names read so far.
    pub fn count_exactly<S: Into<Cow<'a, str>>>(
        &mut self,
        max: usize,
        earlier: impl IntoIterator<Item = S>,
    ) {
        let mut exact = Exact {
            names: HashSet::new(),
            chars: 0,
            max,
        };
        for name in earlier {
            exact.insert(name.into());
        }
        self.budget = 0;
        self.exact = Some(Box::new(exact));
    }

    /// Adds `name` to the distinct names; false once they hold more characters than the quota.
    pub fn add(&mut self, name: impl Into<Cow<'a, str>>) -> bool {
        let Some(exact) = &mut self.exact else {
            return true;
        };
        exact.insert(name.into());
        exact.chars <= exact.max
    }
}

impl<'a> Exact<'a> {
    /// Counts `name` if it counts at all and was not counted before. A one-letter lowercase
    /// name does not count (.NET's name table starts with the letters, and WCF's prefixes are
    /// letters), nor does an empty one.
    fn insert(&mut self, name: Cow<'a, str>) {
        if matches!(name.as_bytes(), [] | [b'a'..=b'z']) {
            return;
        }
        let chars = utf16_len(&name);
        if self.names.insert(name) {
            self.chars += chars;
        }
    }
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

#[cfg(test)]
mod tests {
    use super::{NameTableQuota, Taken};

    #[test]
    fn names_are_taken_from_the_budget_then_counted_once_each() {
        let mut q = NameTableQuota::new(10);
        assert_eq!(q.take("abcd"), Taken::Within);
        assert_eq!(q.take("abcd"), Taken::Within);
        assert_eq!(q.take("abcd"), Taken::Count);
        q.count_exactly(10, ["abcd", "abcd"]);
        assert!(q.add("abcd"), "a name seen before counts once");
        assert!(q.add("efghij"), "4 + 6 characters");
        assert!(q.add("k"), "a lowercase letter does not count");
        assert!(!q.add("K"), "11 characters");
    }

    #[test]
    fn characters_are_counted_as_utf16() {
        let mut q = NameTableQuota::new(2);
        assert_eq!(q.take("é"), Taken::Within, "two bytes");
        assert_eq!(q.take("é"), Taken::Count);
        q.count_exactly(2, ["é", "ü"]);
        assert!(q.add("é"), "two characters");
        assert!(!q.add("😀"), "a surrogate pair is two more");
    }
}
