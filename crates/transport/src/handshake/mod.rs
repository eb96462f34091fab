//! The [MS-SWSB] opening handshake, decided the way a WCF (NetFx) service decides it.
//!
//! [`decide`] takes a [`RequestView`] and an [`EndpointConfig`] and returns a [`Decision`]; it
//! does no I/O. Build the view from an [`http::Request`] (what tungstenite hands a server
//! callback) or parse raw bytes with [`RequestView::parse`].
//!
//! # Order of the checks
//!
//! The first failing check answers. Steps 5–8 are NetFx's
//! `DefaultWebSocketConnectionHandler.AcceptWebSocket`, in its order (reference notes
//! `wcf-websocket-wire.md` §1.5); the others are placed where the layers around WCF put them.
//!
//! | # | check | answer | from |
//! |---|---|---|---|
//! | 1 | method is not `GET` | 405, `Allow: GET` | RFC 6455 §4.2.1 |
//! | 2 | not HTTP/1.1 with `Connection: …upgrade…` and `Upgrade: …websocket…` | [`Decision::NotWebSocket`] | §1.5 "other answers": NetFx routes on `HttpListenerRequest.IsWebSocketRequest`; RFC 9110 §7.8 ignores `Upgrade` in HTTP/1.0 |
//! | 3 | an `Origin` the [`OriginPolicy`] refuses | 403 | soapws; HTTP-level, like step 4 |
//! | 4 | the auth hook refuses | the hook's [`Rejection`] | NetFx's `HttpListener` authenticates before WCF's pipeline runs |
//! | 5 | `Sec-WebSocket-Version` missing or not `13` (hybi drafts, hixie-75/76 with `Sec-WebSocket-Key1/2`) | 426, `Sec-WebSocket-Version: 13` | §1.5 step 1 |
//! | 6 | `soap-content-type` missing, or not supported by any accepted encoding | 400, `soap-content-type` (+ `microsoft-binary-transfer-mode` for binary) | §1.5 step 2 |
//! | 7 | binary encoding and `microsoft-binary-transfer-mode` missing or not the endpoint's | the same 400 | §1.5 step 3 |
//! | 8 | `Sec-WebSocket-Protocol` holds a non-token | 400, no headers | §1.5 step 4 |
//! | 8 | `soap` not offered, or no `Sec-WebSocket-Protocol` | 426, `Sec-WebSocket-Protocol: soap` | §1.5 step 4 |
//! | 9 | `Sec-WebSocket-Key` missing, repeated or not base64 of 16 bytes | 400, no headers | RFC 6455 §4.2.1; WCF leaves it to `AcceptWebSocketAsync`, after step 8 |
//!
//! Every comma-separated element of a repeated header is checked, as WCF checks every value.
//! A query string does not make an upgrade a metadata request (CoreWCF#1680).
//!
//! # Several encodings on one endpoint
//!
//! WCF endpoints have one encoder; an [`EndpointConfig`] may accept several and picks the one
//! the client's `soap-content-type` names. When none matches, the 400 carries the
//! *preferred* (first listed) encoding's content type — one value, the shape WCF clients turn
//! into their "content type mismatch" message — plus the transfer mode if that encoding is
//! binary. A transfer-mode failure always answers with the binary encoding the client chose.
//!
//! # Leniency
//!
//! Header names in any case and order; `Connection` as a token list; `Upgrade` token case;
//! origin-form and absolute-form targets (the [MS-SWSB] §4 example is `GET http://myHost/…`);
//! no `Host` required (that example has none); `Accept-Encoding` and other headers ignored;
//! `soap-content-type` matched by WCF's `IsContentTypeSupported` ([`MessageEncoding::supports`]);
//! transfer mode compared ignoring ASCII case, as WCF does.

mod content_type;
mod decide;
mod decision;
mod encoding;
mod endpoint;
mod key;
mod parse;
mod request;
mod tokens;

use http::header::HeaderName;

pub use decide::decide;
pub use decision::{Accept, Decision, RejectReason, Rejection, NOT_WEBSOCKET_TEXT};
pub use encoding::{MessageEncoding, TransferMode, UnknownTransferMode};
pub use endpoint::{AuthHook, EndpointConfig, OriginPolicy};
pub use key::{accept_key, is_valid_key};
pub use parse::{HeadError, MAX_HEADERS, MAX_HEAD_LEN};
pub use request::{HttpVersion, RequestView};

/// The header naming the client's message encoding (`WebSocketTransportSettings.SoapContentTypeHeader`).
pub const SOAP_CONTENT_TYPE: HeaderName = HeaderName::from_static("soap-content-type");

/// The header naming the binary encoder's transfer mode (`BinaryEncoderTransferModeHeader`).
pub const BINARY_TRANSFER_MODE: HeaderName =
    HeaderName::from_static("microsoft-binary-transfer-mode");

/// The subprotocol `NetHttpBinding` requires.
pub const SOAP_SUBPROTOCOL: &str = "soap";

/// The only `Sec-WebSocket-Version` accepted (RFC 6455).
pub const WEBSOCKET_VERSION: &str = "13";
