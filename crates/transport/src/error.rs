//! Errors of connections and calls.

use soapws_envelope::MessageError;

/// A call or send that did not complete.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The connection is closed or was dropped.
    #[error("the connection is closed")]
    Closed,
    /// No reply within the call timeout.
    #[error("no reply within {0:?}")]
    Timeout(std::time::Duration),
    /// The message could not be encoded.
    #[error("the message could not be encoded: {0}")]
    Encode(String),
    /// The reply could not be decoded.
    #[error("the reply could not be decoded: {0}")]
    Decode(#[from] MessageError),
}

/// A connection that could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL is not a `ws://` or `wss://` URL.
    #[error("invalid URL '{0}'")]
    Url(String),
    /// TCP or TLS failed.
    #[error("connection failed: {0}")]
    Io(#[from] std::io::Error),
    /// The WebSocket handshake failed (including an HTTP error answer from the server).
    #[error("WebSocket handshake failed: {0}")]
    Handshake(String),
    /// The server did not accept the `soap` subprotocol.
    #[error("the server did not accept the 'soap' subprotocol")]
    Subprotocol,
    /// TLS configuration.
    #[error("TLS: {0}")]
    Tls(String),
    /// The connection did not open within the open timeout.
    #[error("the connection did not open within {0:?}")]
    Timeout(std::time::Duration),
}
