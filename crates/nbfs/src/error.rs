//! Errors of the binary XML reader, writer and session framing.

use thiserror::Error;

/// Malformed or disallowed binary XML, with the byte offset at which it was found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid binary XML at byte {offset}: {kind}")]
pub struct DecodeError {
    /// Offset of the offending byte, from the start of the input given to the reader.
    pub offset: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    pub(crate) fn new(offset: usize, kind: DecodeErrorKind) -> Self {
        Self { offset, kind }
    }
}

/// What was wrong with binary XML input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended inside a record.
    #[error("unexpected end of input")]
    UnexpectedEof,
    /// A record type byte that [MC-NBFX] does not define.
    #[error("unknown record type 0x{0:02X}")]
    UnknownRecord(u8),
    /// A defined record in a place where it is not allowed.
    #[error("record 0x{record:02X} is not allowed {context}")]
    MisplacedRecord {
        /// The record type byte.
        record: u8,
        /// Where it was found.
        context: &'static str,
    },
    /// A MultiByteInt31 with a sixth byte or a value above 2^31 − 1.
    #[error("MultiByteInt31 longer than 5 bytes or above 2^31-1")]
    InvalidMultiByteInt31,
    /// A length field that points past the end of the input.
    #[error("length {0} runs past the end of the input")]
    LengthPastEnd(u64),
    /// A 32-bit length field with a negative value.
    #[error("negative length {0}")]
    NegativeLength(i32),
    /// A string that is not valid UTF-8.
    #[error("invalid UTF-8 in a string")]
    InvalidUtf8,
    /// A UTF-16 text record with unpaired surrogates.
    #[error("invalid UTF-16 in a string")]
    InvalidUtf16,
    /// A UTF-16 text record with an odd byte length.
    #[error("odd UTF-16 byte length {0}")]
    OddUtf16Length(usize),
    /// An even dictionary key with no entry in the static dictionary in use.
    #[error("dictionary key {0} is not in the static dictionary")]
    UndefinedStaticKey(u32),
    /// An odd dictionary key with no entry in the session string table.
    #[error("dictionary key {0} is not in the session string table")]
    UndefinedSessionKey(u32),
    /// An element or attribute prefix with no namespace declaration in scope.
    #[error("prefix '{0}' is not declared")]
    UndeclaredPrefix(String),
    /// The same attribute twice on one element.
    #[error("duplicate attribute '{0}'")]
    DuplicateAttribute(String),
    /// An empty element name or prefix, or `xmlns` used as a name or prefix.
    #[error("invalid name: {0}")]
    InvalidName(&'static str),
    /// An EndElement (or a WithEndElement text record) with no element open.
    #[error("end of element with no element open")]
    UnbalancedEndElement,
    /// The input ended with elements still open.
    #[error("input ended with {0} element(s) open")]
    UnclosedElements(usize),
    /// Text other than white space outside the root element.
    #[error("text outside the root element")]
    TextOutsideRoot,
    /// An Array record with a count of zero.
    #[error("array with no items")]
    EmptyArray,
    /// An Array record whose item type is not one of the ten array types.
    #[error("invalid array item type 0x{0:02X}")]
    InvalidArrayType(u8),
    /// A QNameDictionaryText prefix index above 25.
    #[error("QName prefix index {0} is not a letter a-z")]
    InvalidQNamePrefix(u8),
    /// DateTime ticks beyond 9999-12-31T23:59:59.9999999.
    #[error("DateTime ticks {0} out of range")]
    DateTimeOutOfRange(u64),
    /// Nesting deeper than the configured maximum.
    #[error("element depth exceeds the limit of {0}")]
    DepthExceeded(usize),
    /// A text value longer than the configured maximum.
    #[error("text of {len} bytes exceeds the limit of {max}")]
    StringTooLong {
        /// Length found.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An array with more items than the configured maximum.
    #[error("array of {len} items exceeds the limit of {max}")]
    ArrayTooLong {
        /// Length found.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// One element's attributes take more bytes than the configured maximum.
    #[error("the attributes of an element exceed the limit of {0} bytes per read")]
    BytesPerReadExceeded(usize),
    /// The distinct names read inline hold more characters than the configured maximum.
    #[error("the names read exceed the name table limit of {0} characters")]
    NameTableCharCountExceeded(usize),
    /// An [MC-NBFSE] string table that is malformed.
    #[error("malformed session string table: {0}")]
    MalformedStringTable(&'static str),
    /// Session strings beyond the reader session's quota.
    #[error("session string table grows to {size} bytes, over the quota of {quota}")]
    SessionQuotaExceeded {
        /// Total bytes the table would hold.
        size: usize,
        /// The quota.
        quota: usize,
    },
    /// The reader session failed on an earlier message and cannot be used again.
    #[error("the session is unusable after an earlier error")]
    SessionFailed,
}

/// A writer call that cannot be turned into valid binary XML.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The call is not valid in the writer's current state.
    #[error("invalid writer call: {0}")]
    InvalidState(&'static str),
    /// An empty element name, an empty or `xmlns` prefix where not allowed.
    #[error("invalid name: {0}")]
    InvalidName(&'static str),
    /// A prefix used without a namespace in scope.
    #[error("prefix '{0}' is not declared")]
    UndeclaredPrefix(String),
    /// A string or byte block longer than binary XML can carry.
    #[error("value too long for binary XML")]
    TooLong,
    /// A DateTime outside 0001-01-01 … 9999-12-31.
    #[error("DateTime out of range")]
    DateTimeOutOfRange,
}
