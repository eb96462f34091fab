//! Record type bytes of [MC-NBFX] §2 and the groups they fall into.

pub(crate) const END_ELEMENT: u8 = 0x01;
pub(crate) const COMMENT: u8 = 0x02;
pub(crate) const ARRAY: u8 = 0x03;

pub(crate) const SHORT_ATTRIBUTE: u8 = 0x04;
pub(crate) const ATTRIBUTE: u8 = 0x05;
pub(crate) const SHORT_DICTIONARY_ATTRIBUTE: u8 = 0x06;
pub(crate) const DICTIONARY_ATTRIBUTE: u8 = 0x07;
pub(crate) const SHORT_XMLNS_ATTRIBUTE: u8 = 0x08;
pub(crate) const XMLNS_ATTRIBUTE: u8 = 0x09;
pub(crate) const SHORT_DICTIONARY_XMLNS_ATTRIBUTE: u8 = 0x0A;
pub(crate) const DICTIONARY_XMLNS_ATTRIBUTE: u8 = 0x0B;
pub(crate) const PREFIX_DICTIONARY_ATTRIBUTE_A: u8 = 0x0C;
pub(crate) const PREFIX_DICTIONARY_ATTRIBUTE_Z: u8 = 0x25;
pub(crate) const PREFIX_ATTRIBUTE_A: u8 = 0x26;
pub(crate) const PREFIX_ATTRIBUTE_Z: u8 = 0x3F;

pub(crate) const SHORT_ELEMENT: u8 = 0x40;
pub(crate) const ELEMENT: u8 = 0x41;
pub(crate) const SHORT_DICTIONARY_ELEMENT: u8 = 0x42;
pub(crate) const DICTIONARY_ELEMENT: u8 = 0x43;
pub(crate) const PREFIX_DICTIONARY_ELEMENT_A: u8 = 0x44;
pub(crate) const PREFIX_DICTIONARY_ELEMENT_Z: u8 = 0x5D;
pub(crate) const PREFIX_ELEMENT_A: u8 = 0x5E;
pub(crate) const PREFIX_ELEMENT_Z: u8 = 0x77;

pub(crate) const ZERO_TEXT: u8 = 0x80;
pub(crate) const ONE_TEXT: u8 = 0x82;
pub(crate) const FALSE_TEXT: u8 = 0x84;
pub(crate) const TRUE_TEXT: u8 = 0x86;
pub(crate) const INT8_TEXT: u8 = 0x88;
pub(crate) const INT16_TEXT: u8 = 0x8A;
pub(crate) const INT32_TEXT: u8 = 0x8C;
pub(crate) const INT64_TEXT: u8 = 0x8E;
pub(crate) const FLOAT_TEXT: u8 = 0x90;
pub(crate) const DOUBLE_TEXT: u8 = 0x92;
pub(crate) const DECIMAL_TEXT: u8 = 0x94;
pub(crate) const DATE_TIME_TEXT: u8 = 0x96;
pub(crate) const CHARS8_TEXT: u8 = 0x98;
pub(crate) const CHARS16_TEXT: u8 = 0x9A;
pub(crate) const CHARS32_TEXT: u8 = 0x9C;
pub(crate) const BYTES8_TEXT: u8 = 0x9E;
pub(crate) const BYTES16_TEXT: u8 = 0xA0;
pub(crate) const BYTES32_TEXT: u8 = 0xA2;
pub(crate) const START_LIST_TEXT: u8 = 0xA4;
pub(crate) const END_LIST_TEXT: u8 = 0xA6;
pub(crate) const EMPTY_TEXT: u8 = 0xA8;
pub(crate) const DICTIONARY_TEXT: u8 = 0xAA;
pub(crate) const UNIQUE_ID_TEXT: u8 = 0xAC;
pub(crate) const TIME_SPAN_TEXT: u8 = 0xAE;
pub(crate) const UUID_TEXT: u8 = 0xB0;
pub(crate) const UINT64_TEXT: u8 = 0xB2;
pub(crate) const BOOL_TEXT: u8 = 0xB4;
pub(crate) const UNICODE_CHARS8_TEXT: u8 = 0xB6;
pub(crate) const UNICODE_CHARS16_TEXT: u8 = 0xB8;
pub(crate) const UNICODE_CHARS32_TEXT: u8 = 0xBA;
pub(crate) const QNAME_DICTIONARY_TEXT: u8 = 0xBC;

/// The first and last text record types (0xBD is QNameDictionaryTextWithEndElement).
pub(crate) const FIRST_TEXT: u8 = 0x80;
pub(crate) const LAST_TEXT: u8 = 0xBD;

/// True for types 0x04–0x3F: attributes and namespace declarations.
pub(crate) fn is_attribute(t: u8) -> bool {
    (SHORT_ATTRIBUTE..=PREFIX_ATTRIBUTE_Z).contains(&t)
}

/// True for types 0x40–0x77.
pub(crate) fn is_element(t: u8) -> bool {
    (SHORT_ELEMENT..=PREFIX_ELEMENT_Z).contains(&t)
}

/// True for defined text record types (odd = WithEndElement); 0xA5 and 0xA7 are reserved.
pub(crate) fn is_text(t: u8) -> bool {
    (FIRST_TEXT..=LAST_TEXT).contains(&t) && t != 0xA5 && t != 0xA7
}

/// The one-letter prefixes of the A–Z record ranges (`index` 0–25).
#[inline]
pub(crate) fn letter(index: u8) -> &'static str {
    const LETTERS: [&str; 26] = [
        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r",
        "s", "t", "u", "v", "w", "x", "y", "z",
    ];
    LETTERS[usize::from(index)]
}

/// The index 0–25 of a prefix that is a single letter `a`–`z`.
pub(crate) fn letter_index(prefix: &str) -> Option<u8> {
    match prefix.as_bytes() {
        [c @ b'a'..=b'z'] => Some(c - b'a'),
        _ => None,
    }
}

/// Item types of the Array record ([MC-NBFX] §2.2.4): the WithEndElement record of each item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArrayType {
    /// BoolTextWithEndElement, 1 byte per item.
    Bool,
    /// Int16TextWithEndElement, 2 bytes.
    Int16,
    /// Int32TextWithEndElement, 4 bytes.
    Int32,
    /// Int64TextWithEndElement, 8 bytes.
    Int64,
    /// FloatTextWithEndElement, 4 bytes.
    Float,
    /// DoubleTextWithEndElement, 8 bytes.
    Double,
    /// DecimalTextWithEndElement, 16 bytes.
    Decimal,
    /// DateTimeTextWithEndElement, 8 bytes.
    DateTime,
    /// TimeSpanTextWithEndElement, 8 bytes.
    TimeSpan,
    /// UuidTextWithEndElement (.NET GuidTextWithEndElement), 16 bytes.
    Guid,
}

impl ArrayType {
    /// All ten array types.
    pub const ALL: [ArrayType; 10] = [
        Self::Bool,
        Self::Int16,
        Self::Int32,
        Self::Int64,
        Self::Float,
        Self::Double,
        Self::Decimal,
        Self::DateTime,
        Self::TimeSpan,
        Self::Guid,
    ];

    /// The record type byte that names this item type in an Array record.
    pub fn record(self) -> u8 {
        match self {
            Self::Bool => BOOL_TEXT + 1,
            Self::Int16 => INT16_TEXT + 1,
            Self::Int32 => INT32_TEXT + 1,
            Self::Int64 => INT64_TEXT + 1,
            Self::Float => FLOAT_TEXT + 1,
            Self::Double => DOUBLE_TEXT + 1,
            Self::Decimal => DECIMAL_TEXT + 1,
            Self::DateTime => DATE_TIME_TEXT + 1,
            Self::TimeSpan => TIME_SPAN_TEXT + 1,
            Self::Guid => UUID_TEXT + 1,
        }
    }

    /// The item type named by an Array record's type byte.
    pub fn from_record(t: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.record() == t)
    }

    /// Bytes per item.
    pub fn item_size(self) -> usize {
        match self {
            Self::Bool => 1,
            Self::Int16 => 2,
            Self::Int32 | Self::Float => 4,
            Self::Int64 | Self::Double | Self::DateTime | Self::TimeSpan => 8,
            Self::Decimal | Self::Guid => 16,
        }
    }
}
