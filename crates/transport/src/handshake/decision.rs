//! The outcome of a handshake: accept (101), reject (4xx), or not a WebSocket request at all.

use std::borrow::Cow;

use http::header::{HeaderName, HeaderValue, WWW_AUTHENTICATE};
use http::StatusCode;

use super::encoding::{MessageEncoding, TransferMode};

/// What to answer a request, as [`decide`](super::decide) computes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Switch protocols: answer `101 Switching Protocols` with [`Accept::headers`].
    Accept(Accept),
    /// Refuse the handshake with `response` (a 4xx, or the auth hook's answer); `reason` says
    /// which check failed.
    Reject {
        /// The check that failed.
        reason: RejectReason,
        /// Status, headers and body to send.
        response: Rejection,
    },
    /// A GET without an upgrade to WebSocket (or an HTTP/1.0 one): not decided here. The server
    /// may serve metadata (`?wsdl`) or answer [`Rejection::not_websocket`], as WCF does.
    NotWebSocket {
        /// The request path, not percent-decoded.
        path: String,
        /// The query without `?`, if the target has one.
        query: Option<String>,
    },
}

/// An accepted handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accept {
    /// The encoding the client's `soap-content-type` named.
    pub encoding: MessageEncoding,
    /// The endpoint's transfer mode (for binary, the client announced the same).
    pub transfer_mode: TransferMode,
    /// The negotiated subprotocol, spelled as the client offered it; `None` when the endpoint
    /// requires none.
    pub subprotocol: Option<String>,
    /// Headers of the 101 response, in this order: `Upgrade: websocket`, `Connection: Upgrade`
    /// (one value: .NET clients compare the whole value), `Sec-WebSocket-Accept` and, when
    /// negotiated, `Sec-WebSocket-Protocol`. `soap-content-type` is not echoed; no client reads it.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Accept {
    /// The status of an accepting answer.
    pub const STATUS: StatusCode = StatusCode::SWITCHING_PROTOCOLS;

    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        find(&self.headers, name)
    }
}

/// Which check refused a handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectReason {
    /// The method is not GET (405).
    MethodNotAllowed,
    /// `Origin` is not allowed by the endpoint's policy (403).
    OriginNotAllowed,
    /// The authentication hook refused the request (its own answer).
    Unauthenticated,
    /// `Sec-WebSocket-Version` is missing or not 13 (426).
    UnsupportedVersion,
    /// `soap-content-type` is missing or names no encoding the endpoint accepts (400).
    UnsupportedContentType,
    /// The binary encoding's `microsoft-binary-transfer-mode` is missing or different (400).
    TransferModeMismatch,
    /// `Sec-WebSocket-Protocol` holds something that is not a token (400).
    InvalidSubprotocolHeader,
    /// The endpoint's subprotocol is not offered, or one is offered when none is expected (426).
    SubprotocolMismatch,
    /// `Sec-WebSocket-Key` is missing, repeated or not the base64 encoding of 16 bytes (400).
    InvalidKey,
}

/// An HTTP answer refusing a request: status, headers and a short plain-text body.
///
/// The I/O layer adds the framing headers (`Content-Length`, `Content-Type: text/plain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The status code.
    pub status: StatusCode,
    /// Headers that carry meaning for the client (e.g. `Sec-WebSocket-Version`), in order.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Human-readable explanation.
    pub body: Cow<'static, str>,
}

/// The text NetFx answers a plain HTTP request to a WebSocket-only endpoint with.
pub const NOT_WEBSOCKET_TEXT: &str = "This service only supports WebSocket connections.";

impl Rejection {
    /// A rejection with `status`, no headers and an empty body.
    pub fn new(status: StatusCode) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Cow::Borrowed(""),
        }
    }

    /// This rejection with one more header (appended after any of the same name).
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        find(&self.headers, name)
    }

    /// This rejection with `body`.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Cow<'static, str>>) -> Self {
        self.body = body.into();
        self
    }

    /// `401 Unauthorized` with a `WWW-Authenticate` challenge (e.g. `Bearer`, `Basic realm="x"`).
    pub fn unauthorized(challenge: HeaderValue) -> Self {
        Self::new(StatusCode::UNAUTHORIZED)
            .with_header(WWW_AUTHENTICATE, challenge)
            .with_body("Authentication required.")
    }

    /// `400 Bad Request` with NetFx's [`NOT_WEBSOCKET_TEXT`], for a [`Decision::NotWebSocket`]
    /// the server does not serve otherwise.
    pub fn not_websocket() -> Self {
        Self::new(StatusCode::BAD_REQUEST).with_body(NOT_WEBSOCKET_TEXT)
    }
}

fn find<'a>(headers: &'a [(HeaderName, HeaderValue)], name: &str) -> Option<&'a HeaderValue> {
    headers
        .iter()
        .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}
