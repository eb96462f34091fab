//! XML text output (UTF-8, no declaration), written the way .NET's `XmlUTF8TextWriter` writes it.

use std::cell::Cell;
use std::fmt::Write as _;
use std::ops::Range;

use super::short::extend_short;
use super::{write_value, Node};
use crate::error::EncodeError;
use crate::format;
use crate::string::XmlString;
use crate::value::{DateTime, Decimal, Guid, TimeSpan, Value};

/// Bytes escaped in element content: `&`, `<`, `>`, and control characters but tab and line
/// feed (carriage return included, so it survives end-of-line normalization).
const ESCAPED_IN_CONTENT: [bool; 256] = escape_table(false);
/// Bytes escaped in attribute values: those of content, `"`, tab and line feed.
const ESCAPED_IN_ATTRIBUTE: [bool; 256] = escape_table(true);

const fn escape_table(attribute: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = attribute || !matches!(b as u8, b'\t' | b'\n');
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = attribute;
    table
}

/// Index of the first byte of `bytes` that `table` escapes. Eight bytes at a time: a word with
/// no byte below the space and none of `&`, `<`, `>`, `"` (every byte either table escapes is
/// one of these) is passed at once; only the others are looked up byte by byte.
#[inline]
fn first_escaped(bytes: &[u8], table: &[bool; 256]) -> Option<usize> {
    let escaped = |b: &u8| table[usize::from(*b)];
    let mut at = 0;
    while let Some(word) = bytes[at..].first_chunk::<8>() {
        if may_escape(u64::from_le_bytes(*word)) {
            if let Some(i) = word.iter().position(escaped) {
                return Some(at + i);
            }
        }
        at += 8;
    }
    bytes[at..].iter().position(escaped).map(|i| at + i)
}

/// True when a byte of `w` is below the space or is `&`, `<`, `>` or `"` (the usual tests
/// for a byte below a value and a zero byte, which tell whether one exists).
#[inline(always)]
fn may_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit set in the lowest byte below `n`, if there is one.
    let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGH;
    let has = |c: u8| below(w ^ (ONES * u64::from(c)), 1);
    // One test of the tests' union, rather than a branch for each.
    below(w, b' ') | has(b'&') | has(b'<') | has(b'>') | has(b'"') != 0
}

/// Appends `prefix:local` (or `local` for the empty prefix) to `out`.
#[inline]
fn write_qname(out: &mut Vec<u8>, prefix: &str, local: &str) {
    if !prefix.is_empty() {
        extend_short(out, prefix.as_bytes());
        out.push(b':');
    }
    extend_short(out, local.as_bytes());
}

pub(crate) struct TextNode {
    pub(crate) out: Vec<u8>,
    /// Qualified names of the open elements, in `names`.
    open: Vec<Range<usize>>,
    /// The open elements' qualified names, end to end (bytes: only ever copied out whole).
    names: Vec<u8>,
    in_attribute: bool,
    scratch: String,
}

/// The vectors of a [`TextNode`] besides its output, kept emptied between writers as the
/// namespace scopes' are (see [`super::namespaces`]).
struct TextBuffers {
    open: Vec<Range<usize>>,
    names: Vec<u8>,
    scratch: String,
}

/// Vectors grown past this many entries or bytes are freed rather than kept.
const MAX_KEPT: usize = 64 * 1024;

thread_local! {
    /// The vectors of the last text node dropped on this thread.
    static SPARE: Cell<Option<TextBuffers>> = const { Cell::new(None) };
}

/// Leaves the vectors besides the output, emptied, to the thread's next text writer.
impl Drop for TextNode {
    fn drop(&mut self) {
        let (mut open, mut names, mut scratch) = (
            std::mem::take(&mut self.open),
            std::mem::take(&mut self.names),
            std::mem::take(&mut self.scratch),
        );
        if [open.capacity(), names.capacity(), scratch.capacity()]
            .iter()
            .any(|&c| c > MAX_KEPT)
        {
            return;
        }
        open.clear();
        names.clear();
        scratch.clear();
        let buffers = TextBuffers {
            open,
            names,
            scratch,
        };
        // During thread teardown there is no next writer: the vectors are freed.
        let _ = SPARE.try_with(|spare| spare.set(Some(buffers)));
    }
}

impl TextNode {
    /// A node in the thread's spare vectors, or in new ones with room for a typical SOAP
    /// message's.
    #[inline]
    pub(crate) fn new(out: Vec<u8>) -> Self {
        let spare = SPARE.try_with(Cell::take).ok().flatten();
        let vectors = spare.unwrap_or_else(|| TextBuffers {
            open: Vec::with_capacity(16),
            names: Vec::with_capacity(256),
            scratch: String::with_capacity(32),
        });
        Self::in_vectors(out, vectors)
    }

    fn in_vectors(out: Vec<u8>, vectors: TextBuffers) -> Self {
        Self {
            out,
            open: vectors.open,
            names: vectors.names,
            in_attribute: false,
            scratch: vectors.scratch,
        }
    }

    /// Writes `prefix:local` to the output and keeps it for the end tag.
    fn push_qname(&mut self, prefix: &str, local: &str) {
        write_qname(&mut self.names, prefix, local);
        write_qname(&mut self.out, prefix, local);
    }

    /// Writes `text` escaped for content or for an attribute value: runs that need no escaping
    /// (found by [`first_escaped`]) are copied whole.
    fn escaped(&mut self, text: &str) {
        let table = if self.in_attribute {
            &ESCAPED_IN_ATTRIBUTE
        } else {
            &ESCAPED_IN_CONTENT
        };
        let bytes = text.as_bytes();
        let mut run = 0;
        while let Some(i) = first_escaped(&bytes[run..], table) {
            let at = run + i;
            extend_short(&mut self.out, &bytes[run..at]);
            self.escape(bytes[at]);
            run = at + 1;
        }
        extend_short(&mut self.out, &bytes[run..]);
    }

    /// The reference .NET's writer writes for a byte that needs escaping.
    #[inline(never)]
    fn escape(&mut self, b: u8) {
        match b {
            b'&' => self.out.extend_from_slice(b"&amp;"),
            b'<' => self.out.extend_from_slice(b"&lt;"),
            b'>' => self.out.extend_from_slice(b"&gt;"),
            b'"' => self.out.extend_from_slice(b"&quot;"),
            _ => {
                let _ = write!(self.scratch_clear(), "&#x{b:X};");
                let s = std::mem::take(&mut self.scratch);
                self.out.extend_from_slice(s.as_bytes());
                self.scratch = s;
            }
        }
    }

    fn scratch_clear(&mut self) -> &mut String {
        self.scratch.clear();
        &mut self.scratch
    }

    /// Appends a number `f` writes to the scratch string (numbers need no escaping).
    fn number(&mut self, f: impl FnOnce(&mut String)) {
        self.scratch.clear();
        f(&mut self.scratch);
        self.out.extend_from_slice(self.scratch.as_bytes());
    }

    fn formatted(&mut self, f: impl FnOnce(&mut String)) {
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        f(&mut s);
        self.escaped(&s);
        self.scratch = s;
    }
}

impl Node for TextNode {
    /// `<name>value</name>`, the name written twice rather than kept for the end tag.
    fn leaf(
        &mut self,
        prefix: &str,
        local: XmlString<'_>,
        value: &Value<'_>,
    ) -> Result<(), EncodeError> {
        self.out.push(b'<');
        write_qname(&mut self.out, prefix, local.as_str());
        self.out.push(b'>');
        write_value(self, value, false)?;
        self.out.extend_from_slice(b"</");
        write_qname(&mut self.out, prefix, local.as_str());
        self.out.push(b'>');
        Ok(())
    }

    fn start_element(&mut self, prefix: &str, local: XmlString<'_>) {
        self.out.push(b'<');
        let start = self.names.len();
        self.push_qname(prefix, local.as_str());
        self.open.push(start..self.names.len());
    }

    fn start_attribute(&mut self, prefix: &str, local: XmlString<'_>) {
        self.out.push(b' ');
        write_qname(&mut self.out, prefix, local.as_str());
        self.out.extend_from_slice(b"=\"");
        self.in_attribute = true;
    }

    fn end_attribute(&mut self) {
        self.out.push(b'"');
        self.in_attribute = false;
    }

    fn xmlns(&mut self, prefix: &str, ns: XmlString<'_>) {
        self.out.extend_from_slice(b" xmlns");
        if !prefix.is_empty() {
            self.out.push(b':');
            self.out.extend_from_slice(prefix.as_bytes());
        }
        self.out.extend_from_slice(b"=\"");
        self.in_attribute = true;
        self.escaped(ns.as_str());
        self.in_attribute = false;
        self.out.push(b'"');
    }

    fn end_start_tag(&mut self, empty: bool) {
        if empty {
            self.out.extend_from_slice(b"/>");
            if let Some(r) = self.open.pop() {
                self.names.truncate(r.start);
            }
        } else {
            self.out.push(b'>');
        }
    }

    fn end_element(&mut self) {
        if let Some(r) = self.open.pop() {
            self.out.extend_from_slice(b"</");
            extend_short(&mut self.out, &self.names[r.clone()]);
            self.out.push(b'>');
            self.names.truncate(r.start);
        }
    }

    fn comment(&mut self, text: &str) {
        self.out.extend_from_slice(b"<!--");
        self.out.extend_from_slice(text.as_bytes());
        self.out.extend_from_slice(b"-->");
    }

    fn text(&mut self, s: &str) {
        self.escaped(s);
    }

    fn dictionary_text(&mut self, s: XmlString<'_>) {
        self.escaped(s.as_str());
    }

    fn qname(&mut self, prefix: u8, name: XmlString<'_>, _joined: bool) {
        self.out.push(prefix);
        self.out.push(b':');
        self.escaped(name.as_str());
    }

    fn bool(&mut self, v: bool) {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    fn int32(&mut self, v: i32) {
        self.int64(v.into());
    }

    fn int64(&mut self, v: i64) {
        let mut s = format::Ascii::<24>::new();
        s.int(v);
        self.out.extend_from_slice(s.as_bytes());
    }

    fn uint64(&mut self, v: u64) {
        let mut s = format::Ascii::<24>::new();
        s.digits(v, 1);
        self.out.extend_from_slice(s.as_bytes());
    }

    fn float(&mut self, v: f32) {
        self.number(|s| format::float(v, s));
    }

    fn double(&mut self, v: f64) {
        self.number(|s| format::double(v, s));
    }

    fn decimal(&mut self, v: Decimal) {
        let s = format::decimal(v.mantissa, v.scale, v.negative);
        self.out.extend_from_slice(s.as_bytes());
    }

    fn date_time(&mut self, v: DateTime) {
        self.out
            .extend_from_slice(format::date_time_text(v.ticks).as_bytes());
        self.out.extend_from_slice(v.kind.suffix().as_bytes());
    }

    fn time_span(&mut self, v: TimeSpan) {
        self.formatted(|s| {
            let _ = write!(s, "{v}");
        });
    }

    fn guid(&mut self, v: Guid) {
        self.out
            .extend_from_slice(format::guid(v.display_order()).as_bytes());
    }

    fn unique_id(&mut self, v: Guid) {
        self.out.extend_from_slice(b"urn:uuid:");
        self.guid(v);
    }

    fn bytes_text(&mut self, trail: &[u8], data: &[u8]) {
        let joined;
        let bytes = if trail.is_empty() {
            data
        } else {
            joined = [trail, data].concat();
            &joined
        };
        self.formatted(|s| format::base64(bytes, s));
    }

    fn start_list(&mut self) {}

    fn list_separator(&mut self) {
        self.out.push(b' ');
    }

    fn end_list(&mut self) {}

    fn flush(&mut self) {}

    fn output(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-wise search finds what a byte-by-byte lookup finds, for every byte at every
    /// position of a word and of the tail after the last word.
    #[test]
    fn word_search_matches_the_tables() {
        for table in [&ESCAPED_IN_CONTENT, &ESCAPED_IN_ATTRIBUTE] {
            for len in [1, 7, 8, 9, 16, 21] {
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut bytes = vec![b'a'; len];
                        bytes[at] = b;
                        let expected = bytes.iter().position(|&b| table[usize::from(b)]);
                        assert_eq!(first_escaped(&bytes, table), expected, "{len} {at} {b}");
                    }
                }
            }
        }
    }
}
