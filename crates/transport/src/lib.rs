//! The [MS-SWSB] transport of soapws: SOAP over WebSocket the way WCF's `NetHttpBinding` /
//! `NetHttpsBinding` speak it.
//!
//! - [`handshake`]: the opening handshake, decided as a pure function with WCF's answers.
//! - [`Server`]: one port, many services by path, `ws://` and `wss://`, limits, graceful shutdown.
//! - [`Client`]: connects with the handshake .NET sends.
//! - [`Peer`]: the duplex session of a connection, on either side — many calls in flight
//!   (correlated by `RelatesTo`), one-way messages, callbacks in both directions, close.
//! - [`Service`]: what handles the requests of a connection.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod config;
mod connection;
mod error;
pub mod handshake;
mod http_io;
mod peer;
mod server;
mod service;
pub mod tls;
mod wire;

pub use client::{Client, ClientBuilder, ReconnectPolicy};
pub use config::ConnectionConfig;
pub use error::{CallError, ConnectError, Refusal};
pub use peer::{CloseInfo, ConnectionState, Peer};
pub use server::{Server, ServerBuilder};
pub use service::{RequestContext, Service, ServiceError};
