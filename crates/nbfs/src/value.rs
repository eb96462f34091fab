//! Typed leaf values (the text records of [MC-NBFX] §2.2.3) and the scalar types they carry.

use std::fmt;

use crate::format;
use crate::reader::ListRecords;
use crate::string::XmlString;

/// A text value: what a text record holds when read, and what the writer is asked to write.
///
/// Reading maps ZeroText, OneText and Int8/16/32Text to [`Value::Int32`], TrueText, FalseText and
/// BoolText to [`Value::Bool`], EmptyText to an empty [`Value::Str`]. Writing picks the record the
/// .NET `XmlBinaryWriter` picks for the value (see [`crate::Writer`]).
///
/// A value borrows what it holds (a list its items too), so it is `Copy`: building one to write
/// costs no allocation and dropping it nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Character text (Chars8/16/32Text, EmptyText).
    Str(&'a str),
    /// UTF-16 character text (UnicodeChars8/16/32Text) as it is on the wire; always valid UTF-16.
    Utf16(Utf16<'a>),
    /// DictionaryText: a string referred to by dictionary key.
    Dictionary(XmlString<'a>),
    /// A boolean.
    Bool(bool),
    /// A 32-bit integer.
    Int32(i32),
    /// A 64-bit integer.
    Int64(i64),
    /// An unsigned 64-bit integer (UInt64Text).
    UInt64(u64),
    /// IEEE single precision.
    Float(f32),
    /// IEEE double precision.
    Double(f64),
    /// System.Decimal.
    Decimal(Decimal),
    /// System.DateTime.
    DateTime(DateTime),
    /// System.TimeSpan.
    TimeSpan(TimeSpan),
    /// A GUID (UuidText / .NET GuidText).
    Guid(Guid),
    /// A GUID-based UniqueId, shown as `urn:uuid:…` (UniqueIdText).
    UniqueId(Guid),
    /// Binary data, shown as base64 (Bytes8/16/32Text).
    Bytes(&'a [u8]),
    /// A qualified name from the dictionary (QNameDictionaryText).
    QName(QName<'a>),
    /// A list of values shown separated by single spaces (StartListText … EndListText).
    List(ValueList<'a>),
}

impl Value<'_> {
    /// True for character text made only of XML white space (and for empty text).
    pub fn is_whitespace(&self) -> bool {
        match self {
            Value::Str(s) => s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')),
            Value::Utf16(u) => u.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')),
            _ => false,
        }
    }

    /// Appends the value's text as .NET's reader presents it.
    pub fn write_text(&self, out: &mut String) {
        use fmt::Write;
        match self {
            Value::Str(s) => out.push_str(s),
            Value::Utf16(u) => out.extend(u.chars()),
            Value::Dictionary(s) => out.push_str(s.as_str()),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int32(v) => {
                let _ = write!(out, "{v}");
            }
            Value::Int64(v) => {
                let _ = write!(out, "{v}");
            }
            Value::UInt64(v) => {
                let _ = write!(out, "{v}");
            }
            Value::Float(v) => format::float(*v, out),
            Value::Double(v) => format::double(*v, out),
            Value::Decimal(d) => {
                let _ = write!(out, "{d}");
            }
            Value::DateTime(d) => {
                let _ = write!(out, "{d}");
            }
            Value::TimeSpan(t) => {
                let _ = write!(out, "{t}");
            }
            Value::Guid(g) => {
                let _ = write!(out, "{g}");
            }
            Value::UniqueId(g) => {
                let _ = write!(out, "urn:uuid:{g}");
            }
            Value::Bytes(b) => format::base64(b, out),
            Value::QName(q) => {
                out.push(q.prefix as char);
                out.push(':');
                out.push_str(q.name.as_str());
            }
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    item.write_text(out);
                }
            }
        }
    }

    /// The value's text as .NET's reader presents it.
    pub fn to_text(&self) -> String {
        // Strings are copied in one allocation of the right size (writing them into an empty
        // `String` would grow it through the general reserve path).
        match self {
            Value::Str(s) => (*s).to_owned(),
            Value::Dictionary(s) => s.as_str().to_owned(),
            _ => {
                let mut s = String::new();
                self.write_text(&mut s);
                s
            }
        }
    }
}

/// The items of a [`Value::List`]: a slice of values, items produced one at a time by a
/// [`ListItems`], or the records a [`crate::Reader`] read (decoded again as they are iterated).
/// A list is not an item of a list.
#[derive(Clone, Copy)]
pub struct ValueList<'a>(Items<'a>);

#[derive(Clone, Copy)]
enum Items<'a> {
    Values(&'a [Value<'a>]),
    Produced(&'a dyn ListItems),
    Read(ListRecords<'a>),
}

/// Items of a list to write, produced on demand (e.g. from typed values, with no slice of
/// [`Value`]s built first). `Sync`, as a [`Value`] holding them is.
pub trait ListItems: Sync {
    /// Number of items.
    fn len(&self) -> usize;

    /// True when there is no item.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Item `i`, for `i < self.len()`.
    fn item(&self, i: usize) -> Value<'_>;
}

impl<'a> ValueList<'a> {
    /// A list of these values.
    pub const fn new(items: &'a [Value<'a>]) -> Self {
        Self(Items::Values(items))
    }

    /// A list of the items `items` produces.
    pub const fn produced(items: &'a dyn ListItems) -> Self {
        Self(Items::Produced(items))
    }

    /// A list of the text records a reader read and checked.
    pub(crate) const fn read(records: ListRecords<'a>) -> Self {
        Self(Items::Read(records))
    }

    /// The items, in order.
    pub fn iter(&self) -> impl Iterator<Item = Value<'a>> + 'a {
        match self.0 {
            Items::Values(v) => ItemsIter::Values(v.iter()),
            Items::Produced(p) => ItemsIter::Produced(p, 0..p.len()),
            Items::Read(r) => ItemsIter::Read(r.items()),
        }
    }
}

/// [`ValueList::iter`], by where the items are.
enum ItemsIter<'a, R> {
    Values(std::slice::Iter<'a, Value<'a>>),
    Produced(&'a dyn ListItems, std::ops::Range<usize>),
    Read(R),
}

impl<'a, R: Iterator<Item = Value<'a>>> Iterator for ItemsIter<'a, R> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        match self {
            Self::Values(v) => v.next().copied(),
            Self::Produced(p, range) => range.next().map(|i| p.item(i)),
            Self::Read(r) => r.next(),
        }
    }
}

impl fmt::Debug for ValueList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Lists are equal when their items are, however each is held.
impl PartialEq for ValueList<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

/// A QName whose local name is a dictionary string and whose prefix is a single letter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QName<'a> {
    /// The prefix, `b'a'..=b'z'`.
    pub prefix: u8,
    /// The local name.
    pub name: XmlString<'a>,
}

/// UTF-16LE text as found in a UnicodeChars record. Validated when read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Utf16<'a> {
    bytes: &'a [u8],
}

impl<'a> Utf16<'a> {
    /// Wraps little-endian UTF-16 bytes, checking the length is even and the surrogates pair up.
    pub fn new(bytes: &'a [u8]) -> Option<Self> {
        if bytes.len() % 2 != 0 {
            return None;
        }
        let u = Self { bytes };
        char::decode_utf16(u.units())
            .all(|r| r.is_ok())
            .then_some(u)
    }

    fn units(&self) -> impl Iterator<Item = u16> + 'a {
        self.bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
    }

    /// The characters.
    pub fn chars(&self) -> impl Iterator<Item = char> + 'a {
        char::decode_utf16(self.units()).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    /// The raw little-endian bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

impl fmt::Debug for Utf16<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.chars().collect::<String>())
    }
}

/// System.Decimal: a 96-bit magnitude, a power-of-ten scale and a sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Decimal {
    /// The 96-bit magnitude (upper 32 bits of the u128 are always zero).
    pub mantissa: u128,
    /// Digits after the decimal point (0–28 for values .NET creates).
    pub scale: u8,
    /// Sign.
    pub negative: bool,
}

impl Decimal {
    /// Parses the 16-byte memory image carried by DecimalText.
    pub fn from_bytes(b: [u8; 16]) -> Self {
        // Two words, not sixteen bytes: flags, scale and the high mantissa share the first.
        let head = u64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
        let lo = u64::from_le_bytes(b[8..].try_into().expect("8 bytes"));
        Self {
            mantissa: (u128::from(head >> 32) << 64) | u128::from(lo),
            scale: (head >> 16) as u8,
            negative: head & (1 << 31) != 0,
        }
    }

    /// The 16-byte memory image.
    pub fn to_bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[2] = self.scale;
        b[3] = if self.negative { 0x80 } else { 0 };
        b[4..8].copy_from_slice(&((self.mantissa >> 64) as u32).to_le_bytes());
        b[8..16].copy_from_slice(&(self.mantissa as u64).to_le_bytes());
        b
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(format::decimal(self.mantissa, self.scale, self.negative).as_str())
    }
}

/// The kind of a System.DateTime (bits 62–63 of DateTimeText).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DateTimeKind {
    /// No time zone.
    #[default]
    Unspecified,
    /// UTC.
    Utc,
    /// Local time; the ticks on the wire and here are UTC ticks.
    Local,
}

impl DateTimeKind {
    /// What the text form ends with: `Z` (UTC), `+00:00` (local, shown in UTC) or nothing.
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Self::Unspecified => "",
            Self::Utc => "Z",
            Self::Local => "+00:00",
        }
    }
}

/// System.DateTime: 100 ns ticks since 0001-01-01T00:00:00 and a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DateTime {
    /// Ticks; for [`DateTimeKind::Local`] these are UTC ticks, as on the wire.
    pub ticks: u64,
    /// The kind.
    pub kind: DateTimeKind,
}

impl DateTime {
    /// Ticks of 9999-12-31T23:59:59.9999999, the largest DateTime.
    pub const MAX_TICKS: u64 = 3_155_378_975_999_999_999;

    /// Decodes the DateTimeText payload; `None` if the ticks are out of range.
    pub fn from_wire(v: u64) -> Option<Self> {
        let ticks = v & 0x3FFF_FFFF_FFFF_FFFF;
        let kind = match v >> 62 {
            0 => DateTimeKind::Unspecified,
            1 => DateTimeKind::Utc,
            _ => DateTimeKind::Local,
        };
        (ticks <= Self::MAX_TICKS).then_some(Self { ticks, kind })
    }

    /// The DateTimeText payload.
    pub fn to_wire(self) -> u64 {
        let flag = match self.kind {
            DateTimeKind::Unspecified => 0,
            DateTimeKind::Utc => 1u64 << 62,
            DateTimeKind::Local => 2u64 << 62,
        };
        self.ticks | flag
    }
}

impl fmt::Display for DateTime {
    /// `yyyy-MM-ddTHH:mm:ss[.fffffff]` then `Z` (UTC), `+00:00` (local, shown in UTC) or nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format::date_time(self.ticks, f)?;
        f.write_str(self.kind.suffix())
    }
}

/// System.TimeSpan in 100 ns ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TimeSpan(pub i64);

impl fmt::Display for TimeSpan {
    /// An xsd:duration, as `XmlConvert.ToString(TimeSpan)` writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format::duration(self.0, f)
    }
}

/// A GUID in .NET `Guid.ToByteArray()` byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (either case).
    pub fn parse(s: &str) -> Option<Self> {
        /// Where each byte's two hex digits start in the text.
        const DIGITS_AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
        fn hex(c: u8) -> Option<u8> {
            match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                b'A'..=b'F' => Some(c - b'A' + 10),
                _ => None,
            }
        }
        let s = s.as_bytes();
        if s.len() != 36 || s[8] != b'-' || s[13] != b'-' || s[18] != b'-' || s[23] != b'-' {
            return None;
        }
        let mut canon = [0u8; 16];
        for (byte, &at) in canon.iter_mut().zip(&DIGITS_AT) {
            *byte = hex(s[at])? << 4 | hex(s[at + 1])?;
        }
        Some(Self(Self::swap_fields(canon)))
    }

    /// The bytes in the order the text shows them (the first three fields little-endian).
    pub(crate) fn display_order(&self) -> [u8; 16] {
        Self::swap_fields(self.0)
    }

    /// Reverses the byte order of the first three fields (an involution).
    fn swap_fields(mut b: [u8; 16]) -> [u8; 16] {
        b[0..4].reverse();
        b[4..6].reverse();
        b[6..8].reverse();
        b
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(format::guid(self.display_order()).as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list read back (a view of its records, a session string among them) equals the list
    /// written, held as a slice or produced item by item.
    #[test]
    fn lists_are_equal_however_held() {
        struct Squares;
        impl ListItems for Squares {
            fn len(&self) -> usize {
                3
            }
            fn item(&self, i: usize) -> Value<'_> {
                Value::Int32((i * i) as i32)
            }
        }
        let items = [
            Value::Int32(0),
            Value::Int32(1),
            Value::Dictionary(XmlString::dynamic("four")),
        ];
        let mut session = crate::WriterSession::new();
        let mut w = crate::Writer::new().session(&mut session);
        w.start_element(None, XmlString::inline("a"), None).unwrap();
        w.value(&Value::List(ValueList::new(&items))).unwrap();
        let doc = w.finish().unwrap();
        let mut table = Vec::new();
        session.write_table(&mut table);
        let mut reader_session = crate::ReaderSession::new();
        reader_session.read_table(&table).unwrap();
        let mut r = crate::Reader::new(&doc).with_session(&reader_session);
        let read = loop {
            match r.next_event().unwrap() {
                Some(crate::Event::Text(v)) => break v,
                Some(_) => {}
                None => panic!("no text"),
            }
        };
        assert_eq!(read, Value::List(ValueList::new(&items)));
        assert_eq!(read.to_text(), "0 1 four");
        let squares = [Value::Int32(0), Value::Int32(1), Value::Int32(4)];
        assert_eq!(
            Value::List(ValueList::produced(&Squares)),
            Value::List(ValueList::new(&squares))
        );
        assert_ne!(read, Value::List(ValueList::new(&squares)));
    }

    #[test]
    fn guid_byte_order() {
        let g = Guid(core::array::from_fn(|i| i as u8 + 1));
        assert_eq!(g.to_string(), "04030201-0605-0807-090a-0b0c0d0e0f10");
        assert_eq!(Guid::parse(&g.to_string()), Some(g));
        assert_eq!(
            Guid::parse("04030201-0605-0807-090A-0B0C0D0E0F10"),
            Some(g),
            "either case"
        );
        for bad in [
            "04030201-0605-0807-090a-0b0c0d0e0f1",
            "04030201-0605-0807-090a-0b0c0d0e0f100",
            "04030201x0605-0807-090a-0b0c0d0e0f10",
            "04030201-0605-0807-090a-0b0c0d0e0f1g",
            "+4030201-0605-0807-090a-0b0c0d0e0f10",
            "04030201-0605-0807-090a-0b0c0d0e0é1",
        ] {
            assert_eq!(Guid::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn decimal_text() {
        let d = Decimal::from_bytes([0, 0, 2, 0, 0, 0, 0, 0, 0xD2, 0x04, 0, 0, 0, 0, 0, 0]);
        assert_eq!(d.to_string(), "12.34");
        assert_eq!(
            Decimal {
                mantissa: 150,
                scale: 2,
                negative: false
            }
            .to_string(),
            "1.50"
        );
        assert_eq!(
            Decimal {
                mantissa: 5,
                scale: 3,
                negative: true
            }
            .to_string(),
            "-0.005"
        );
        assert_eq!(Decimal::from_bytes(d.to_bytes()), d);
    }

    #[test]
    fn date_time_text() {
        let dt = DateTime::from_wire(u64::from_le_bytes([
            0x00, 0x40, 0xE4, 0x47, 0x02, 0x22, 0xC1, 0x48,
        ]))
        .unwrap();
        assert_eq!(dt.to_string(), "2000-01-01T00:00:00Z");
        let dt = DateTime {
            ticks: 630_822_816_001_234_500,
            kind: DateTimeKind::Unspecified,
        };
        assert_eq!(dt.to_string(), "2000-01-01T00:00:00.12345");
        assert!(DateTime::from_wire(DateTime::MAX_TICKS + 1).is_none());
    }

    #[test]
    fn time_span_text() {
        let min = 600_000_000i64;
        assert_eq!(TimeSpan(90 * min).to_string(), "PT1H30M");
        assert_eq!(TimeSpan(-15_000_000).to_string(), "-PT1.5S");
        assert_eq!(TimeSpan(2 * 24 * 60 * min).to_string(), "P2D");
        assert_eq!(TimeSpan(0).to_string(), "PT0S");
        assert_eq!(TimeSpan(1).to_string(), "PT0.0000001S");
        assert!(TimeSpan(i64::MIN).to_string().starts_with("-P10675199D"));
    }
}
