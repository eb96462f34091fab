//! Strings as binary XML sees them: text plus, where there is one, a dictionary identity.

use std::fmt;

/// Where a string comes from, which decides how the writer encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StringSource {
    /// A plain string: always written inline, never added to a session (.NET's `string` overloads).
    Inline,
    /// An entry of the writer's static dictionary, with its even wire key.
    Static(u32),
    /// A dictionary string that is not in the static dictionary (.NET: an `XmlDictionaryString` of
    /// another dictionary). The writer puts it in the session table when it has one, else inline.
    Dynamic,
    /// Read from a session string table with this odd wire key. Written like [`StringSource::Dynamic`].
    Session(u32),
}

/// A name, namespace or text value together with its dictionary identity.
///
/// Equality compares the text only.
#[derive(Clone, Copy)]
pub struct XmlString<'a> {
    text: &'a str,
    /// The [`StringSource`] and a flag packed in one word (copied as one, as strings are a lot):
    /// the key in the low 32 bits, the [`Kind`] above it, and [`PLAIN`].
    identity: u64,
}

/// [`StringSource`] without its key, as stored in [`XmlString::identity`] (bits 32–39).
const INLINE: u64 = 0;
const STATIC: u64 = 1 << 32;
const DYNAMIC: u64 = 2 << 32;
const SESSION: u64 = 3 << 32;
const KIND: u64 = 0xFF << 32;
/// [`XmlString::identity`] flag: the text is known to be a name the writer takes without a
/// closer look (see [`is_plain_name_text`]), as found by the dictionary-string constructors,
/// which serializers call with constant text.
const PLAIN: u64 = 1 << 40;

/// True for a non-empty string of bytes in 0x40..=0x7F only (letters, `@`, `[\]^_`, backquote,
/// `{|}~`, DEL): a name the writer never refuses, which most names are. A `const fn`, so that
/// a constructor given constant text is evaluated at compile time.
#[inline]
pub(crate) const fn is_plain_name_text(text: &str) -> bool {
    !text.is_empty() && every_byte_masked(text.as_bytes(), 0xC0, 0x40)
}

/// True when every byte `x` of `b` has `x & mask == want`. Tests words (overlapping at the
/// ends) rather than bytes: the tail after the last whole word is a good part of the cost for
/// the names and short values this is asked about. Always inlined: a call costs about as much.
#[inline(always)]
pub(crate) const fn every_byte_masked(b: &[u8], mask: u8, want: u8) -> bool {
    let (mask64, want64) = (u64::from_ne_bytes([mask; 8]), u64::from_ne_bytes([want; 8]));
    let (mask32, want32) = (mask64 as u32, want64 as u32);
    let n = b.len();
    match n {
        0 => true,
        1..=3 => b[0] & mask == want && b[n / 2] & mask == want && b[n - 1] & mask == want,
        4..=8 => half(b, 0) & mask32 == want32 && half(b, n - 4) & mask32 == want32,
        _ => {
            let mut at = 0;
            while at + 8 <= n {
                if whole(b, at) & mask64 != want64 {
                    return false;
                }
                at += 8;
            }
            whole(b, n - 8) & mask64 == want64
        }
    }
}

impl<'a> XmlString<'a> {
    const fn new(text: &'a str, kind: u64, key: u32, plain: bool) -> Self {
        let plain = if plain { PLAIN } else { 0 };
        Self {
            text,
            identity: key as u64 | kind | plain,
        }
    }

    /// A plain string, written inline.
    pub const fn inline(text: &'a str) -> Self {
        Self::new(text, INLINE, 0, false)
    }

    /// A dictionary string not in the static dictionary: session table if any, else inline.
    pub const fn dynamic(text: &'a str) -> Self {
        Self::new(text, DYNAMIC, 0, is_plain_name_text(text))
    }

    /// An entry of the static dictionary with the even wire key `key`.
    pub const fn from_static(text: &'a str, key: u32) -> Self {
        Self::new(text, STATIC, key, is_plain_name_text(text))
    }

    /// A string of this source, its text not examined (as a name read or a namespace copied).
    pub(crate) const fn with_source(text: &'a str, source: StringSource) -> Self {
        match source {
            StringSource::Inline => Self::inline(text),
            StringSource::Static(k) => Self::new(text, STATIC, k, false),
            StringSource::Dynamic => Self::new(text, DYNAMIC, 0, false),
            StringSource::Session(k) => Self::new(text, SESSION, k, false),
        }
    }

    pub(crate) const fn from_session(text: &'a str, key: u32) -> Self {
        Self::new(text, SESSION, key, false)
    }

    /// True when the text is known to be a name made of the bytes [`is_plain_name_text`] accepts.
    #[inline(always)]
    pub(crate) const fn is_plain_name(&self) -> bool {
        self.identity & PLAIN != 0
    }

    const fn kind(&self) -> u64 {
        self.identity & KIND
    }

    const fn wire_key(&self) -> u32 {
        self.identity as u32
    }

    /// The text.
    pub const fn as_str(&self) -> &'a str {
        self.text
    }

    /// Where the string comes from.
    #[inline]
    pub const fn source(&self) -> StringSource {
        match self.kind() {
            STATIC => StringSource::Static(self.wire_key()),
            DYNAMIC => StringSource::Dynamic,
            SESSION => StringSource::Session(self.wire_key()),
            _ => StringSource::Inline,
        }
    }

    /// The wire key it was read with or will be written with, if it is a dictionary entry.
    pub const fn key(&self) -> Option<u32> {
        match self.kind() {
            STATIC | SESSION => Some(self.wire_key()),
            _ => None,
        }
    }

    /// The even key, if this is an entry of the static dictionary.
    pub const fn static_key(&self) -> Option<u32> {
        match self.kind() {
            STATIC => Some(self.wire_key()),
            _ => None,
        }
    }

    /// True unless the string is plain (written inline whatever dictionaries the writer has).
    pub const fn is_dictionary(&self) -> bool {
        self.kind() != INLINE
    }
}

impl PartialEq for XmlString<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for XmlString<'_> {}

impl PartialEq<str> for XmlString<'_> {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for XmlString<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl fmt::Debug for XmlString<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source() {
            StringSource::Inline => write!(f, "{:?}", self.text),
            StringSource::Static(k) => write!(f, "{:?}@{k}", self.text),
            StringSource::Dynamic => write!(f, "{:?}@dyn", self.text),
            StringSource::Session(k) => write!(f, "{:?}@{k}", self.text),
        }
    }
}

impl fmt::Display for XmlString<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

impl<'a> From<&'a str> for XmlString<'a> {
    fn from(text: &'a str) -> Self {
        Self::inline(text)
    }
}

/// Byte string equality without a `memcmp` call for the short strings prefixes and names are:
/// up to 16 bytes are compared as two (overlapping) words.
#[inline(always)]
pub(crate) fn short_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4),
        8..=16 => word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, n - 8) == word::<8>(b, n - 8),
        _ => a == b,
    }
}

/// Byte string equality for namespaces (mostly 20 to 60 bytes) without a `memcmp` call, whose
/// cost is most of the comparison at these lengths: 16 bytes at a time, the last 16 overlapping.
#[inline]
pub(crate) fn chunked_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n <= 16 {
        return short_eq(a, b);
    }
    let mut at = 0;
    while at + 16 < n {
        if word::<16>(a, at) != word::<16>(b, at) {
            return false;
        }
        at += 16;
    }
    word::<16>(a, n - 16) == word::<16>(b, n - 16)
}

/// The `N` bytes of `s` at `at`, as an array to compare whole.
#[inline(always)]
const fn word<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
    let (_, rest) = s.split_at(at);
    *rest.first_chunk::<N>().expect("N bytes")
}

/// The 8 bytes of `b` at `at` as a little-endian word.
#[inline(always)]
const fn whole(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(word(b, at))
}

/// The 4 bytes of `b` at `at` as a little-endian half word.
#[inline(always)]
const fn half(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(word(b, at))
}

#[cfg(test)]
mod tests {
    use super::chunked_eq;

    /// Chunked equality agrees with `==` for every length and position of a difference.
    #[test]
    fn chunked_eq_matches_slice_equality() {
        for n in 0usize..80 {
            let a: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
            assert!(chunked_eq(&a, &a.clone()), "{n}");
            if let Some(shorter) = n.checked_sub(1) {
                assert!(!chunked_eq(&a, &a[..shorter]), "{n}");
            }
            for i in 0..n {
                let mut b = a.clone();
                b[i] ^= 0x20;
                assert!(!chunked_eq(&a, &b), "{n} {i}");
            }
        }
    }
}
