//! Binary XML records, with an emulation of .NET's 512-byte output buffer.
//!
//! The .NET `XmlBinaryNodeWriter` folds an EndElement into the preceding text record
//! (`…WithEndElement`) only while that record's type byte is still in its 512-byte buffer; any
//! buffer flush in between cancels the fold. To produce the same bytes, this writer makes the same
//! sequence of buffer requests (.NET Framework's `XmlStreamNodeWriter`, also shipped by Mono) and
//! tracks the simulated buffer fill, without actually buffering anything.

use super::short::Sink;
use super::{write_value, Node};
use crate::dictionary::Dictionary;
use crate::error::EncodeError;
use crate::record as r;
use crate::session::WriterSession;
use crate::string::{every_byte_masked, XmlString};
use crate::value::{DateTime, Decimal, Guid, TimeSpan, Value};

/// Size of .NET's node writer buffer.
const BUFFER_SIZE: usize = 512;
/// UTF-16 units per UTF-8 chunk (512 / 3) and per UTF-16 chunk (512 / 2).
const UTF8_CHUNK: usize = 170;
const UTF16_CHUNK: usize = 256;

pub(crate) struct BinaryNode<'a> {
    out: Sink,
    /// Bytes in .NET's (simulated) buffer.
    buffered: usize,
    /// Index in `out` of the last text record's type byte while it may still be folded.
    text_node: Option<usize>,
    dictionary: Option<&'a dyn Dictionary>,
    session: Option<&'a mut WriterSession>,
    /// The output starts with a byte reserved for the session's string table (see
    /// [`BinaryNode::set_session`]).
    table_reserved: bool,
}

/// A string's UTF-16 length (what .NET counts as its length), from the UTF-8 bytes: one unit per
/// lead byte, a second for the lead bytes of 4-byte sequences (characters beyond the BMP).
#[inline]
fn utf16_len(s: &str) -> usize {
    if is_ascii(s.as_bytes()) {
        return s.len();
    }
    s.bytes()
        .map(|b| usize::from(b as i8 >= -0x40) + usize::from(b >= 0xF0))
        .sum()
}

/// `<[u8]>::is_ascii` by words (see [`every_byte_masked`]): std's tests the bytes after
/// the last whole word one at a time, a good part of the cost for the tens of bytes text values
/// and namespaces mostly are.
#[inline]
fn is_ascii(b: &[u8]) -> bool {
    every_byte_masked(b, 0x80, 0)
}

/// True for text of 2 to 16 ASCII bytes, written as one Chars8Text record whose padded copy
/// fits the output stage's fixed-size moves ("", "0" and "1" have records of their own).
#[inline(always)]
fn is_short_ascii(s: &str) -> bool {
    (2..=16).contains(&s.len()) && is_ascii(s.as_bytes())
}

/// The MB31 form of `v` and its length.
#[inline]
fn mb31(mut v: u32) -> ([u8; 5], usize) {
    let mut block = [0; 5];
    let mut len = 0;
    while v >= 0x80 {
        block[len] = v as u8 | 0x80;
        v >>= 7;
        len += 1;
    }
    block[len] = v as u8;
    (block, len + 1)
}

/// The record types of one kind of named record (element or attribute), by form.
struct NamedForms {
    short: u8,
    full: u8,
    short_dictionary: u8,
    dictionary: u8,
    prefix_dictionary_a: u8,
    prefix_a: u8,
}

const ELEMENT_FORMS: NamedForms = NamedForms {
    short: r::SHORT_ELEMENT,
    full: r::ELEMENT,
    short_dictionary: r::SHORT_DICTIONARY_ELEMENT,
    dictionary: r::DICTIONARY_ELEMENT,
    prefix_dictionary_a: r::PREFIX_DICTIONARY_ELEMENT_A,
    prefix_a: r::PREFIX_ELEMENT_A,
};

const ATTRIBUTE_FORMS: NamedForms = NamedForms {
    short: r::SHORT_ATTRIBUTE,
    full: r::ATTRIBUTE,
    short_dictionary: r::SHORT_DICTIONARY_ATTRIBUTE,
    dictionary: r::DICTIONARY_ATTRIBUTE,
    prefix_dictionary_a: r::PREFIX_DICTIONARY_ATTRIBUTE_A,
    prefix_a: r::PREFIX_ATTRIBUTE_A,
};

impl<'a> BinaryNode<'a> {
    pub(crate) fn new(
        out: Vec<u8>,
        dictionary: Option<&'a dyn Dictionary>,
        session: Option<&'a mut WriterSession>,
    ) -> Self {
        Self {
            out: Sink::new(out),
            buffered: 0,
            text_node: None,
            dictionary,
            session,
            table_reserved: false,
        }
    }

    pub(crate) fn set_dictionary(&mut self, dictionary: &'a dyn Dictionary) {
        self.dictionary = Some(dictionary);
    }

    /// Puts dynamic strings in `session`. Given an empty output, reserves its first byte for
    /// the string table (outside .NET's simulated buffer), which then mostly takes its place
    /// rather than moving the document to make room.
    pub(crate) fn set_session(&mut self, session: &'a mut WriterSession) {
        self.session = Some(session);
        if self.out.len() == 0 && !self.table_reserved {
            self.out.push(0);
            self.table_reserved = true;
        }
    }

    /// The message: the session's string table, then the document (`None` without a session).
    pub(crate) fn session_message(&mut self) -> Option<Vec<u8>> {
        let mut message = std::mem::take(self.out.written());
        let session = self.session.as_deref_mut()?;
        match self.table_reserved {
            true => session.fill_table(&mut message),
            false => session.prepend_table(&mut message),
        }
        Some(message)
    }

    // --- the simulated buffer -------------------------------------------------------------

    /// .NET `GetBuffer(count)`: flushes when the request does not fit.
    fn request(&mut self, count: usize) {
        if self.buffered + count > BUFFER_SIZE {
            self.flush_buffer();
        }
    }

    /// .NET `FlushBuffer()`: empties the buffer and forgets the foldable text record.
    pub(crate) fn flush_buffer(&mut self) {
        self.buffered = 0;
        self.text_node = None;
    }

    /// .NET `WriteByte`: flushes only when the buffer is full.
    fn byte(&mut self, b: u8) {
        if self.buffered >= BUFFER_SIZE {
            self.flush_buffer();
        }
        self.out.push(b);
        self.buffered += 1;
    }

    /// .NET `WriteBytes`: below 512 bytes through the buffer, else flush and write past it.
    fn bytes(&mut self, b: &[u8]) {
        if b.len() < BUFFER_SIZE {
            self.request(b.len());
            self.buffered += b.len();
        } else {
            self.flush_buffer();
        }
        self.out.extend(b);
    }

    /// A structural record's type byte; it ends any chance of folding.
    pub(crate) fn node(&mut self, t: u8) {
        self.byte(t);
        self.text_node = None;
    }

    /// A structural record's type byte and a String (.NET: `WriteByte`, then the String's
    /// request), written as one block when the String is short.
    #[inline(always)]
    fn node_with_name(&mut self, t: u8, s: &str) {
        let n = s.len();
        // As in `name`: the request (1 + 3 × UTF-16 length) is at most 1 + 3 × the byte length;
        // when it fits after the type byte, neither step flushes.
        if (1..=16).contains(&n) && self.buffered + 2 + 3 * n <= BUFFER_SIZE {
            self.text_node = None;
            self.buffered += 2 + n;
            self.out.headed([t, n as u8], s.as_bytes());
        } else {
            self.node_then_name(t, s);
        }
    }

    /// [`BinaryNode::node_with_name`] step by step.
    #[inline(never)]
    fn node_then_name(&mut self, t: u8, s: &str) {
        self.node(t);
        self.name(s);
    }

    /// A structural record's type byte and an MB31 key (.NET: `WriteByte`, then the key's
    /// 5-byte request), written as one block when the key is one byte and neither step flushes.
    #[inline(always)]
    fn node_with_key(&mut self, t: u8, k: u32) {
        if k < 0x80 && self.buffered + 1 + 5 <= BUFFER_SIZE {
            self.text_node = None;
            self.buffered += 2;
            self.out.block(&[t, k as u8], 2);
        } else {
            self.node_then_key(t, k);
        }
    }

    /// [`BinaryNode::node_with_key`] step by step.
    #[inline(never)]
    fn node_then_key(&mut self, t: u8, k: u32) {
        self.node(t);
        self.mb31(k);
    }

    /// An element or attribute record (its prefix already resolved), by key when `local` has
    /// one.
    #[inline(always)]
    fn named_record(&mut self, forms: &NamedForms, prefix: &str, local: XmlString<'_>) {
        let letter = r::letter_index(prefix);
        match self.key(local) {
            None => match letter {
                Some(i) => self.node_with_name(forms.prefix_a + i, local.as_str()),
                None if prefix.is_empty() => self.node_with_name(forms.short, local.as_str()),
                None => {
                    self.node_with_name(forms.full, prefix);
                    self.name(local.as_str());
                }
            },
            Some(k) => match letter {
                Some(i) => self.node_with_key(forms.prefix_dictionary_a + i, k),
                None if prefix.is_empty() => self.node_with_key(forms.short_dictionary, k),
                None => {
                    self.node_with_name(forms.dictionary, prefix);
                    self.mb31(k);
                }
            },
        }
    }

    /// A one-byte text record that may be folded.
    fn text_node_byte(&mut self, t: u8) {
        self.byte(t);
        self.text_node = Some(self.out.len() - 1);
    }

    /// A one-byte text record, folded with its element's end when `end` is 1.
    #[inline(always)]
    fn text_byte(&mut self, t: u8, end: u8) {
        match end {
            0 => self.text_node_byte(t),
            _ => self.byte(t + end),
        }
    }

    /// A fixed-size text record (`GetTextNodeBuffer(size)`): type byte (plus `end`, 1 for its
    /// `…WithEndElement` form, which nothing is folded into later) and payload.
    #[inline(always)]
    fn text_record<const N: usize>(&mut self, t: u8, payload: [u8; N], end: u8) {
        self.request(1 + N);
        if end == 0 {
            self.text_node = Some(self.out.len());
        }
        // One 17-byte block cut back to size.
        const { assert!(N <= 16, "text record payloads are at most 16 bytes") };
        let mut block = [0; 17];
        block[0] = t + end;
        if let Some(room) = block[1..].first_chunk_mut::<N>() {
            *room = payload;
        }
        self.out.block(&block, 1 + N);
        self.buffered += 1 + N;
    }

    /// Type byte (8/16/32-bit variant chosen by `len`) and length of a length-prefixed text record.
    fn text_node_with_length(&mut self, base: u8, len: usize) {
        self.request(5);
        self.text_node = Some(self.out.len());
        let mut head = [0; 5];
        let size = if len < 0x100 {
            head[..2].copy_from_slice(&[base, len as u8]);
            2
        } else if len < 0x1_0000 {
            head[0] = base + 2;
            head[1..3].copy_from_slice(&(len as u16).to_le_bytes());
            3
        } else {
            head[0] = base + 4;
            head[1..].copy_from_slice(&(len as i32).to_le_bytes());
            5
        };
        self.out.block(&head, size);
        self.buffered += size;
    }

    /// An MB31 number (a dictionary key, a count).
    #[inline]
    fn mb31(&mut self, v: u32) {
        self.request(5);
        if v < 0x80 {
            self.out.push(v as u8);
            self.buffered += 1;
        } else {
            self.long_mb31(v);
        }
    }

    /// [`BinaryNode::mb31`] of two bytes or more.
    #[inline(never)]
    fn long_mb31(&mut self, v: u32) {
        let (block, len) = mb31(v);
        self.out.block(&block, len);
        self.buffered += len;
    }

    /// A String (prefix, local name, namespace, comment): MB31 length + UTF-8.
    #[inline(always)]
    fn name(&mut self, s: &str) {
        // A short name whose request (1 + 3 × its UTF-16 length, at most its UTF-8 length)
        // fits the buffer even counted by bytes: no need to count its UTF-16 units.
        if !s.is_empty() && s.len() < 42 && self.buffered + 1 + 3 * s.len() <= BUFFER_SIZE {
            self.out.push(s.len() as u8);
            self.out.short(s.as_bytes());
            self.buffered += 1 + s.len();
        } else {
            self.any_name(s);
        }
    }

    /// [`BinaryNode::name`] for any length and buffer state.
    #[inline(never)]
    fn any_name(&mut self, s: &str) {
        if s.is_empty() {
            self.byte(0);
            return;
        }
        let units = utf16_len(s);
        if units < 42 {
            self.request(1 + 3 * units);
            self.out.push(s.len() as u8);
            self.out.short(s.as_bytes());
            self.buffered += 1 + s.len();
        } else {
            self.mb31(s.len() as u32);
            self.utf8_chunks(s, units);
        }
    }

    /// .NET `UnsafeWriteUTF8Chars`: 170-unit chunks (169 when a surrogate pair would split).
    fn utf8_chunks(&mut self, s: &str, units: usize) {
        if units <= UTF8_CHUNK {
            self.request(units * 3);
            self.buffered += s.len();
            self.out.extend(s.as_bytes());
            return;
        }
        let mut rest_units = units;
        let mut chunk_units = 0;
        let mut chunk_bytes = 0;
        for c in s.chars() {
            let u = c.len_utf16();
            if rest_units > UTF8_CHUNK && chunk_units + u > UTF8_CHUNK {
                self.request(chunk_units * 3);
                self.buffered += chunk_bytes;
                rest_units -= chunk_units;
                chunk_units = 0;
                chunk_bytes = 0;
            }
            chunk_units += u;
            chunk_bytes += c.len_utf8();
        }
        if chunk_units > 0 {
            self.request(chunk_units * 3);
            self.buffered += chunk_bytes;
        }
        self.out.extend(s.as_bytes());
    }

    /// .NET `UnsafeWriteUnicodeChars`: 256-unit chunks (255 when a surrogate pair would split).
    fn utf16_chunks(&mut self, s: &str, units: usize) {
        let mut rest_units = units;
        let mut chunk_units = 0;
        for c in s.chars() {
            let u = c.len_utf16();
            if rest_units > UTF16_CHUNK && chunk_units + u > UTF16_CHUNK {
                self.request(chunk_units * 2);
                self.buffered += chunk_units * 2;
                rest_units -= chunk_units;
                chunk_units = 0;
            }
            chunk_units += u;
        }
        if chunk_units > 0 {
            self.request(chunk_units * 2);
            self.buffered += chunk_units * 2;
        }
        for unit in s.encode_utf16() {
            self.out.block(&unit.to_le_bytes(), 2);
        }
    }

    /// [`Node::text`] for any string.
    #[inline(never)]
    fn any_text(&mut self, s: &str) {
        match s {
            "" => return self.text_node_byte(r::EMPTY_TEXT),
            "0" => return self.text_node_byte(r::ZERO_TEXT),
            "1" => return self.text_node_byte(r::ONE_TEXT),
            _ => {}
        }
        let units = utf16_len(s);
        let utf16 = s.len() / 2 > units;
        if units <= 85 {
            self.request(2 + 3 * units);
            self.text_node = Some(self.out.len());
            if utf16 {
                self.out
                    .block(&[r::UNICODE_CHARS8_TEXT, (2 * units) as u8], 2);
                for unit in s.encode_utf16() {
                    self.out.block(&unit.to_le_bytes(), 2);
                }
                self.buffered += 2 + 2 * units;
            } else {
                self.out.block(&[r::CHARS8_TEXT, s.len() as u8], 2);
                self.out.short(s.as_bytes());
                self.buffered += 2 + s.len();
            }
        } else if utf16 {
            self.text_node_with_length(r::UNICODE_CHARS8_TEXT, 2 * units);
            self.utf16_chunks(s, units);
        } else {
            self.text_node_with_length(r::CHARS8_TEXT, s.len());
            self.utf8_chunks(s, units);
        }
    }

    // --- typed text records, `end` 1 for the `…WithEndElement` form -------------------------

    /// A short ASCII string (see [`is_short_ascii`]) as one Chars8Text record: as many UTF-16
    /// units as bytes, copied straight into the output stage.
    #[inline(always)]
    fn chars8_record(&mut self, s: &str, end: u8) {
        let n = s.len();
        self.request(2 + 3 * n);
        if end == 0 {
            self.text_node = Some(self.out.len());
        }
        self.out
            .headed([r::CHARS8_TEXT + end, n as u8], s.as_bytes());
        self.buffered += 2 + n;
    }

    #[inline(always)]
    fn bool_record(&mut self, v: bool, end: u8) {
        self.text_byte(if v { r::TRUE_TEXT } else { r::FALSE_TEXT }, end);
    }

    #[inline(always)]
    fn int32_record(&mut self, v: i32, end: u8) {
        match v {
            0 => self.text_byte(r::ZERO_TEXT, end),
            1 => self.text_byte(r::ONE_TEXT, end),
            -128..=127 => self.text_record(r::INT8_TEXT, (v as i8).to_le_bytes(), end),
            -32768..=32767 => self.text_record(r::INT16_TEXT, (v as i16).to_le_bytes(), end),
            _ => self.text_record(r::INT32_TEXT, v.to_le_bytes(), end),
        }
    }

    #[inline(always)]
    fn int64_record(&mut self, v: i64, end: u8) {
        match i32::try_from(v) {
            Ok(v) => self.int32_record(v, end),
            Err(_) => self.text_record(r::INT64_TEXT, v.to_le_bytes(), end),
        }
    }

    #[inline(always)]
    fn uint64_record(&mut self, v: u64, end: u8) {
        match i64::try_from(v) {
            Ok(v) => self.int64_record(v, end),
            Err(_) => self.text_record(r::UINT64_TEXT, v.to_le_bytes(), end),
        }
    }

    /// .NET Framework: an integral float within the long range is written as an integer.
    #[inline(always)]
    fn float_record(&mut self, v: f32, end: u8) {
        const TWO_POW_63: f32 = 9_223_372_036_854_775_808.0;
        if (-TWO_POW_63..TWO_POW_63).contains(&v) && (v as i64) as f32 == v {
            self.int64_record(v as i64, end);
        } else {
            self.text_record(r::FLOAT_TEXT, v.to_le_bytes(), end);
        }
    }

    /// .NET Framework: a double exactly representable as a finite float follows the float rules.
    #[inline(always)]
    fn double_record(&mut self, v: f64, end: u8) {
        let f = v as f32;
        if (f64::from(f32::MIN)..=f64::from(f32::MAX)).contains(&v) && f64::from(f) == v {
            self.float_record(f, end);
        } else {
            self.text_record(r::DOUBLE_TEXT, v.to_le_bytes(), end);
        }
    }

    // --- dictionary keys ---------------------------------------------------------------------

    /// The wire key `s` is written with, adding it to the session if it belongs there.
    fn key(&mut self, s: XmlString<'_>) -> Option<u32> {
        match s.static_key() {
            Some(k) if self.dictionary.is_some() => Some(k),
            _ if !s.is_dictionary() => None,
            _ => self.session.as_deref_mut()?.key_for(s.as_str()),
        }
    }

    /// An Array record's type byte, count and items (.NET Framework's `WriteArray` buffer use).
    pub(crate) fn array_items(
        &mut self,
        item_record: u8,
        count: usize,
        data: &[u8],
        per_item: Option<usize>,
    ) {
        self.node(item_record);
        self.mb31(count as u32);
        match per_item {
            Some(size) => {
                for item in data.chunks_exact(size) {
                    self.request(size);
                    self.out.extend(item);
                    self.buffered += size;
                }
            }
            None => {
                self.flush_buffer();
                self.out.extend(data);
            }
        }
    }
}

impl Node for BinaryNode<'_> {
    /// The element record, then the value record with the end folded in: between a leaf's
    /// value and its end nothing can flush .NET's buffer, so its writer always folds them, and
    /// the record is written ended rather than marked and incremented afterwards. Values that
    /// take more than one record, or may (long or non-ASCII text, bytes, lists, QNames), go
    /// the general way.
    #[inline(always)]
    fn leaf(
        &mut self,
        prefix: &str,
        local: XmlString<'_>,
        value: &Value<'_>,
    ) -> Result<(), EncodeError> {
        const END: u8 = 1;
        self.start_element(prefix, local);
        match *value {
            Value::Bool(v) => self.bool_record(v, END),
            Value::Int32(v) => self.int32_record(v, END),
            Value::Int64(v) => self.int64_record(v, END),
            Value::UInt64(v) => self.uint64_record(v, END),
            Value::Float(v) => self.float_record(v, END),
            Value::Double(v) => self.double_record(v, END),
            Value::Decimal(v) => self.text_record(r::DECIMAL_TEXT, v.to_bytes(), END),
            Value::DateTime(v) => {
                self.text_record(r::DATE_TIME_TEXT, v.to_wire().to_le_bytes(), END)
            }
            Value::TimeSpan(v) => self.text_record(r::TIME_SPAN_TEXT, v.0.to_le_bytes(), END),
            Value::Guid(v) => self.text_record(r::UUID_TEXT, v.0, END),
            Value::UniqueId(v) => self.text_record(r::UNIQUE_ID_TEXT, v.0, END),
            Value::Str(s) if is_short_ascii(s) => self.chars8_record(s, END),
            _ => {
                write_value(self, value, false)?;
                self.end_element();
            }
        }
        Ok(())
    }

    /// An element record; `prefix` is already resolved.
    #[inline]
    fn start_element(&mut self, prefix: &str, local: XmlString<'_>) {
        self.named_record(&ELEMENT_FORMS, prefix, local);
    }

    /// An attribute record (its value follows); `prefix` is already resolved.
    #[inline]
    fn start_attribute(&mut self, prefix: &str, local: XmlString<'_>) {
        self.named_record(&ATTRIBUTE_FORMS, prefix, local);
    }

    /// After an attribute's value: attribute values are never folded.
    #[inline]
    fn end_attribute(&mut self) {
        self.text_node = None;
    }

    #[inline]
    fn end_start_tag(&mut self, empty: bool) {
        if empty {
            self.end_element();
        }
    }

    fn start_list(&mut self) {
        self.node(r::START_LIST_TEXT);
    }

    fn list_separator(&mut self) {}

    fn end_list(&mut self) {
        self.node(r::END_LIST_TEXT);
    }

    fn flush(&mut self) {
        self.flush_buffer();
    }

    /// The document, without the byte reserved for a session's string table.
    fn output(&mut self) -> &mut Vec<u8> {
        let out = self.out.written();
        if std::mem::take(&mut self.table_reserved) {
            out.remove(0);
        }
        out
    }

    /// A namespace declaration record.
    fn xmlns(&mut self, prefix: &str, ns: XmlString<'_>) {
        match (self.key(ns), prefix.is_empty()) {
            (Some(k), true) => self.node_with_key(r::SHORT_DICTIONARY_XMLNS_ATTRIBUTE, k),
            (Some(k), false) => {
                self.node_with_name(r::DICTIONARY_XMLNS_ATTRIBUTE, prefix);
                self.mb31(k);
            }
            (None, true) => self.node_with_name(r::SHORT_XMLNS_ATTRIBUTE, ns.as_str()),
            (None, false) => {
                self.node_with_name(r::XMLNS_ATTRIBUTE, prefix);
                self.name(ns.as_str());
            }
        }
    }

    /// EndElement, folded into the last text record when .NET would fold it.
    #[inline]
    fn end_element(&mut self) {
        match self.text_node.take() {
            Some(i) => self.out.increment(i),
            None => self.node(r::END_ELEMENT),
        }
    }

    fn comment(&mut self, text: &str) {
        self.node(r::COMMENT);
        self.name(text);
    }

    /// Character text, with .NET's choice of record (`0`/`1`, Chars or UnicodeChars, width).
    ///
    /// A short ASCII string is tested where it is and copied straight into the output stage:
    /// staged first in a padded block on the stack, it was read back (to test it, to copy it)
    /// right after the pieces that wrote it, which the store buffer cannot forward.
    #[inline(always)]
    fn text(&mut self, s: &str) {
        if is_short_ascii(s) {
            return self.chars8_record(s, 0);
        }
        self.any_text(s);
    }

    /// DictionaryText when the string has a key, else character text.
    fn dictionary_text(&mut self, s: XmlString<'_>) {
        match self.key(s) {
            Some(k) => {
                self.text_node_byte(r::DICTIONARY_TEXT);
                self.mb31(k);
            }
            None => self.text(s.as_str()),
        }
    }

    /// QNameDictionaryText, or three text records when the name has no key.
    fn qname(&mut self, prefix: u8, name: XmlString<'_>, joined: bool) {
        match self.key(name) {
            Some(k) => {
                self.text_node_byte(r::QNAME_DICTIONARY_TEXT);
                self.byte(prefix - b'a');
                self.mb31(k);
            }
            None if joined => self.text(&format!("{}:{}", prefix as char, name.as_str())),
            None => {
                let p = [prefix];
                self.text(std::str::from_utf8(&p).unwrap_or("a"));
                self.text(":");
                self.dictionary_text(name);
            }
        }
    }

    #[inline(always)]
    fn bool(&mut self, v: bool) {
        self.bool_record(v, 0);
    }

    #[inline(always)]
    fn int32(&mut self, v: i32) {
        self.int32_record(v, 0);
    }

    #[inline]
    fn int64(&mut self, v: i64) {
        self.int64_record(v, 0);
    }

    #[inline]
    fn uint64(&mut self, v: u64) {
        self.uint64_record(v, 0);
    }

    fn float(&mut self, v: f32) {
        self.float_record(v, 0);
    }

    fn double(&mut self, v: f64) {
        self.double_record(v, 0);
    }

    #[inline(always)]
    fn decimal(&mut self, v: Decimal) {
        self.text_record(r::DECIMAL_TEXT, v.to_bytes(), 0);
    }

    #[inline]
    fn date_time(&mut self, v: DateTime) {
        self.text_record(r::DATE_TIME_TEXT, v.to_wire().to_le_bytes(), 0);
    }

    #[inline]
    fn time_span(&mut self, v: TimeSpan) {
        self.text_record(r::TIME_SPAN_TEXT, v.0.to_le_bytes(), 0);
    }

    #[inline]
    fn guid(&mut self, v: Guid) {
        self.text_record(r::UUID_TEXT, v.0, 0);
    }

    #[inline]
    fn unique_id(&mut self, v: Guid) {
        self.text_record(r::UNIQUE_ID_TEXT, v.0, 0);
    }

    /// One Bytes record holding `trail` then `data` (.NET `WriteBase64Text`).
    fn bytes_text(&mut self, trail: &[u8], data: &[u8]) {
        let total = trail.len() + data.len();
        if total == 0 {
            return self.text_node_byte(r::EMPTY_TEXT);
        }
        self.text_node_with_length(r::BYTES8_TEXT, total);
        if !trail.is_empty() {
            self.request(trail.len());
            self.out.extend(trail);
            self.buffered += trail.len();
        }
        self.bytes(data);
    }
}

#[cfg(test)]
mod tests {
    use super::is_ascii;

    /// The word-wise test agrees with std's for every length and position of a high byte.
    #[test]
    fn ascii_by_words_matches_std() {
        for n in 0..40 {
            let mut b = vec![b'a'; n];
            assert!(is_ascii(&b), "{n}");
            for i in 0..n {
                b[i] = 0xC3;
                assert!(!is_ascii(&b), "{n} {i}");
                b[i] = b'a';
            }
        }
    }
}
