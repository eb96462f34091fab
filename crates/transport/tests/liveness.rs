//! Liveness and framing on the wire: Ping/Pong, .NET's unsolicited-Pong keep-alive, SOAP in
//! text frames, fragmented messages.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use futures_util::SinkExt;
use soapws_envelope::Encoding;
use soapws_transport::{Client, ConnectionConfig, ConnectionState};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A raw connection with the text encoding (`application/soap+xml`).
async fn raw_text(addr: SocketAddr) -> RawWs {
    let head = format!(
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
    let (stream, response) = send_head(addr, &head).await;
    assert_eq!(response.status_line, "HTTP/1.1 101 Switching Protocols");
    RawWs::over(stream, response.rest, Encoding::Text).await
}

fn addressed(text: &str) -> soapws_envelope::Message {
    let mut m = request(ECHO, text);
    m.headers.to = Some("ws://raw/echo".into());
    m
}

#[tokio::test]
async fn a_ping_is_answered_with_a_pong() {
    within(10.0, "test", async {
        let (server, _) = server(ConnectionConfig::default()).await;
        let mut raw = RawWs::connect(server.local_addr(), "/echo").await;
        raw.ws
            .send(WsMessage::Ping(Bytes::from_static(b"are you there")))
            .await
            .unwrap();
        assert_eq!(
            raw.next_ws().await,
            Some(WsMessage::Pong(Bytes::from_static(b"are you there")))
        );
        raw.echo("after the ping").await;
        // An empty ping, between two messages.
        raw.ws.send(WsMessage::Ping(Bytes::new())).await.unwrap();
        assert_eq!(raw.next_ws().await, Some(WsMessage::Pong(Bytes::new())));
        raw.echo("again").await;
        raw.ws.close(None).await.unwrap();
        server.shutdown().await;
    })
    .await
}

#[tokio::test]
async fn unsolicited_pongs_from_the_client_are_tolerated() {
    within(10.0, "test", async {
        let (server, seen) = server(ConnectionConfig::default()).await;
        let mut raw = RawWs::connect(server.local_addr(), "/echo").await;
        for payload in [&b""[..], b"keep-alive", &[0u8; 125]] {
            raw.ws
                .send(WsMessage::Pong(Bytes::copy_from_slice(payload)))
                .await
                .unwrap();
        }
        raw.echo("pongs ignored").await;
        raw.ws.send(WsMessage::Pong(Bytes::new())).await.unwrap();
        raw.echo("still ignored").await;
        assert_eq!(seen.started.load(std::sync::atomic::Ordering::SeqCst), 2);
        raw.ws.close(None).await.unwrap();
        server.shutdown().await;
    })
    .await
}

/// `ConnectionConfig::keep_alive` on the server: an empty unsolicited Pong every interval.
#[tokio::test]
async fn server_keep_alive_sends_unsolicited_pongs() {
    within(10.0, "test", async {
        let (server, _) = server(ConnectionConfig {
            keep_alive: Some(Duration::from_millis(100)),
            ..ConnectionConfig::default()
        })
        .await;
        let mut raw = RawWs::connect(server.local_addr(), "/echo").await;
        let started = tokio::time::Instant::now();
        let mut pongs = 0;
        while started.elapsed() < Duration::from_millis(550) {
            match tokio::time::timeout(Duration::from_millis(50), raw.next_ws()).await {
                Ok(Some(WsMessage::Pong(p))) => {
                    assert!(p.is_empty(), "keep-alive Pongs are empty");
                    pongs += 1;
                }
                Ok(other) => panic!("unexpected {other:?}"),
                Err(_) => {}
            }
        }
        assert!((3..=7).contains(&pongs), "{pongs} Pongs in 550 ms");
        // Messages still flow between the Pongs.
        raw.echo("between pongs").await;
        raw.ws.close(None).await.unwrap();
        server.shutdown().await;
    })
    .await
}

/// A client's keep-alive Pongs are tolerated by the server, and a quiet but kept-alive
/// connection outlives the server's idle timeout; without keep-alive it is dropped.
#[tokio::test]
async fn client_keep_alive_keeps_a_quiet_connection_open() {
    within(10.0, "test", async {
        let (server, _) = server(ConnectionConfig {
            idle_timeout: Duration::from_millis(300),
            ..ConnectionConfig::default()
        })
        .await;
        let kept = Client::builder(url(&server))
            .config(ConnectionConfig {
                keep_alive: Some(Duration::from_millis(100)),
                ..ConnectionConfig::default()
            })
            .connect()
            .await
            .unwrap();
        let quiet = Client::connect(url(&server)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(kept.state(), ConnectionState::Open);
        assert!(matches!(quiet.state(), ConnectionState::Closed(_)));
        let reply = kept.call(request(ECHO, "kept")).await.unwrap();
        assert_eq!(text_of(&reply), "kept");
        kept.close().await;
        server.shutdown().await;
    })
    .await
}

/// SOAP in a text-opcode frame is accepted (reference §2.1: receivers ignore the opcode); the
/// reply is sent with the binary opcode, as WCF does.
#[tokio::test]
async fn a_text_opcode_soap_message_is_accepted() {
    within(10.0, "test", async {
        let (server, _) = server(ConnectionConfig::default()).await;
        let mut raw = raw_text(server.local_addr()).await;
        let m = addressed("in a text frame");
        let id = m.headers.message_id.clone().unwrap();
        let bytes = raw.encode(&m);
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        raw.ws.send(WsMessage::text(text)).await.unwrap();
        let reply = match raw.next_ws().await {
            Some(WsMessage::Binary(b)) => raw.decoder.decode(b).unwrap(),
            other => panic!("expected a binary-opcode reply, got {other:?}"),
        };
        assert_eq!(reply.headers.relates_to.as_ref().unwrap().id, id);
        assert_eq!(text_of(&reply), "in a text frame");
        // Binary opcode on the same connection too.
        raw.echo("in a binary frame").await;
        raw.ws.close(None).await.unwrap();
        server.shutdown().await;
    })
    .await
}

/// Sends `payload` as fragments: first frame with `opcode`, then continuations; the last
/// continuation is empty with FIN (WCF's streamed shape). A Ping is slipped in between.
async fn send_fragmented(raw: &mut RawWs, payload: Bytes, opcode: Data, pieces: usize) {
    let step = payload.len().div_ceil(pieces);
    let mut first = true;
    for (i, chunk) in payload.chunks(step).enumerate() {
        let op = if first { opcode } else { Data::Continue };
        first = false;
        raw.ws
            .send(WsMessage::Frame(Frame::message(
                Bytes::copy_from_slice(chunk),
                OpCode::Data(op),
                false,
            )))
            .await
            .unwrap();
        if i == 0 {
            // Control frames may come between fragments (RFC 6455 §5.4).
            raw.ws
                .send(WsMessage::Ping(Bytes::from_static(b"mid")))
                .await
                .unwrap();
        }
    }
    raw.ws
        .send(WsMessage::Frame(Frame::message(
            Bytes::new(),
            OpCode::Data(Data::Continue),
            true,
        )))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_fragmented_message_is_accepted() {
    within(10.0, "test", async {
        let (server, _) = server(ConnectionConfig::default()).await;
        let addr = server.local_addr();

        // Binary session, in 5 fragments + empty final continuation.
        let mut raw = RawWs::connect(addr, "/echo").await;
        raw.echo("whole message first").await;
        let long = "fragmented ".repeat(300);
        let m = addressed(&long);
        let id = m.headers.message_id.clone().unwrap();
        let bytes = raw.encode(&m);
        send_fragmented(&mut raw, bytes, Data::Binary, 5).await;
        assert_eq!(
            raw.next_ws().await,
            Some(WsMessage::Pong(Bytes::from_static(b"mid")))
        );
        let reply = raw.receive().await;
        assert_eq!(reply.headers.relates_to.as_ref().unwrap().id, id);
        assert_eq!(text_of(&reply), long);
        // The session string table is intact after a fragmented message.
        raw.echo("whole message after").await;
        raw.ws.close(None).await.unwrap();

        // Text encoding in a fragmented text-opcode message.
        let mut raw = raw_text(addr).await;
        let m = addressed("text in pieces");
        let id = m.headers.message_id.clone().unwrap();
        let bytes = raw.encode(&m);
        send_fragmented(&mut raw, bytes, Data::Text, 3).await;
        let reply = raw.receive().await;
        assert_eq!(reply.headers.relates_to.as_ref().unwrap().id, id);
        assert_eq!(text_of(&reply), "text in pieces");
        raw.ws.close(None).await.unwrap();

        assert_serving(addr).await;
        server.shutdown().await;
    })
    .await
}
