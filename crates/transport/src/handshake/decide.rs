//! The handshake checks, one function each, run by [`decide`] in WCF's order.

use std::borrow::Cow;

use http::header::{
    HeaderName, HeaderValue, ALLOW, CONNECTION, ORIGIN, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_PROTOCOL, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use http::StatusCode;

use super::decision::{Accept, Decision, RejectReason, Rejection};
use super::encoding::{MessageEncoding, TransferMode};
use super::endpoint::EndpointConfig;
use super::key::{accept_key, is_valid_key};
use super::request::RequestView;
use super::tokens::is_token;
use super::{BINARY_TRANSFER_MODE, SOAP_CONTENT_TYPE, WEBSOCKET_VERSION};

type Refusal = (RejectReason, Rejection);

/// Decides how to answer `request` on `endpoint`; see the [module docs](super) for the order of
/// the checks and the answer each gives. Pure: no I/O and no panics; the endpoint's auth hook is
/// the only code it calls back.
///
/// A method other than `GET` is refused with `405 Method Not Allowed` and `Allow: GET`
/// (RFC 6455 §4.2.1 requires GET); a server that also serves SOAP over HTTP POST routes those
/// requests elsewhere before calling this.
pub fn decide(request: &RequestView, endpoint: &EndpointConfig) -> Decision {
    if request.method() != "GET" {
        return refuse(method_not_allowed());
    }
    if !is_websocket_upgrade(request) {
        return Decision::NotWebSocket {
            path: request.path().to_owned(),
            query: request.query().map(str::to_owned),
        };
    }
    match validate(request, endpoint) {
        Ok(accept) => Decision::Accept(accept),
        Err(refusal) => refuse(refusal),
    }
}

fn refuse((reason, response): Refusal) -> Decision {
    Decision::Reject { reason, response }
}

fn validate(request: &RequestView, endpoint: &EndpointConfig) -> Result<Accept, Refusal> {
    check_origin(request, endpoint)?;
    endpoint
        .authenticate(request)
        .map_err(|response| (RejectReason::Unauthenticated, response))?;
    check_version(request)?;
    let encoding = select_encoding(request, endpoint)?;
    check_transfer_mode(request, endpoint, encoding)?;
    let subprotocol = negotiate_subprotocol(request, endpoint)?;
    let key = check_key(request)?;
    Ok(Accept {
        encoding,
        transfer_mode: endpoint.transfer_mode(),
        headers: accept_headers(key, subprotocol.as_deref()),
        subprotocol,
    })
}

/// HTTP/1.1 with an `upgrade` token in `Connection` and a `websocket` token in `Upgrade`, both
/// ASCII case ignored (`Connection: Upgrade,Keep-Alive` and hixie's `Upgrade: WebSocket` count).
fn is_websocket_upgrade(request: &RequestView) -> bool {
    request.version().can_upgrade()
        && request.has_element(CONNECTION.as_str(), "upgrade")
        && request.has_element(UPGRADE.as_str(), "websocket")
}

fn method_not_allowed() -> Refusal {
    let response = Rejection::new(StatusCode::METHOD_NOT_ALLOWED)
        .with_header(ALLOW, HeaderValue::from_static("GET"))
        .with_body("A WebSocket handshake must use GET.");
    (RejectReason::MethodNotAllowed, response)
}

/// Every `Origin` field, if any, must be allowed.
fn check_origin(request: &RequestView, endpoint: &EndpointConfig) -> Result<(), Refusal> {
    let policy = endpoint.origin_policy();
    if request
        .header_values(ORIGIN.as_str())
        .all(|origin| policy.allows(origin))
    {
        return Ok(());
    }
    let response = Rejection::new(StatusCode::FORBIDDEN).with_body("Origin not allowed.");
    Err((RejectReason::OriginNotAllowed, response))
}

/// Every `Sec-WebSocket-Version` element must be `13`; a missing header (hixie-75/76) fails.
fn check_version(request: &RequestView) -> Result<(), Refusal> {
    let mut versions = request
        .header_elements(SEC_WEBSOCKET_VERSION.as_str())
        .peekable();
    if versions.peek().is_some() && versions.all(|v| v == WEBSOCKET_VERSION) {
        return Ok(());
    }
    let response = Rejection::new(StatusCode::UPGRADE_REQUIRED)
        .with_header(
            SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static(WEBSOCKET_VERSION),
        )
        .with_body("Unsupported WebSocket version; this service requires version 13.");
    Err((RejectReason::UnsupportedVersion, response))
}

/// The first accepted encoding that supports every `soap-content-type` element.
fn select_encoding(
    request: &RequestView,
    endpoint: &EndpointConfig,
) -> Result<MessageEncoding, Refusal> {
    let name = SOAP_CONTENT_TYPE;
    let values: Vec<&str> = request.header_elements(name.as_str()).collect();
    endpoint
        .encodings()
        .iter()
        .copied()
        .find(|encoding| !values.is_empty() && values.iter().all(|v| encoding.supports(v)))
        .ok_or_else(|| {
            let body = "The soap-content-type header is missing or names an encoding this endpoint does not accept.";
            let response = encoder_mismatch(endpoint.preferred_encoding(), endpoint, body);
            (RejectReason::UnsupportedContentType, response)
        })
}

/// For binary, every `microsoft-binary-transfer-mode` element must name the endpoint's mode.
fn check_transfer_mode(
    request: &RequestView,
    endpoint: &EndpointConfig,
    encoding: MessageEncoding,
) -> Result<(), Refusal> {
    if !encoding.is_binary() {
        return Ok(());
    }
    let name = BINARY_TRANSFER_MODE;
    let mut modes = request.header_elements(name.as_str()).peekable();
    let expected = endpoint.transfer_mode();
    if modes.peek().is_some() && modes.all(|m| m.parse::<TransferMode>() == Ok(expected)) {
        return Ok(());
    }
    let body = "The microsoft-binary-transfer-mode header is missing or differs from this endpoint's transfer mode.";
    let response = encoder_mismatch(encoding, endpoint, body);
    Err((RejectReason::TransferModeMismatch, response))
}

/// WCF's 400 for an encoder mismatch: the server's `soap-content-type`, and for binary its
/// `microsoft-binary-transfer-mode`.
fn encoder_mismatch(
    encoding: MessageEncoding,
    endpoint: &EndpointConfig,
    body: &'static str,
) -> Rejection {
    let mut response = Rejection::new(StatusCode::BAD_REQUEST)
        .with_header(
            SOAP_CONTENT_TYPE,
            HeaderValue::from_static(encoding.content_type()),
        )
        .with_body(body);
    if encoding.is_binary() {
        let mode = HeaderValue::from_static(endpoint.transfer_mode().as_str());
        response = response.with_header(BINARY_TRANSFER_MODE, mode);
    }
    response
}

/// WCF's `DefaultWebSocketConnectionHandler` rules: values split on `,` and trimmed, each must be
/// a token (else 400); the first equal to the endpoint's subprotocol (case ignored) is echoed;
/// none, or no header, is 426 with the expected `Sec-WebSocket-Protocol`. An endpoint without a
/// subprotocol refuses any offer (426, no header).
fn negotiate_subprotocol(
    request: &RequestView,
    endpoint: &EndpointConfig,
) -> Result<Option<String>, Refusal> {
    let name = SEC_WEBSOCKET_PROTOCOL.as_str();
    let expected = endpoint.subprotocol();
    if !request.has_header(name) {
        return match expected {
            Some(_) => Err(subprotocol_mismatch(expected)),
            None => Ok(None),
        };
    }
    let mut offered = Vec::new();
    for token in request.header_values(name).flat_map(|v| v.split(',')) {
        let token = token.trim();
        if token.is_empty() {
            continue;
        }
        if !is_token(token) {
            let response = Rejection::new(StatusCode::BAD_REQUEST)
                .with_body("The Sec-WebSocket-Protocol header holds an invalid subprotocol.");
            return Err((RejectReason::InvalidSubprotocolHeader, response));
        }
        offered.push(token);
    }
    let Some(expected) = expected else {
        return Err(subprotocol_mismatch(None));
    };
    offered
        .into_iter()
        .find(|token| token.eq_ignore_ascii_case(expected))
        .map(|token| Some(token.to_owned()))
        .ok_or_else(|| subprotocol_mismatch(Some(expected)))
}

fn subprotocol_mismatch(expected: Option<&str>) -> Refusal {
    let mut response = Rejection::new(StatusCode::UPGRADE_REQUIRED);
    match expected.map(|p| (p, HeaderValue::from_str(p))) {
        Some((protocol, Ok(value))) => {
            response = response
                .with_header(SEC_WEBSOCKET_PROTOCOL, value)
                .with_body(Cow::Owned(format!(
                    "This service requires the WebSocket subprotocol '{protocol}'."
                )));
        }
        _ => response = response.with_body("This service accepts no WebSocket subprotocol."),
    }
    (RejectReason::SubprotocolMismatch, response)
}

/// Exactly one `Sec-WebSocket-Key`, the base64 encoding of 16 bytes.
fn check_key(request: &RequestView) -> Result<&str, Refusal> {
    let mut keys = request.header_values(SEC_WEBSOCKET_KEY.as_str());
    match (keys.next(), keys.next()) {
        (Some(key), None) if is_valid_key(key) => Ok(key),
        _ => {
            let response = Rejection::new(StatusCode::BAD_REQUEST)
                .with_body("Sec-WebSocket-Key must be the base64 encoding of 16 bytes.");
            Err((RejectReason::InvalidKey, response))
        }
    }
}

fn accept_headers(key: &str, subprotocol: Option<&str>) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = vec![
        (UPGRADE, HeaderValue::from_static("websocket")),
        (CONNECTION, HeaderValue::from_static("Upgrade")),
    ];
    if let Ok(accept) = HeaderValue::from_str(&accept_key(key)) {
        headers.push((SEC_WEBSOCKET_ACCEPT, accept));
    }
    if let Some(Ok(protocol)) = subprotocol.map(HeaderValue::from_str) {
        headers.push((SEC_WEBSOCKET_PROTOCOL, protocol));
    }
    headers
}
