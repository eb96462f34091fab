//! .NET Binary XML for Rust: [MC-NBFX] records, the [MC-NBFS] static dictionary and [MC-NBFSE]
//! session string tables, byte-compatible with .NET's `XmlBinaryReader` and `XmlBinaryWriter`.
//!
//! - [`Reader`] pulls [`Event`]s from a document, borrowing names and text from the input.
//! - [`Writer`] takes typed calls and writes the bytes .NET's writer would write for them.
//! - [`ReaderSession`] / [`WriterSession`] hold a connection's session strings and read or write
//!   the string table that prefixes each `application/soap+msbinsession1` message.
//! - [`Nbfs`] is the static dictionary; [`TableDictionary`] a dictionary of your own.
//! - [`xml`] converts between binary XML and XML text.
//!
//! This crate is synchronous and does no I/O.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cursor;
mod dictionary;
mod error;
pub mod format;
mod name_table;
pub mod parse;
mod reader;
mod record;
mod session;
mod string;
mod value;
mod writer;
pub mod xml;

pub use dictionary::{Dictionary, Nbfs, TableDictionary, TableError};
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use name_table::{NameTableQuota, Taken};
pub use reader::{
    Array, Attribute, Element, Event, NodeType, Quotas, Reader, XMLNS_NAMESPACE, XML_NAMESPACE,
};
pub use record::ArrayType;
pub use session::{ReaderSession, WriterSession, DEFAULT_SESSION_QUOTA};
pub use string::{StringSource, XmlString};
pub use value::{
    DateTime, DateTimeKind, Decimal, Guid, ListItems, QName, TimeSpan, Utf16, Value, ValueList,
};
pub use writer::{ArrayItems, Writer};
