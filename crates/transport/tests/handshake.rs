//! Handshake decisions: replays of real clients' heads, and a table of refused handshakes with
//! their exact status and headers.

use http::StatusCode;
use soapws_transport::handshake::{
    decide, Accept, Decision, EndpointConfig, MessageEncoding, OriginPolicy, RejectReason,
    Rejection, RequestView, TransferMode,
};
use MessageEncoding::{BinarySession, Text};

// ---------------------------------------------------------------------------------------------
// helpers

/// Parses a head written with `\n` line ends (sent as CRLF; the final empty line is added when
/// missing), checking the parser took all of it.
fn parse(head: &str) -> RequestView {
    let mut raw = head.replace('\n', "\r\n");
    if !raw.ends_with("\r\n\r\n") {
        raw.push_str("\r\n");
    }
    let (view, len) = RequestView::parse(raw.as_bytes()).expect("head parses");
    assert_eq!(len, raw.len(), "head fully consumed");
    view
}

fn header_strings(headers: &[(http::HeaderName, http::HeaderValue)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
        .collect()
}

fn expect_accept(decision: Decision) -> Accept {
    match decision {
        Decision::Accept(accept) => accept,
        other => panic!("expected Accept, got {other:#?}"),
    }
}

/// The 101 headers, in order, for `accept_key` and subprotocol `soap`.
fn assert_101(accept: &Accept, accept_key: &str, subprotocol: &str) {
    assert_eq!(
        header_strings(&accept.headers),
        [
            ("upgrade", "websocket"),
            ("connection", "Upgrade"),
            ("sec-websocket-accept", accept_key),
            ("sec-websocket-protocol", subprotocol),
        ]
    );
    assert_eq!(accept.subprotocol.as_deref(), Some(subprotocol));
}

/// A request head under construction, starting from the .NET Core client's binary handshake.
#[derive(Clone)]
struct Head {
    request_line: String,
    headers: Vec<(String, String)>,
}

impl Head {
    /// What the .NET Core client sends for NetHttpBinding (binary, buffered), in its order
    /// (reference §1.1): Host, WCF's headers, then the runtime's WebSocket headers.
    fn netcore() -> Self {
        Self {
            request_line: "GET /svc HTTP/1.1".into(),
            headers: [
                ("Host", "localhost:8080"),
                ("soap-content-type", "application/soap+msbinsession1"),
                ("microsoft-binary-transfer-mode", "Buffered"),
                ("Connection", "Upgrade"),
                ("Upgrade", "websocket"),
                ("Sec-WebSocket-Version", "13"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                ("Sec-WebSocket-Protocol", "soap"),
            ]
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .into(),
        }
    }

    fn netcore_text() -> Self {
        Self::netcore()
            .set("soap-content-type", "application/soap+xml; charset=utf-8")
            .without("microsoft-binary-transfer-mode")
    }

    fn line(mut self, request_line: &str) -> Self {
        self.request_line = request_line.into();
        self
    }

    /// Replaces the value of every `name` field (or appends one).
    fn set(mut self, name: &str, value: &str) -> Self {
        let mut found = false;
        for (n, v) in &mut self.headers {
            if n.eq_ignore_ascii_case(name) {
                *v = value.into();
                found = true;
            }
        }
        if !found {
            self.headers.push((name.into(), value.into()));
        }
        self
    }

    fn with(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    fn map_names(mut self, f: fn(&str) -> String) -> Self {
        for (n, _) in &mut self.headers {
            *n = f(n);
        }
        self
    }

    fn reversed(mut self) -> Self {
        self.headers.reverse();
        self
    }

    fn text(&self) -> String {
        let mut text = format!("{}\n", self.request_line);
        for (n, v) in &self.headers {
            text.push_str(&format!("{n}: {v}\n"));
        }
        text.push('\n');
        text
    }

    fn view(&self) -> RequestView {
        parse(&self.text())
    }
}

fn binary() -> EndpointConfig {
    EndpointConfig::default()
}

fn text() -> EndpointConfig {
    EndpointConfig::new(Text)
}

fn both() -> EndpointConfig {
    EndpointConfig::new(BinarySession).with_encoding(Text)
}

// ---------------------------------------------------------------------------------------------
// replays of real clients

/// [MS-SWSB] §4: the .NET Framework client's request, byte for byte (absolute-form target,
/// `Connection: Upgrade,Keep-Alive`, `Accept-Encoding`, no `Host`).
///
/// The spec's printed answer, `Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`, is RFC 6455's
/// sample (for key `dGhlIHNhbXBsZSBub25jZQ==`), not the hash of this request's key.
#[test]
fn netfx_ms_swsb_example_is_accepted() {
    let request = parse(
        "GET http://myHost/myService HTTP/1.1
Connection: Upgrade,Keep-Alive
Upgrade: websocket
Sec-WebSocket-Key: ROOw9dYOJkStW2nx5r1k9w==
Sec-WebSocket-Version: 13
Sec-WebSocket-Protocol: soap
soap-content-type: application/soap+msbinsession1
microsoft-binary-transfer-mode: Buffered
Accept-Encoding: gzip, deflate
",
    );
    assert_eq!(request.path(), "/myService");
    let accept = expect_accept(decide(&request, &binary()));
    assert_eq!(accept.encoding, BinarySession);
    assert_eq!(accept.transfer_mode, TransferMode::Buffered);
    assert_101(&accept, "8F9L0VBRcn+73zE0aw16KkHTDEk=", "soap");
    assert_ne!(
        accept.header("sec-websocket-accept").unwrap(),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
}

/// The .NET Core client (reference §1.1), binary and text, in its header order.
#[test]
fn netcore_client_is_accepted() {
    let netcore = |content_type: Option<&str>| {
        let mode = content_type.map_or("microsoft-binary-transfer-mode: Buffered\n", |_| "");
        let content_type = content_type.unwrap_or("application/soap+msbinsession1");
        parse(&format!(
            "GET /EchoService.svc/WebSocket HTTP/1.1
Host: localhost:8081
soap-content-type: {content_type}
{mode}Connection: Upgrade
Upgrade: websocket
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: 3lW6e0Zgc8CE2QQhyxUq+A==
Sec-WebSocket-Protocol: soap
"
        ))
    };
    let accept = expect_accept(decide(&netcore(None), &binary()));
    assert_eq!(accept.encoding, BinarySession);
    assert_101(&accept, "4wYGGZzuiXDRJ19jW6h4mihPJYE=", "soap");

    let text_request = netcore(Some("application/soap+xml; charset=utf-8"));
    let accept = expect_accept(decide(&text_request, &text()));
    assert_eq!(accept.encoding, Text);
    assert_101(&accept, "4wYGGZzuiXDRJ19jW6h4mihPJYE=", "soap");

    // An endpoint taking both picks by soap-content-type.
    assert_eq!(
        expect_accept(decide(&netcore(None), &both())).encoding,
        BinarySession
    );
    assert_eq!(expect_accept(decide(&text_request, &both())).encoding, Text);
}

/// The same handshake arriving as an `http::Request`, as tungstenite hands it to a callback.
#[test]
fn netcore_client_via_http_request() {
    let request = http::Request::builder()
        .uri("/svc")
        .header("Host", "localhost:8080")
        .header("soap-content-type", "application/soap+msbinsession1")
        .header("microsoft-binary-transfer-mode", "Buffered")
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("Sec-WebSocket-Protocol", "soap")
        .body(())
        .unwrap();
    let accept = expect_accept(decide(&RequestView::from(&request), &binary()));
    assert_eq!(accept.encoding, BinarySession);
    assert_101(&accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "soap");
}

/// Mono 6.8's `ClientWebSocket` (mono-interop §2.1), text byte for byte, and its binary variant.
#[test]
fn mono_client_is_accepted() {
    let mono_text = "GET /echo HTTP/1.1
Host: 127.0.0.1:9002
Connection: Upgrade
Upgrade: websocket
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: X2X7FpUsfUa3gHEZ6Ovz7w==
soap-content-type: application/soap+xml; charset=utf-8
Sec-WebSocket-Protocol: soap
";
    let accept = expect_accept(decide(&parse(mono_text), &text()));
    assert_eq!(accept.encoding, Text);
    assert_101(&accept, "v979KCNOD2nwey9sL0xIiytdM+c=", "soap");

    let mono_binary = mono_text.replace(
        "application/soap+xml; charset=utf-8",
        "application/soap+msbinsession1\nmicrosoft-binary-transfer-mode: Buffered",
    );
    let accept = expect_accept(decide(&parse(&mono_binary), &both()));
    assert_eq!(accept.encoding, BinarySession);
}

// ---------------------------------------------------------------------------------------------
// refused handshakes

struct Refused {
    name: &'static str,
    request: RequestView,
    endpoint: EndpointConfig,
    status: u16,
    reason: RejectReason,
    headers: &'static [(&'static str, &'static str)],
}

const BINARY_400: &[(&str, &str)] = &[
    ("soap-content-type", "application/soap+msbinsession1"),
    ("microsoft-binary-transfer-mode", "Buffered"),
];
const TEXT_400: &[(&str, &str)] = &[("soap-content-type", "application/soap+xml; charset=utf-8")];
const VERSION_426: &[(&str, &str)] = &[("sec-websocket-version", "13")];
const SOAP_426: &[(&str, &str)] = &[("sec-websocket-protocol", "soap")];

/// hixie-76 (draft-ietf-hybi-thewebsocketprotocol-00 §1.2), with its 8-byte key3 after the head.
const HIXIE_76: &str = "GET /demo HTTP/1.1
Host: example.com
Connection: Upgrade
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00
Sec-WebSocket-Protocol: sample
Upgrade: WebSocket
Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5
Origin: http://example.com

^n:ds[4U";

/// hixie-75: no keys, no version.
const HIXIE_75: &str = "GET /demo HTTP/1.1
Upgrade: WebSocket
Connection: Upgrade
Host: example.com
Origin: http://example.com
WebSocket-Protocol: sample
";

#[rustfmt::skip] // one row per line reads as a table
fn refused_table() -> Vec<Refused> {
    use RejectReason::*;
    let bearer = |request: &RequestView| match request.header("Authorization") {
        Some("Bearer good") => Ok(()),
        _ => Err(Rejection::unauthorized(http::HeaderValue::from_static(
            "Bearer realm=\"soapws\"",
        ))),
    };
    let row = |name, head: Head, endpoint, status, reason, headers| Refused {
        name,
        request: head.view(),
        endpoint,
        status,
        reason,
        headers,
    };
    let hixie76 = {
        let raw = HIXIE_76.replace('\n', "\r\n");
        let (view, len) = RequestView::parse(raw.as_bytes()).unwrap();
        assert_eq!(&raw[len..], "^n:ds[4U");
        view
    };
    let allow_list =
        || binary().with_origin_policy(OriginPolicy::AllowList(vec!["https://app.example".into()]));
    let h = Head::netcore;
    vec![
        // --- one rule each
        row("POST", h().line("POST /svc HTTP/1.1"), binary(), 405, MethodNotAllowed, &[("allow", "GET")]),
        row("lower-case method", h().line("get /svc HTTP/1.1"), binary(), 405, MethodNotAllowed, &[("allow", "GET")]),
        row("forbidden origin", h().with("Origin", "https://evil.example"), allow_list(), 403, OriginNotAllowed, &[]),
        row("auth hook", h(), binary().with_auth(bearer), 401, Unauthenticated, &[("www-authenticate", "Bearer realm=\"soapws\"")]),
        row("version 8 (hybi-08)", h().set("Sec-WebSocket-Version", "8"), binary(), 426, UnsupportedVersion, VERSION_426),
        row("version missing", h().without("Sec-WebSocket-Version"), binary(), 426, UnsupportedVersion, VERSION_426),
        row("versions 13, 8", h().set("Sec-WebSocket-Version", "13, 8"), binary(), 426, UnsupportedVersion, VERSION_426),
        Refused { name: "hixie-76 (Key1/Key2, no version)", request: hixie76, endpoint: binary(), status: 426, reason: UnsupportedVersion, headers: VERSION_426 },
        Refused { name: "hixie-75", request: parse(HIXIE_75), endpoint: binary(), status: 426, reason: UnsupportedVersion, headers: VERSION_426 },
        row("soap-content-type missing", h().without("soap-content-type"), binary(), 400, UnsupportedContentType, BINARY_400),
        row("soap-content-type empty", h().set("soap-content-type", ""), binary(), 400, UnsupportedContentType, BINARY_400),
        row("non-session msbin1", h().set("soap-content-type", "application/soap+msbin1"), binary(), 400, UnsupportedContentType, BINARY_400),
        row("gzip binary", h().set("soap-content-type", "application/soap+msbinsession1+gzip"), binary(), 400, UnsupportedContentType, BINARY_400),
        row("text client, binary endpoint", Head::netcore_text(), binary(), 400, UnsupportedContentType, BINARY_400),
        row("binary client, text endpoint", h(), text(), 400, UnsupportedContentType, TEXT_400),
        row("utf-16 text", Head::netcore_text().set("soap-content-type", "application/soap+xml; charset=utf-16LE"), text(), 400, UnsupportedContentType, TEXT_400),
        row("SOAP 1.1 text/xml", Head::netcore_text().set("soap-content-type", "text/xml; charset=utf-8"), text(), 400, UnsupportedContentType, TEXT_400),
        row("one of two soap-content-type fields unsupported", h().with("soap-content-type", "application/soap+msbin1"), binary(), 400, UnsupportedContentType, BINARY_400),
        row("transfer mode missing", h().without("microsoft-binary-transfer-mode"), binary(), 400, TransferModeMismatch, BINARY_400),
        row("transfer mode Streamed, endpoint Buffered", h().set("microsoft-binary-transfer-mode", "Streamed"), binary(), 400, TransferModeMismatch, BINARY_400),
        row("transfer mode Buffered, endpoint Streamed", h(), binary().with_transfer_mode(TransferMode::Streamed), 400, TransferModeMismatch,
            &[("soap-content-type", "application/soap+msbinsession1"), ("microsoft-binary-transfer-mode", "Streamed")]),
        row("transfer mode not a .NET name", h().set("microsoft-binary-transfer-mode", "Chunked"), binary(), 400, TransferModeMismatch, BINARY_400),
        row("subprotocol missing", h().without("Sec-WebSocket-Protocol"), binary(), 426, SubprotocolMismatch, SOAP_426),
        row("subprotocol chat", h().set("Sec-WebSocket-Protocol", "chat, superchat"), binary(), 426, SubprotocolMismatch, SOAP_426),
        row("subprotocol header empty", h().set("Sec-WebSocket-Protocol", ""), binary(), 426, SubprotocolMismatch, SOAP_426),
        row("subprotocol not a token", h().set("Sec-WebSocket-Protocol", "soap, so/ap"), binary(), 400, InvalidSubprotocolHeader, &[]),
        row("subprotocol offered, none configured", h(), binary().with_subprotocol(None), 426, SubprotocolMismatch, &[]),
        row("key missing", h().without("Sec-WebSocket-Key"), binary(), 400, InvalidKey, &[]),
        row("key of 12 bytes", h().set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBu"), binary(), 400, InvalidKey, &[]),
        row("key not base64", h().set("Sec-WebSocket-Key", "not a websocket key!!!=="), binary(), 400, InvalidKey, &[]),
        row("key repeated", h().with("Sec-WebSocket-Key", "ROOw9dYOJkStW2nx5r1k9w=="), binary(), 400, InvalidKey, &[]),
        // --- precedence: the earlier check answers
        row("POST beats everything", h().line("POST /svc HTTP/1.1").set("Sec-WebSocket-Version", "8").without("Sec-WebSocket-Key"), binary(), 405, MethodNotAllowed, &[("allow", "GET")]),
        row("origin beats version", h().with("Origin", "https://evil.example").set("Sec-WebSocket-Version", "8"), allow_list(), 403, OriginNotAllowed, &[]),
        row("auth beats version", h().set("Sec-WebSocket-Version", "8"), binary().with_auth(bearer), 401, Unauthenticated, &[("www-authenticate", "Bearer realm=\"soapws\"")]),
        row("version beats content type", h().set("Sec-WebSocket-Version", "8").without("soap-content-type"), binary(), 426, UnsupportedVersion, VERSION_426),
        row("content type beats transfer mode", h().set("soap-content-type", "x/y").without("microsoft-binary-transfer-mode"), binary(), 400, UnsupportedContentType, BINARY_400),
        row("transfer mode beats subprotocol", h().set("microsoft-binary-transfer-mode", "Streamed").without("Sec-WebSocket-Protocol"), binary(), 400, TransferModeMismatch, BINARY_400),
        row("subprotocol beats key", h().without("Sec-WebSocket-Protocol").without("Sec-WebSocket-Key"), binary(), 426, SubprotocolMismatch, SOAP_426),
        row("invalid subprotocol token beats key", h().set("Sec-WebSocket-Protocol", "a b").set("Sec-WebSocket-Key", "x"), binary(), 400, InvalidSubprotocolHeader, &[]),
        // --- several encodings: the 400 names the preferred one
        row("MTOM to binary+text endpoint", h().set("soap-content-type", "multipart/related; type=\"application/xop+xml\";start=\"<http://tempuri.org/0>\";boundary=\"uuid:9b3c+id=1\";start-info=\"application/soap+xml\""), both(), 400, UnsupportedContentType, BINARY_400),
        row("MTOM to text+binary endpoint", h().set("soap-content-type", "multipart/related"), text().with_encoding(BinarySession), 400, UnsupportedContentType, TEXT_400),
        row("binary+text endpoint, binary with wrong mode", h().set("microsoft-binary-transfer-mode", "StreamedResponse"), text().with_encoding(BinarySession), 400, TransferModeMismatch, BINARY_400),
        // --- variations of case, order and target form still refused for the right reason
        row("upper-case names, version 7", h().map_names(|n| n.to_ascii_uppercase()).set("Sec-WebSocket-Version", "7"), binary(), 426, UnsupportedVersion, VERSION_426),
        row("reversed order, msbin1", h().reversed().set("soap-content-type", "application/soap+msbin1"), binary(), 400, UnsupportedContentType, BINARY_400),
        row("absolute-form target, no soap-content-type", h().line("GET http://myHost/myService HTTP/1.1").without("soap-content-type"), binary(), 400, UnsupportedContentType, BINARY_400),
        row("?wsdl upgrade is an upgrade: version 8", h().line("GET /svc?wsdl HTTP/1.1").set("Sec-WebSocket-Version", "8"), binary(), 426, UnsupportedVersion, VERSION_426),
    ]
}

#[test]
fn refused_handshakes() {
    let table = refused_table();
    assert!(table.len() >= 15);
    for row in table {
        let Decision::Reject { reason, response } = decide(&row.request, &row.endpoint) else {
            panic!(
                "{}: expected Reject, got {:#?}",
                row.name,
                decide(&row.request, &row.endpoint)
            );
        };
        assert_eq!(reason, row.reason, "{}", row.name);
        assert_eq!(
            response.status,
            StatusCode::from_u16(row.status).unwrap(),
            "{}",
            row.name
        );
        assert_eq!(
            header_strings(&response.headers),
            row.headers,
            "{}",
            row.name
        );
        assert!(!response.body.is_empty(), "{}", row.name);
    }
}

// ---------------------------------------------------------------------------------------------
// leniency: variations real clients produce are accepted

#[test]
#[rustfmt::skip] // one row per line reads as a table
fn lenient_variations_are_accepted() {
    let h = Head::netcore;
    let t = Head::netcore_text;
    let listed = || binary().with_origin_policy(OriginPolicy::AllowList(vec!["https://app.example".into()]));
    let unlisted = || binary().with_origin_policy(OriginPolicy::AllowList(vec![]));
    let token = |r: &RequestView| match r.header("authorization") {
        Some("Bearer good") => Ok(()),
        _ => Err(Rejection::new(StatusCode::UNAUTHORIZED)),
    };
    let rows: Vec<(&str, Head, EndpointConfig, MessageEncoding)> = vec![
        ("lower-case names", h().map_names(|n| n.to_ascii_lowercase()), binary(), BinarySession),
        ("upper-case names", h().map_names(|n| n.to_ascii_uppercase()), binary(), BinarySession),
        ("reversed order", h().reversed(), binary(), BinarySession),
        ("Connection: Upgrade,Keep-Alive", h().set("Connection", "Upgrade,Keep-Alive"), binary(), BinarySession),
        ("Connection: keep-alive, UPGRADE", h().set("Connection", "keep-alive, UPGRADE"), binary(), BinarySession),
        ("Connection over two fields", h().set("Connection", "keep-alive").with("Connection", "upgrade"), binary(), BinarySession),
        ("Upgrade: WebSocket", h().set("Upgrade", "WebSocket"), binary(), BinarySession),
        ("absolute-form http target", h().line("GET http://localhost:8080/svc HTTP/1.1"), binary(), BinarySession),
        ("absolute-form ws target", h().line("GET ws://localhost:8080/svc HTTP/1.1"), binary(), BinarySession),
        ("query string (CoreWCF#1680)", h().line("GET /svc?wsdl HTTP/1.1"), binary(), BinarySession),
        ("no Host", h().without("Host"), binary(), BinarySession),
        ("Accept-Encoding", h().with("Accept-Encoding", "gzip, deflate"), binary(), BinarySession),
        ("transfer mode lower-case", h().set("microsoft-binary-transfer-mode", "buffered"), binary(), BinarySession),
        ("binary content type upper-case", h().set("soap-content-type", "APPLICATION/SOAP+MSBINSESSION1"), binary(), BinarySession),
        ("soap offered second", h().set("Sec-WebSocket-Protocol", "chat, soap"), binary(), BinarySession),
        ("origin in allow-list", h().with("Origin", "https://APP.example"), listed(), BinarySession),
        ("no origin under an allow-list", h(), unlisted(), BinarySession),
        ("auth hook accepts", h().with("Authorization", "Bearer good"), binary().with_auth(token), BinarySession),
        ("text with action", t().set("soap-content-type", "application/soap+xml; charset=utf-8; action=\"http://tempuri.org/IEcho/Echo\""), text(), Text),
        ("text charset quoted, upper-case", t().set("soap-content-type", "application/soap+xml;charset=\"UTF-8\""), text(), Text),
        ("text without charset", t().set("soap-content-type", "application/soap+xml"), text(), Text),
        ("text ignores a transfer-mode header", t().with("microsoft-binary-transfer-mode", "Streamed"), text(), Text),
        ("text on a streamed endpoint", t(), text().with_transfer_mode(TransferMode::Streamed), Text),
    ];
    for (name, head, endpoint, encoding) in rows {
        let Decision::Accept(accept) = decide(&head.view(), &endpoint) else {
            panic!("{name}: expected Accept, got {:#?}", decide(&head.view(), &endpoint));
        };
        assert_eq!(accept.encoding, encoding, "{name}");
        assert_eq!(accept.header("sec-websocket-accept").unwrap(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "{name}");
    }
}

#[test]
fn subprotocol_is_echoed_as_offered() {
    let request = Head::netcore()
        .set("Sec-WebSocket-Protocol", "chat, SOAP")
        .view();
    let accept = expect_accept(decide(&request, &binary()));
    assert_eq!(accept.subprotocol.as_deref(), Some("SOAP"));
    assert_eq!(accept.header("sec-websocket-protocol").unwrap(), "SOAP");
}

#[test]
fn endpoint_without_subprotocol_accepts_no_offer() {
    let request = Head::netcore().without("Sec-WebSocket-Protocol").view();
    let accept = expect_accept(decide(&request, &binary().with_subprotocol(None)));
    assert_eq!(accept.subprotocol, None);
    assert!(accept.header("sec-websocket-protocol").is_none());
    assert_eq!(accept.headers.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// not a WebSocket request

#[test]
#[rustfmt::skip] // one row per line reads as a table
fn plain_requests_are_not_decided_here() {
    let h = Head::netcore;
    let plain = |line: &str| Head { request_line: line.into(), headers: vec![("Host".into(), "h".into())] };
    let rows: Vec<(&str, Head, &str, Option<&str>)> = vec![
        ("plain GET ?wsdl", plain("GET /svc?wsdl HTTP/1.1"), "/svc", Some("wsdl")),
        ("plain absolute-form GET", plain("GET http://h/svc/mex?singleWsdl HTTP/1.1"), "/svc/mex", Some("singleWsdl")),
        ("no Connection", h().without("Connection"), "/svc", None),
        ("Connection without upgrade token", h().set("Connection", "keep-alive"), "/svc", None),
        ("no Upgrade", h().without("Upgrade"), "/svc", None),
        ("Upgrade: h2c", h().set("Upgrade", "h2c"), "/svc", None),
        ("HTTP/1.0 Upgrade is ignored", h().line("GET /svc?x=1 HTTP/1.0"), "/svc", Some("x=1")),
    ];
    for (name, head, path, query) in rows {
        match decide(&head.view(), &binary()) {
            Decision::NotWebSocket { path: p, query: q } => assert_eq!((p.as_str(), q.as_deref()), (path, query), "{name}"),
            other => panic!("{name}: expected NotWebSocket, got {other:#?}"),
        }
    }
    let answer = Rejection::not_websocket();
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body, "This service only supports WebSocket connections.");
}

// ---------------------------------------------------------------------------------------------
// robustness: no input panics, and an Accept is always backed by a valid key

mod robustness {
    use super::*;
    use proptest::prelude::*;
    use soapws_transport::handshake::{accept_key, is_valid_key, HeadError, MAX_HEAD_LEN};

    const NAMES: &[&str] = &[
        "Connection",
        "Upgrade",
        "Sec-WebSocket-Version",
        "Sec-WebSocket-Key",
        "Sec-WebSocket-Protocol",
        "soap-content-type",
        "microsoft-binary-transfer-mode",
        "Origin",
        "Host",
    ];

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("Upgrade".to_owned()),
            Just("websocket".to_owned()),
            Just("13".to_owned()),
            Just("dGhlIHNhbXBsZSBub25jZQ==".to_owned()),
            Just("soap".to_owned()),
            Just("application/soap+msbinsession1".to_owned()),
            Just("application/soap+xml; charset=utf-8".to_owned()),
            Just("Buffered".to_owned()),
            "[ -~]{0,40}",
            "[\"',;= a-z]{0,12}",
        ]
    }

    fn head() -> impl Strategy<Value = String> {
        let method = prop_oneof![Just("GET"), Just("POST"), Just("get")];
        let target = "(/|http://h/)[ -~&&[^ ]]{0,20}";
        let field = (0..NAMES.len(), any::<bool>(), value());
        (
            method,
            target,
            any::<bool>(),
            prop::collection::vec(field, 0..14),
        )
            .prop_map(|(method, target, http10, fields)| {
                let version = if http10 { "HTTP/1.0" } else { "HTTP/1.1" };
                let mut text = format!("{method} {target} {version}\r\n");
                for (name, upper, value) in fields {
                    let name = NAMES[name];
                    let name = if upper {
                        name.to_ascii_uppercase()
                    } else {
                        name.to_owned()
                    };
                    text.push_str(&format!("{name}: {value}\r\n"));
                }
                text + "\r\n"
            })
    }

    fn check(request: &RequestView) {
        for endpoint in [binary(), text(), both().with_subprotocol(None)] {
            if let Decision::Accept(accept) = decide(request, &endpoint) {
                let key = request.header("sec-websocket-key").unwrap();
                assert!(is_valid_key(key));
                assert_eq!(
                    accept.header("sec-websocket-accept").unwrap(),
                    accept_key(key).as_str()
                );
                assert_eq!(request.method(), "GET");
            }
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            match RequestView::parse(&bytes) {
                Ok((request, len)) => {
                    prop_assert!(len <= bytes.len() && len <= MAX_HEAD_LEN);
                    check(&request);
                }
                Err(HeadError::TooLarge { .. }) => prop_assert!(bytes.len() >= MAX_HEAD_LEN),
                Err(_) => {}
            }
        }

        #[test]
        fn handshake_shaped_heads_never_panic(text in head()) {
            if let Ok((request, _)) = RequestView::parse(text.as_bytes()) {
                check(&request);
            }
        }
    }

    #[test]
    fn oversized_heads_are_refused_not_awaited() {
        let junk = vec![b'a'; MAX_HEAD_LEN + 1];
        assert_eq!(
            RequestView::parse(&junk).unwrap_err(),
            HeadError::TooLarge {
                limit: MAX_HEAD_LEN
            }
        );
    }
}
