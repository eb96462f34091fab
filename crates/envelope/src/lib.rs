//! SOAP 1.2 messages for soapws: the message model with WS-Addressing 1.0 headers, faults, and
//! the three message encoders WCF uses over WebSocket — text (`application/soap+xml`), binary
//! (`application/soap+msbin1`) and binary session (`application/soap+msbinsession1`).
//!
//! XML is read through one API ([`xml::XmlRead`]) over both encodings and written through
//! [`soapws_nbfs::Writer`], which writes either; the envelope and generated code are written once
//! against them.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod encoder;
mod fault;
mod headers;
mod message;
pub mod names;
pub mod ser;
pub mod xml;

pub use encoder::{Encoding, MessageEncoder, MessageError};
pub use fault::{Fault, FaultCode, FaultReason, QualifiedName};
pub use headers::{EndpointAddress, Header, Headers, MessageId, RelatesTo};
pub use message::{Body, BodyReader, Message, ReceivedBody, WriteBody};
