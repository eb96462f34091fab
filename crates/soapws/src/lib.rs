//! soapws: SOAP services over WebSocket, speaking [MS-SWSB] — the wire protocol of .NET WCF's
//! `NetHttpBinding` / `NetHttpsBinding` with WebSockets.
//!
//! This facade is the one crate applications (and generated code) depend on:
//! - [`nbfs`]: .NET Binary XML ([MC-NBFX], [MC-NBFS], [MC-NBFSE]) and the XML writer;
//! - [`envelope`]: SOAP 1.2 messages, WS-Addressing, faults, the text/msbin1/msbinsession1
//!   encoders, and the XML reading API;
//! - [`transport`]: the WebSocket server, client and duplex sessions.

pub use async_trait::async_trait;

#[doc(hidden)]
pub mod rt;

/// Includes the code `soapws_codegen` generated for `name` in a `build.rs` (the file
/// `$OUT_DIR/name.rs`).
#[macro_export]
macro_rules! include_service {
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $name, ".rs"));
    };
}
pub use soapws_envelope as envelope;
pub use soapws_nbfs as nbfs;
pub use soapws_transport as transport;

/// The names most programs use.
pub mod prelude {
    pub use crate::envelope::xml::{XmlRead, XmlReadExt};
    pub use crate::envelope::{Encoding, Fault, Message};
    pub use crate::nbfs::{Value, Writer, XmlString};
    pub use crate::transport::handshake::{EndpointConfig, MessageEncoding, TransferMode};
    pub use crate::transport::{Client, RequestContext, Server, Service, ServiceError};
}
