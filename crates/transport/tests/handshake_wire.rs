//! The opening handshake over real sockets: the exact bytes .NET clients send, the exact answers
//! the running server writes, and a SOAP exchange on the raw socket after our hand-written 101.

mod common;

use common::*;
use soapws_envelope::Encoding;
use soapws_transport::handshake::{EndpointConfig, MessageEncoding, NOT_WEBSOCKET_TEXT};
use soapws_transport::{ConnectionConfig, Server};
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// Asserts the 101 answer .NET clients validate (reference §1.4).
fn assert_101(response: &RawResponse, key: &str) {
    assert_eq!(response.status_line, "HTTP/1.1 101 Switching Protocols");
    assert_eq!(response.one("Upgrade"), "websocket");
    // One value, exactly `Upgrade`: both .NET clients compare the whole value.
    assert_eq!(response.one("Connection"), "Upgrade");
    assert_eq!(
        response.one("Sec-WebSocket-Accept"),
        derive_accept_key(key.as_bytes())
    );
    assert_eq!(response.one("Sec-WebSocket-Protocol"), "soap");
    assert!(
        response.all("Content-Length").is_empty(),
        "no body framing on a 101: {response:#?}"
    );
}

/// [MS-SWSB] §4: the .NET Framework client's request byte for byte (absolute-form target, no
/// Host, `Connection: Upgrade,Keep-Alive`, `Accept-Encoding`), then SOAP on that socket.
#[tokio::test]
async fn netfx_ms_swsb_example_bytes_upgrade_and_carry_soap() {
    let service = TestService::default();
    let server = Server::builder()
        .route("/myService", EndpointConfig::default(), service)
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let head = "GET http://myHost/myService HTTP/1.1\r\n\
Connection: Upgrade,Keep-Alive\r\n\
Upgrade: websocket\r\n\
Sec-WebSocket-Key: ROOw9dYOJkStW2nx5r1k9w==\r\n\
Sec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Protocol: soap\r\n\
soap-content-type: application/soap+msbinsession1\r\n\
microsoft-binary-transfer-mode: Buffered\r\n\
Accept-Encoding: gzip, deflate\r\n\
\r\n";
    let (stream, response) = send_bytes(server.local_addr(), head.as_bytes()).await;
    assert_101(&response, "ROOw9dYOJkStW2nx5r1k9w==");
    assert_eq!(
        response.one("Sec-WebSocket-Accept"),
        "8F9L0VBRcn+73zE0aw16KkHTDEk="
    );

    let mut raw = RawWs::over(stream, response.rest, Encoding::BinarySession).await;
    // NetFx addresses `To` with the http:// form of the URI (reference §1.3).
    for text in ["first", "second (session strings reused)", "third"] {
        let mut m = request(ECHO, text);
        m.headers.to = Some("http://myHost/myService".into());
        let id = m.headers.message_id.clone().unwrap();
        raw.send(&m).await;
        let reply = raw.receive().await;
        assert_eq!(reply.headers.relates_to.as_ref().unwrap().id, id);
        assert_eq!(text_of(&reply), text);
    }
    drop(raw);
    within(5.0, "shutdown", server.shutdown()).await;
}

/// The .NET Core client's handshake (reference §1.1), binary and text, then SOAP on the socket.
#[tokio::test]
async fn netcore_handshake_bytes_upgrade_and_carry_soap() {
    let (server, _) = server(ConnectionConfig::default()).await;
    let addr = server.local_addr();

    let key = "3lW6e0Zgc8CE2QQhyxUq+A==";
    let (stream, response) =
        send_head(addr, &netcore_binary_head("/echo", &addr.to_string(), key)).await;
    assert_101(&response, key);
    assert_eq!(
        response.one("Sec-WebSocket-Accept"),
        "4wYGGZzuiXDRJ19jW6h4mihPJYE="
    );
    let mut raw = RawWs::over(stream, response.rest, Encoding::BinarySession).await;
    raw.echo("binary one").await;
    raw.echo("binary two").await;

    let text_head = format!(
        "GET /echo HTTP/1.1
Host: {addr}
soap-content-type: application/soap+xml; charset=utf-8
Connection: Upgrade
Upgrade: websocket
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: {KEY}
Sec-WebSocket-Protocol: soap

"
    );
    let (stream, response) = send_head(addr, &text_head).await;
    assert_101(&response, KEY);
    assert_eq!(response.one("Sec-WebSocket-Accept"), KEY_ACCEPT);
    let mut text = RawWs::over(stream, response.rest, Encoding::Text).await;
    text.echo("text one").await;
    // The server's text reply really is XML text.
    let mut m = request(ECHO, "look at the bytes");
    m.headers.to = Some(format!("ws://{addr}/echo"));
    text.send(&m).await;
    match text.next_ws().await {
        Some(tokio_tungstenite::tungstenite::Message::Binary(b)) => {
            let s = std::str::from_utf8(&b).expect("text encoding is UTF-8");
            assert!(s.starts_with("<s:Envelope"), "{s}");
            assert!(s.contains("look at the bytes"), "{s}");
        }
        other => panic!("expected a binary-opcode reply (WCF always sends 0x2), got {other:?}"),
    }

    // The upgraded sockets did not disturb the server.
    assert_serving(addr).await;
    drop((raw, text));
    within(5.0, "shutdown", server.shutdown()).await;
}

struct Refused {
    name: &'static str,
    head: String,
    status_line: &'static str,
    headers: &'static [(&'static str, &'static str)],
}

/// The .NET Core binary head for `/echo` with one field replaced (`None` removes it).
fn netcore_with(host: &str, name: &str, value: Option<&str>) -> String {
    let base = netcore_binary_head("/echo", host, KEY);
    let mut out = String::new();
    let mut found = false;
    for line in base.lines() {
        match line.split_once(':') {
            Some((n, _)) if n.eq_ignore_ascii_case(name) => {
                found = true;
                if let Some(v) = value {
                    out.push_str(&format!("{n}: {v}\n"));
                }
            }
            _ if line.is_empty() => {}
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    if !found {
        if let Some(v) = value {
            out.push_str(&format!("{name}: {v}\n"));
        }
    }
    out.push('\n');
    out
}

const BINARY_400: &[(&str, &str)] = &[
    ("soap-content-type", "application/soap+msbinsession1"),
    ("microsoft-binary-transfer-mode", "Buffered"),
];

/// Refused handshakes sent over real sockets: exact status line and the headers WCF clients
/// turn into their specific exceptions (reference §1.4/§1.5).
#[tokio::test]
async fn refused_handshakes_over_sockets() {
    // A binary-only endpoint, so that the 400 names exactly one encoding.
    let server = Server::builder()
        .route("/echo", EndpointConfig::default(), TestService::default())
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let addr = server.local_addr();
    let host = addr.to_string();
    let h = |name: &str, value: Option<&str>| netcore_with(&host, name, value);
    let hixie76 = format!(
        "GET /echo HTTP/1.1
Host: {host}
Connection: Upgrade
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00
Sec-WebSocket-Protocol: soap
Upgrade: WebSocket
Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5
Origin: http://example.com

^n:ds[4U"
    );
    let table = vec![
        Refused {
            name: "version 8",
            head: h("Sec-WebSocket-Version", Some("8")),
            status_line: "HTTP/1.1 426 Upgrade Required",
            headers: &[("Sec-WebSocket-Version", "13")],
        },
        Refused {
            name: "version missing",
            head: h("Sec-WebSocket-Version", None),
            status_line: "HTTP/1.1 426 Upgrade Required",
            headers: &[("Sec-WebSocket-Version", "13")],
        },
        Refused {
            name: "hixie-76 (Key1/Key2 and key3 bytes)",
            head: hixie76,
            status_line: "HTTP/1.1 426 Upgrade Required",
            headers: &[("Sec-WebSocket-Version", "13")],
        },
        Refused {
            name: "soap-content-type missing",
            head: h("soap-content-type", None),
            status_line: "HTTP/1.1 400 Bad Request",
            headers: BINARY_400,
        },
        Refused {
            name: "text content type to a binary endpoint",
            head: h(
                "soap-content-type",
                Some("application/soap+xml; charset=utf-8"),
            ),
            status_line: "HTTP/1.1 400 Bad Request",
            headers: BINARY_400,
        },
        Refused {
            name: "non-session msbin1",
            head: h("soap-content-type", Some("application/soap+msbin1")),
            status_line: "HTTP/1.1 400 Bad Request",
            headers: BINARY_400,
        },
        Refused {
            name: "transfer mode Streamed",
            head: h("microsoft-binary-transfer-mode", Some("Streamed")),
            status_line: "HTTP/1.1 400 Bad Request",
            headers: BINARY_400,
        },
        Refused {
            name: "transfer mode missing",
            head: h("microsoft-binary-transfer-mode", None),
            status_line: "HTTP/1.1 400 Bad Request",
            headers: BINARY_400,
        },
        Refused {
            name: "subprotocol missing",
            head: h("Sec-WebSocket-Protocol", None),
            status_line: "HTTP/1.1 426 Upgrade Required",
            headers: &[("Sec-WebSocket-Protocol", "soap")],
        },
        Refused {
            name: "subprotocol chat",
            head: h("Sec-WebSocket-Protocol", Some("chat, superchat")),
            status_line: "HTTP/1.1 426 Upgrade Required",
            headers: &[("Sec-WebSocket-Protocol", "soap")],
        },
        Refused {
            name: "key of 12 bytes",
            head: h("Sec-WebSocket-Key", Some("dGhlIHNhbXBsZSBu")),
            status_line: "HTTP/1.1 400 Bad Request",
            headers: &[],
        },
        Refused {
            name: "key missing",
            head: h("Sec-WebSocket-Key", None),
            status_line: "HTTP/1.1 400 Bad Request",
            headers: &[],
        },
        Refused {
            name: "POST",
            head: h("Sec-WebSocket-Key", Some(KEY)).replacen("GET", "POST", 1),
            status_line: "HTTP/1.1 405 Method Not Allowed",
            headers: &[("Allow", "GET")],
        },
    ];
    for row in table {
        let (mut stream, mut response) = send_head(addr, &row.head).await;
        assert_eq!(response.status_line, row.status_line, "{}", row.name);
        for (name, value) in row.headers {
            assert_eq!(
                response.all(name),
                [*value],
                "{}: header {name} in {response:#?}",
                row.name
            );
        }
        assert!(
            response.all("Sec-WebSocket-Accept").is_empty(),
            "{}: no accept on a refusal",
            row.name
        );
        assert_eq!(response.one("Connection"), "close", "{}", row.name);
        read_to_end(&mut stream, &mut response).await;
        let length: usize = response.one("Content-Length").parse().unwrap();
        assert_eq!(response.rest.len(), length, "{}: body length", row.name);
        assert!(length > 0, "{}: refusals explain themselves", row.name);
    }
    assert_serving(addr).await;
    within(5.0, "shutdown", server.shutdown()).await;
}

/// Plain HTTP: WCF's 400 text; `?wsdl` served with the Host header's address; 404 elsewhere.
#[tokio::test]
async fn plain_get_wsdl_and_unknown_paths() {
    let wsdl = r#"<?xml version="1.0" encoding="utf-8"?><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"><wsdl:service name="Echo"><wsdl:port name="NetHttpBinding_IEcho" binding="tns:NetHttpBinding_IEcho"><soap12:address location="http://placeholder/Echo.svc"/></wsdl:port></wsdl:service></wsdl:definitions>"#;
    let server = Server::builder()
        .route("/echo", both(), TestService::default())
        .wsdl("/echo", wsdl)
        .route("/bare", both(), TestService::default())
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let addr = server.local_addr();

    // Plain GET to a WebSocket-only endpoint.
    let (mut s, mut r) = send_head(addr, "GET /echo HTTP/1.1\nHost: h\n\n").await;
    assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request");
    read_to_end(&mut s, &mut r).await;
    assert_eq!(r.body_text(), NOT_WEBSOCKET_TEXT);
    assert_eq!(
        r.body_text(),
        "This service only supports WebSocket connections."
    );

    // ?wsdl: 200, soap12:address rewritten to ws://<Host header><path>.
    let (mut s, mut r) = send_head(
        addr,
        "GET /echo?wsdl HTTP/1.1\nHost: services.example:8443\nAccept: */*\n\n",
    )
    .await;
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert!(r.one("Content-Type").starts_with("text/xml"), "{r:#?}");
    read_to_end(&mut s, &mut r).await;
    let body = r.body_text();
    assert_eq!(
        r.one("Content-Length").parse::<usize>().unwrap(),
        body.len()
    );
    assert!(
        body.contains(r#"<soap12:address location="ws://services.example:8443/echo"/>"#),
        "{body}"
    );
    assert!(!body.contains("placeholder"), "{body}");
    assert!(body.starts_with("<?xml"), "{body}");

    // ?WSDL in another case is the same request.
    let (_, r) = send_head(addr, "GET /echo?WSDL HTTP/1.1\nHost: h:1\n\n").await;
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");

    // A route without a WSDL answers ?wsdl like any plain GET.
    let (mut s, mut r) = send_head(addr, "GET /bare?wsdl HTTP/1.1\nHost: h\n\n").await;
    assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request");
    read_to_end(&mut s, &mut r).await;
    assert_eq!(r.body_text(), NOT_WEBSOCKET_TEXT);

    // An upgrade with ?wsdl is still an upgrade (CoreWCF#1680).
    let (stream, r) = send_head(
        addr,
        &netcore_binary_head("/echo?wsdl", &addr.to_string(), KEY),
    )
    .await;
    assert_eq!(r.status_line, "HTTP/1.1 101 Switching Protocols");
    RawWs::over(stream, r.rest, Encoding::BinarySession)
        .await
        .echo("wsdl query, still SOAP")
        .await;

    // Unknown paths: 404, for an upgrade and for a plain GET.
    for head in [
        netcore_binary_head("/nope", &addr.to_string(), KEY),
        "GET /nope HTTP/1.1\nHost: h\n\n".to_owned(),
        "GET /echo/extra HTTP/1.1\nHost: h\n\n".to_owned(),
    ] {
        let (mut s, mut r) = send_head(addr, &head).await;
        assert_eq!(r.status_line, "HTTP/1.1 404 Not Found", "{head}");
        read_to_end(&mut s, &mut r).await;
    }
    assert_serving(addr).await;
    within(5.0, "shutdown", server.shutdown()).await;
}

/// A query string on the upgrade request does not change the route or the answer.
#[tokio::test]
async fn upgrade_with_a_query_string_is_an_upgrade() {
    let (server, seen) = common::server(ConnectionConfig::default()).await;
    let addr = server.local_addr();
    let (stream, r) = send_head(
        addr,
        &netcore_binary_head("/echo?x=1&y=two", &addr.to_string(), KEY),
    )
    .await;
    assert_101(&r, KEY);
    let mut raw = RawWs::over(stream, r.rest, Encoding::BinarySession).await;
    raw.echo("with a query").await;
    assert_eq!(seen.started.load(std::sync::atomic::Ordering::SeqCst), 1);
    drop(raw);
    within(5.0, "shutdown", server.shutdown()).await;
}

/// Garbage, a TLS ClientHello on the plain port, an over-long head and a head that never ends:
/// none of them takes the server down, and a good client is served meanwhile.
#[tokio::test]
async fn garbage_and_stalled_heads_do_not_hurt_the_server() {
    let (server, _) = common::server(ConnectionConfig::default()).await;
    let addr = server.local_addr();

    // A head that never ends, held open for the whole test.
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
        .await
        .unwrap();

    // Binary garbage with a head terminator.
    let (mut s, mut r) = send_bytes(addr, b"\x00\x01\x02\xff\xfe garbage \x7f\r\n\r\n").await;
    assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request");
    read_to_end(&mut s, &mut r).await;

    // A request line that is not HTTP.
    let (mut s, mut r) = send_head(addr, "HELLO THERE\n\n").await;
    assert!(r.status_line.starts_with("HTTP/1.1 4"), "{r:#?}");
    read_to_end(&mut s, &mut r).await;

    // An over-long head (no terminator within the limit).
    let mut long = b"GET /echo HTTP/1.1\r\nX-Filler: ".to_vec();
    long.extend(std::iter::repeat_n(b'a', 64 * 1024));
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may stop reading (and close) before all is written.
    let _ = s.write_all(&long).await;
    let r = within(
        5.0,
        "answer to an over-long head",
        read_response_head(&mut s),
    )
    .await;
    assert!(r.status_line.starts_with("HTTP/1.1 4"), "{r:#?}");

    // The start of a TLS ClientHello on the plain port is answered at once, not after the
    // 30 s handshake timeout: no head that starts like this can be HTTP.
    let (mut s, mut r) = within(
        1.0,
        "answer to a TLS ClientHello on a plain port",
        send_bytes(
            addr,
            &[
                0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03,
            ],
        ),
    )
    .await;
    assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request");
    read_to_end(&mut s, &mut r).await;

    // Half a ClientHello, then the client goes away.
    {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(&[0x16, 0x03]).await.unwrap();
    }

    // Connect-and-close without a byte.
    drop(tokio::net::TcpStream::connect(addr).await.unwrap());

    assert_serving(addr).await;
    assert_serving(addr).await;
    // The stalled connection is still waiting; the server is still fine.
    drop(stalled);
    assert_serving(addr).await;
    within(5.0, "shutdown", server.shutdown()).await;
}

/// Shutting down is not held up by a client that never finishes its handshake head.
#[tokio::test]
async fn shutdown_is_not_held_up_by_a_stalled_handshake() {
    let (server, _) = common::server(ConnectionConfig::default()).await;
    let addr = server.local_addr();
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    stalled.write_all(b"GET /echo HTTP/1.1\r\n").await.unwrap();
    assert_serving(addr).await;
    within(
        3.0,
        "Server::shutdown with a connection stuck in its handshake (the handshake timeout is 30 s)",
        server.shutdown(),
    )
    .await;
    drop(stalled);
}

/// An endpoint that only takes text refuses a binary client with the text content type.
#[tokio::test]
async fn text_endpoint_answers_its_own_content_type() {
    let server = Server::builder()
        .route(
            "/echo",
            EndpointConfig::new(MessageEncoding::Text),
            TestService::default(),
        )
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let addr = server.local_addr();
    let (mut s, mut r) = send_head(addr, &netcore_binary_head("/echo", "h", KEY)).await;
    assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request");
    assert_eq!(
        r.all("soap-content-type"),
        ["application/soap+xml; charset=utf-8"]
    );
    assert!(r.all("microsoft-binary-transfer-mode").is_empty());
    read_to_end(&mut s, &mut r).await;
    within(5.0, "shutdown", server.shutdown()).await;
}
