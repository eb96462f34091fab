//! [MC-NBFSE] session string tables: the per-connection strings that odd dictionary keys refer to,
//! and the table that prefixes every `application/soap+msbinsession1` message.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::cursor::{mb31_len, write_mb31, Cursor};
use crate::error::{DecodeError, DecodeErrorKind as K};

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

/// A word-at-a-time multiplicative hash (FxHash's scheme): session strings are looked up for
/// every dynamic name written, where SipHash's cost shows. The table holds at most a few
/// hundred strings a peer cannot choose, so flooding resistance is not needed.
#[derive(Default)]
struct WordHash(u64);

impl Hasher for WordHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes(c.try_into().expect("8-byte chunk"));
            h = (h.rotate_left(5) ^ word).wrapping_mul(K);
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        h = (h.rotate_left(5) ^ u64::from_le_bytes(tail) ^ bytes.len() as u64).wrapping_mul(K);
        self.0 = h;
    }
}

/// The strings we have sent a peer, keyed by value, with WCF's quota rule: once a string does
/// not fit the remaining budget, the budget drops to zero and nothing more is ever added.
#[derive(Debug, Clone)]
pub struct WriterSession {
    keys: HashMap<String, u32, BuildHasherDefault<WordHash>>,
    /// Strings added since the last [`WriterSession::write_table`], in first-use order.
    new_strings: Vec<String>,
    budget: usize,
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
            keys: HashMap::default(),
            new_strings: Vec::new(),
            budget: quota,
        }
    }

    /// Number of strings in the session.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the session holds no string.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Odd wire key of `text`, adding it if it is new and fits the budget.
    pub(crate) fn key_for(&mut self, text: &str) -> Option<u32> {
        if let Some(&k) = self.keys.get(text) {
            return Some(k);
        }
        let cost = text.len() + mb31_len(text.len() as u32);
        if cost > self.budget || text.len() > i32::MAX as usize {
            self.budget = 0;
            return None;
        }
        self.budget -= cost;
        let key = 2 * self.keys.len() as u32 + 1;
        self.keys.insert(text.to_owned(), key);
        self.new_strings.push(text.to_owned());
        Some(key)
    }

    /// Inserts the string table of the strings added since the last call (`00` if none) at the
    /// start of `out`.
    pub fn prepend_table(&mut self, out: &mut Vec<u8>) {
        let mut table = Vec::new();
        self.write_table(&mut table);
        out.splice(0..0, table);
    }

    /// Appends the string table of the strings added since the last call (`00` if none).
    pub fn write_table(&mut self, out: &mut Vec<u8>) {
        let size: usize = self
            .new_strings
            .iter()
            .map(|s| s.len() + mb31_len(s.len() as u32))
            .sum();
        write_mb31(out, size as u32);
        for s in self.new_strings.drain(..) {
            write_mb31(out, s.len() as u32);
            out.extend_from_slice(s.as_bytes());
        }
    }

    /// Preloads strings as if earlier messages had added them (e.g. to re-encode a capture).
    pub fn preload<'s>(&mut self, strings: impl IntoIterator<Item = &'s str>) {
        for s in strings {
            self.key_for(s);
        }
        self.new_strings.clear();
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
