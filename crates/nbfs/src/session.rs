//! [MC-NBFSE] session string tables: the per-connection strings that odd dictionary keys refer to,
//! and the table that prefixes every `application/soap+msbinsession1` message.

use std::sync::Arc;

use crate::cursor::{mb31_len, write_mb31, Cursor};
use crate::error::{DecodeError, DecodeErrorKind as K};
use crate::string::{chunked_eq, short_eq};
use hashbrown::HashTable;

/// WCF's default `MaxSessionSize`: bytes of strings a session may hold per direction.
pub const DEFAULT_SESSION_QUOTA: usize = 2048;

/// The strings a peer has sent us, in arrival order (wire key `2n + 1` for the n-th).
///
/// Cloning is cheap (the strings are shared): a clone is a snapshot that later tables do not
/// change, so a message can keep the session state its body needs while the connection reads on.
#[derive(Debug, Clone)]
pub struct ReaderSession {
    strings: Arc<Vec<Box<str>>>,
    /// Bytes of string-table content received so far.
    size: usize,
    quota: usize,
    failed: bool,
}

impl Default for ReaderSession {
    fn default() -> Self {
        Self::new()
    }
}

impl ReaderSession {
    /// A session with WCF's default quota of 2048 bytes.
    pub fn new() -> Self {
        Self::with_quota(DEFAULT_SESSION_QUOTA)
    }

    /// A session that fails once the tables received total more than `quota` bytes.
    pub fn with_quota(quota: usize) -> Self {
        Self {
            strings: Arc::new(Vec::new()),
            size: 0,
            quota,
            failed: false,
        }
    }

    /// The string with odd wire key `key`.
    pub fn get(&self, key: u32) -> Option<&str> {
        if key % 2 == 0 {
            return None;
        }
        self.strings.get((key / 2) as usize).map(|s| &**s)
    }

    /// Number of strings received.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// True when no string has been received.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// The strings with their wire keys, in arrival order.
    pub fn entries(&self) -> impl Iterator<Item = (u32, &str)> {
        self.strings
            .iter()
            .enumerate()
            .map(|(i, s)| (2 * i as u32 + 1, &**s))
    }

    /// Reads the string table at the start of `message`, adds its strings, and returns the
    /// offset at which the binary XML document starts.
    ///
    /// A malformed table or one over the quota fails this and every later message, as in WCF.
    pub fn read_table(&mut self, message: &[u8]) -> Result<usize, DecodeError> {
        if self.failed {
            return Err(DecodeError::new(0, K::SessionFailed));
        }
        let result = self.parse_table(message);
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    fn parse_table(&mut self, message: &[u8]) -> Result<usize, DecodeError> {
        let mut cur = Cursor::new(message, 0);
        let size = cur.mb31()? as usize;
        if size > cur.remaining() {
            return Err(cur.error(K::MalformedStringTable(
                "table size runs past the end of the message",
            )));
        }
        if self.size + size > self.quota {
            return Err(cur.error(K::SessionQuotaExceeded {
                size: self.size + size,
                quota: self.quota,
            }));
        }
        let start = cur.position();
        let table = cur.take(size)?;
        // Check the whole table before adding anything.
        let mut t = Cursor::new(table, start);
        let mut added = Vec::new();
        while !t.is_empty() {
            let len_at = t.offset();
            let len = t.mb31()? as usize;
            if len > t.remaining() {
                return Err(DecodeError::new(
                    len_at,
                    K::MalformedStringTable("string runs past the end of the table"),
                ));
            }
            added.push(Box::<str>::from(t.utf8(len)?));
        }
        if !added.is_empty() {
            Arc::make_mut(&mut self.strings).extend(added);
        }
        self.size += size;
        Ok(cur.position())
    }
}

/// The strings we have sent a peer, with WCF's quota rule: once a string does not fit the
/// remaining budget, the budget drops to zero and nothing more is ever added.
///
/// Every dynamic name written is looked up here. A serializer passes the same constant strings
/// message after message, so a small table indexed by the address of the caller's text first
/// names a candidate position, confirmed by comparing the text (an address alone could be a
/// freed string's). Other strings go through the index, a `HashTable` of positions with its own
/// hash and comparison: the hash reads the string a word at a time without copying the tail, and
/// the comparison of a short name calls no `memcmp`.
#[derive(Debug, Clone)]
pub struct WriterSession {
    /// The strings, in first-use order: the n-th has wire key `2n + 1`.
    strings: Vec<Box<str>>,
    /// Index of `strings` by content: positions in `strings`, hashed by [`hash`].
    index: HashTable<u32>,
    /// Positions in `strings` of the texts last looked up at addresses of one [`recent_set`],
    /// the latest first ([`NONE`] for none yet).
    recent: [[u32; WAYS]; SETS],
    /// Strings from this position on were added since the last [`WriterSession::write_table`].
    unsent: usize,
    budget: usize,
}

/// Sets of [`WriterSession::recent`], and positions per set: a set for each of a few hundred
/// names (a few message types'), so that the latest position of a name's set is mostly its own,
/// and four to a set, so that names whose addresses share a set rarely push each other out.
const SETS: usize = 256;
const WAYS: usize = 4;

/// [`WriterSession::recent`] position that names no string.
const NONE: u32 = u32::MAX;

/// The [`WriterSession::recent`] set of the text at `text`'s address: the top bits of the
/// address times an odd constant (Fibonacci hashing), which spreads neighbouring literals.
#[inline(always)]
fn recent_set(text: &str) -> usize {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    ((text.as_ptr() as u64).wrapping_mul(K) >> (64 - SETS.trailing_zeros())) as usize
}

/// A word-at-a-time multiplicative hash (FxHash's scheme) of the length and the string: its
/// whole words and its last eight bytes (overlapping), or under eight bytes its first and last
/// four (under four, its first, middle and last byte). The table holds at most a few hundred
/// strings a peer cannot choose, so flooding resistance is not needed.
#[inline]
fn hash(s: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let word = |c: &[u8]| u64::from_le_bytes(c.try_into().expect("8 bytes"));
    let half = |c: &[u8]| u64::from(u32::from_le_bytes(c.try_into().expect("4 bytes")));
    let n = s.len();
    let h = mix(0, n as u64);
    match n {
        0 => h,
        1..=3 => mix(
            h,
            u64::from(s[0]) | u64::from(s[n / 2]) << 8 | u64::from(s[n - 1]) << 16,
        ),
        4..=7 => mix(h, half(&s[..4]) | half(&s[n - 4..]) << 32),
        _ => mix(
            s.chunks_exact(8).fold(h, |h, c| mix(h, word(c))),
            word(&s[n - 8..]),
        ),
    }
}

impl Default for WriterSession {
    fn default() -> Self {
        Self::new()
    }
}

impl WriterSession {
    /// A session with WCF's default quota of 2048 bytes.
    pub fn new() -> Self {
        Self::with_quota(DEFAULT_SESSION_QUOTA)
    }

    /// A session that may add strings costing up to `quota` bytes in all.
    pub fn with_quota(quota: usize) -> Self {
        Self {
            strings: Vec::new(),
            index: HashTable::new(),
            recent: [[NONE; WAYS]; SETS],
            unsent: 0,
            budget: quota,
        }
    }

    /// Number of strings in the session.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// True when the session holds no string.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// Odd wire key of `text`, adding it if it is new and fits the budget.
    ///
    /// A name of up to 16 bytes (most are) found at the latest position of its set costs a
    /// few loads and two word comparisons, and no register saves (which a `memcmp` call for
    /// longer text would need).
    #[inline(never)]
    pub(crate) fn key_for(&mut self, text: &str) -> Option<u32> {
        let set = recent_set(text);
        let latest = self.recent[set][0];
        match text.len() <= 16 && self.holds(latest, text) {
            true => Some(2 * latest + 1),
            false => self.key_in_set(text, set),
        }
    }

    /// True when the string at `position` (if any) is `text`.
    #[inline(always)]
    fn holds(&self, position: u32, text: &str) -> bool {
        self.strings
            .get(position as usize)
            .is_some_and(|s| chunked_eq(s.as_bytes(), text.as_bytes()))
    }

    /// [`WriterSession::key_for`] past its first test: the positions of `set`, then the index
    /// (the position found becoming the set's latest).
    #[inline(never)]
    fn key_in_set(&mut self, text: &str, set: usize) -> Option<u32> {
        if let Some(&position) = self.recent[set].iter().find(|&&p| self.holds(p, text)) {
            return Some(2 * position + 1);
        }
        let position = self.index_position(text)?;
        let ways = &mut self.recent[set];
        ways.rotate_right(1);
        ways[0] = position;
        Some(2 * position + 1)
    }

    /// Position of `text` in `strings`, adding it if it is new and fits the budget.
    fn index_position(&mut self, text: &str) -> Option<u32> {
        let strings = &self.strings;
        let h = hash(text.as_bytes());
        // A plain lookup first: most strings of a message were added by earlier ones.
        if let Some(&found) = self.index.find(h, |&i| {
            short_eq(strings[i as usize].as_bytes(), text.as_bytes())
        }) {
            return Some(found);
        }
        let cost = text.len() + mb31_len(text.len() as u32);
        if cost > self.budget || text.len() > i32::MAX as usize {
            self.budget = 0;
            return None;
        }
        self.budget -= cost;
        let position = self.strings.len() as u32;
        let strings = &self.strings;
        self.index
            .insert_unique(h, position, |&i| hash(strings[i as usize].as_bytes()));
        self.strings.push(text.into());
        Some(position)
    }

    /// Inserts the string table of the strings added since the last call (`00` if none) at the
    /// start of `out`.
    pub fn prepend_table(&mut self, out: &mut Vec<u8>) {
        // Written after the document and rotated in front: no second vector to allocate.
        let document = out.len();
        self.write_table(out);
        let table = out.len() - document;
        out.rotate_right(table);
    }

    /// Writes the string table of the strings added since the last call over the byte reserved
    /// for it at the start of `out`: in place when it is `00` (no string added, as for most
    /// messages), else in room made there.
    pub(crate) fn fill_table(&mut self, out: &mut Vec<u8>) {
        if self.unsent == self.strings.len() {
            out[0] = 0;
            return;
        }
        let mut table = Vec::new();
        self.write_table(&mut table);
        out.splice(..1, table);
    }

    /// Appends the string table of the strings added since the last call (`00` if none).
    pub fn write_table(&mut self, out: &mut Vec<u8>) {
        let unsent = &self.strings[self.unsent..];
        let size: usize = unsent
            .iter()
            .map(|s| s.len() + mb31_len(s.len() as u32))
            .sum();
        write_mb31(out, size as u32);
        for s in unsent {
            write_mb31(out, s.len() as u32);
            out.extend_from_slice(s.as_bytes());
        }
        self.unsent = self.strings.len();
    }

    /// Preloads strings as if earlier messages had added them (e.g. to re-encode a capture).
    pub fn preload<'s>(&mut self, strings: impl IntoIterator<Item = &'s str>) {
        for s in strings {
            self.key_for(s);
        }
        self.unsent = self.strings.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trip_and_numbering() {
        let mut w = WriterSession::new();
        assert_eq!(w.key_for("Foo"), Some(1));
        assert_eq!(w.key_for("urn:x"), Some(3));
        assert_eq!(w.key_for("Foo"), Some(1));
        let mut t = Vec::new();
        w.write_table(&mut t);
        assert_eq!(t, b"\x0A\x03Foo\x05urn:x");
        let mut again = Vec::new();
        w.write_table(&mut again);
        assert_eq!(again, [0]);

        let mut r = ReaderSession::new();
        assert_eq!(r.read_table(&t).unwrap(), t.len());
        assert_eq!(r.get(1), Some("Foo"));
        assert_eq!(r.get(3), Some("urn:x"));
        assert_eq!(r.get(5), None);
    }

    #[test]
    fn writer_quota_is_sticky() {
        let mut w = WriterSession::with_quota(10);
        assert_eq!(w.key_for("abcd"), Some(1)); // costs 5
        assert_eq!(w.key_for("abcdefgh"), None); // costs 9 > 5: budget drops to 0
        assert_eq!(w.key_for("a"), None); // would fit the old budget, but nothing is added any more
        assert_eq!(w.key_for("abcd"), Some(1));
    }

    /// Strings keep their first-use keys as the index grows, whatever their lengths.
    #[test]
    fn writer_keys_survive_index_growth() {
        let strings: Vec<String> = (0..1000)
            .map(|i| "n".repeat(i % 40) + &i.to_string())
            .collect();
        let mut w = WriterSession::with_quota(usize::MAX);
        for (i, s) in strings.iter().enumerate() {
            assert_eq!(w.key_for(s), Some(2 * i as u32 + 1));
        }
        for (i, s) in strings.iter().enumerate().rev() {
            assert_eq!(w.key_for(s), Some(2 * i as u32 + 1));
        }
        assert_eq!(w.len(), strings.len());
    }

    /// Text found at an address another string was looked up at gets its own key: the recent
    /// slot is a hint confirmed by the text.
    #[test]
    fn writer_keys_follow_the_text_not_its_address() {
        let mut w = WriterSession::new();
        let mut buffer = String::from("Name");
        assert_eq!(w.key_for(&buffer), Some(1));
        buffer.replace_range(.., "Nome");
        assert_eq!(w.key_for(&buffer), Some(3));
        buffer.replace_range(.., "Name");
        assert_eq!(w.key_for(&buffer), Some(1));
        assert_eq!(w.key_for("Nome"), Some(3));
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn reader_rejects_and_stays_failed() {
        let mut r = ReaderSession::new();
        let e = r.read_table(&[0x05, 0x03, b'a']).unwrap_err();
        assert!(matches!(e.kind, K::MalformedStringTable(_)));
        assert_eq!(r.read_table(&[0x00]).unwrap_err().kind, K::SessionFailed);

        let mut r = ReaderSession::new();
        let e = r.read_table(&[0x03, 0x05, b'a', b'b']).unwrap_err();
        assert_eq!(e.offset, 1);

        let mut r = ReaderSession::with_quota(3);
        let e = r.read_table(&[0x04, 0x03, b'a', b'b', b'c']).unwrap_err();
        assert_eq!(e.kind, K::SessionQuotaExceeded { size: 4, quota: 3 });
    }
}
