//! soapws: SOAP services over WebSocket, speaking [MS-SWSB] — the wire protocol of .NET WCF's
//! `NetHttpBinding` with WebSockets.
//!
//! This facade re-exports the crates users need:
//! - [`nbfs`]: .NET Binary XML ([MC-NBFX], [MC-NBFS], [MC-NBFSE]).

pub use soapws_nbfs as nbfs;
