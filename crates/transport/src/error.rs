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
    /// The server answered the upgrade with an HTTP error status (WCF: 400 naming the
    /// encoding it expects, 426 for a version or subprotocol it does not speak, 503 when full).
    #[error("the server refused the WebSocket upgrade: HTTP {}", .0.status)]
    Refused(Box<Refusal>),
    /// The WebSocket handshake failed otherwise (a malformed or unexpected answer).
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

/// An HTTP answer refusing a WebSocket upgrade.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// The status.
    pub status: http::StatusCode,
    /// The response headers.
    pub headers: http::HeaderMap,
    /// The response body, as text.
    pub body: String,
}

impl Refusal {
    /// A response header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `soap-content-type` the server expects (sent with its 400 on an encoding mismatch).
    pub fn soap_content_type(&self) -> Option<&str> {
        self.header(crate::handshake::SOAP_CONTENT_TYPE.as_str())
    }
}
