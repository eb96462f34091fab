//! [MS-SWSB] SOAP over WebSocket, as spoken by .NET WCF's `NetHttpBinding` with WebSockets.
//!
//! So far this crate holds the opening handshake only: [`handshake::decide`] is a pure function
//! from a request head and an endpoint's configuration to the answer WCF would give (101, 4xx, or
//! "not a WebSocket request"). It does no I/O.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod handshake;
