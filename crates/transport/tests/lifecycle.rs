//! How connections end: close from either side, a handler-triggered close, vanishing peers,
//! oversized messages, reader quotas, idle timeout, graceful shutdown with calls in flight,
//! connection limit.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use soapws_nbfs::Quotas;
use soapws_transport::{
    CallError, Client, CloseInfo, ConnectError, ConnectionConfig, ConnectionState, Peer,
};
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const CLEAN_BY_US: CloseInfo = CloseInfo {
    by_peer: false,
    code: Some(1000),
    error: None,
};
const CLEAN_BY_PEER: CloseInfo = CloseInfo {
    by_peer: true,
    code: Some(1000),
    error: None,
};

/// Calls `Capture` and returns the server side's peer of this connection.
async fn server_side(client: &Client, seen: &Seen) -> Peer {
    let before = seen.peers.lock().unwrap().len();
    client
        .call(request("urn:echo/Capture", "me"))
        .await
        .unwrap();
    seen.peers.lock().unwrap()[before].clone()
}

#[tokio::test]
async fn close_started_by_the_client() {
    within(10.0, "test", async {
        let (server, seen) = server(ConnectionConfig::default()).await;
        let client = Client::connect(url(&server)).await.unwrap();
        let remote = server_side(&client, &seen).await;
        assert_eq!(client.state(), ConnectionState::Open);
        assert_eq!(remote.state(), ConnectionState::Open);
        assert_eq!(server.connections(), 1);

        client.close().await;
        assert_eq!(client.state(), ConnectionState::Closed(CLEAN_BY_US));
        assert_eq!(client.closed().await, CLEAN_BY_US);
        assert_eq!(remote.closed().await, CLEAN_BY_PEER);
        assert!(matches!(
            client.call(request(ECHO, "too late")).await,
            Err(CallError::Closed)
        ));
        assert!(matches!(
            remote
                .send_one_way(soapws_envelope::Message::one_way(
                    "urn:cb/Notify",
                    body("Notify", "x")
                ))
                .await,
            Err(CallError::Closed)
        ));
        eventually(2.0, "server forgets the connection", || {
            server.connections() == 0
        })
        .await;
        // A second close is harmless.
        client.close().await;
        assert_serving(server.local_addr()).await;
        server.shutdown().await;
    })
    .await
}

#[tokio::test]
async fn close_started_by_server_shutdown() {
    within(10.0, "test", async {
        let (server, seen) = server(ConnectionConfig::default()).await;
        let addr = server.local_addr();
        let client = Client::connect(url(&server)).await.unwrap();
        let remote = server_side(&client, &seen).await;
        let mut states = client.peer().watch_state();
        server.shutdown().await;
        assert_eq!(client.closed().await, CLEAN_BY_PEER);
        assert_eq!(remote.closed().await, CLEAN_BY_US);
        assert!(matches!(
            *states.borrow_and_update(),
            ConnectionState::Closed(_)
        ));
        // Nothing listens any more.
        assert!(matches!(
            Client::connect(format!("ws://{addr}/echo")).await,
            Err(ConnectError::Io(_))
        ));
    })
    .await
}

/// A handler closes its own connection through `RequestContext::peer`: its reply still goes
/// out, then the connection closes with 1000, started by the server.
#[tokio::test]
async fn close_started_by_a_handler() {
    let (server, seen) = server(ConnectionConfig::default()).await;
    let client = Client::connect(url(&server)).await.unwrap();
    let remote = server_side(&client, &seen).await;
    let reply = within(
        3.0,
        "reply of a handler that awaits RequestContext::peer.close() (deadlock: close() waits \
         for the handlers of the connection to finish, and this handler waits for close())",
        client.call(request("urn:echo/CloseMe", "bye")),
    )
    .await
    .unwrap();
    assert_eq!(text_of(&reply), "closing");
    assert_eq!(
        within(3.0, "client sees the close", client.closed()).await,
        CLEAN_BY_PEER
    );
    assert_eq!(
        within(3.0, "server side closed", remote.closed()).await,
        CLEAN_BY_US
    );
    assert_serving(server.local_addr()).await;
    within(5.0, "shutdown", server.shutdown()).await;
}

/// A peer that vanishes in the middle of a message is dropped; other connections go on.
#[tokio::test]
async fn a_peer_vanishing_mid_message_is_dropped() {
    within(10.0, "test", async {
        let (server, seen) = server(ConnectionConfig::default()).await;
        let addr = server.local_addr();
        let bystander = Client::connect(url(&server)).await.unwrap();

        // 1. Half a frame: the header announces 1000 bytes, 10 are sent, the socket goes away.
        let (mut stream, response) = send_head(addr, &netcore_binary_head("/echo", "h", KEY)).await;
        assert_eq!(response.status_line, "HTTP/1.1 101 Switching Protocols");
        eventually(2.0, "two connections", || server.connections() == 2).await;
        let mut frame = vec![0x82, 0x80 | 126, 0x03, 0xe8, 1, 2, 3, 4];
        frame.extend_from_slice(&[0x55; 10]);
        stream.write_all(&frame).await.unwrap();
        drop(stream);
        eventually(3.0, "the vanished peer's connection is dropped", || {
            server.connections() == 1
        })
        .await;

        // 2. A captured session, then the first fragment of a message, then gone.
        let raw = RawWs::connect(addr, "/echo").await;
        let mut raw = raw;
        let mut capture = request("urn:echo/Capture", "raw");
        capture.headers.to = Some("ws://raw/echo".into());
        raw.send(&capture).await;
        raw.receive().await;
        let remote = seen.peers.lock().unwrap().last().unwrap().clone();
        let first = raw.encode(&request(ECHO, "never finished"));
        use futures_util::SinkExt;
        use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
        use tokio_tungstenite::tungstenite::protocol::frame::Frame;
        raw.ws
            .send(WsMessage::Frame(Frame::message(
                first.slice(..first.len() / 2),
                OpCode::Data(Data::Binary),
                false,
            )))
            .await
            .unwrap();
        drop(raw);
        let info = within(3.0, "server side dropped", remote.closed()).await;
        assert!(info.by_peer, "{info:?}");
        assert_eq!(info.code, None, "no Close frame: {info:?}");
        assert!(info.error.is_some(), "{info:?}");
        eventually(3.0, "one connection left", || server.connections() == 1).await;

        // The bystander never noticed.
        let reply = bystander.call(request(ECHO, "unaffected")).await.unwrap();
        assert_eq!(text_of(&reply), "unaffected");
        assert_eq!(bystander.state(), ConnectionState::Open);
        assert_serving(addr).await;
        bystander.close().await;
        server.shutdown().await;
    })
    .await
}

fn small_messages() -> ConnectionConfig {
    ConnectionConfig {
        max_message_size: 4096,
        ..ConnectionConfig::default()
    }
}

/// A message over `max_message_size`: the sender gets Close 1009 and loses the connection;
/// other connections on the server are unaffected.
#[tokio::test]
async fn an_oversized_message_closes_that_connection_with_1009() {
    within(10.0, "test", async {
        let (server, seen) = server(small_messages()).await;
        let addr = server.local_addr();
        let bystander = Client::connect(url(&server)).await.unwrap();
        let big = "x".repeat(20_000);

        // Raw: the Close frame carries 1009.
        let mut raw = RawWs::connect(addr, "/echo").await;
        raw.echo("small is fine").await;
        let mut m = request(ECHO, big.clone());
        m.headers.to = Some("ws://raw/echo".into());
        raw.send(&m).await;
        match raw.next_ws().await {
            Some(WsMessage::Close(Some(frame))) => {
                assert_eq!(frame.code, CloseCode::Size);
                assert_eq!(u16::from(frame.code), 1009);
            }
            other => panic!("expected Close 1009, got {other:?}"),
        }
        // Then the connection ends.
        let end = within(3.0, "raw connection ends", raw.ws.next()).await;
        assert!(!matches!(end, Some(Ok(WsMessage::Binary(_)))), "{end:?}");

        // Client: the call fails, the connection is closed with 1009 by the server.
        let client = Client::connect(url(&server)).await.unwrap();
        let result = client.call(request(ECHO, big)).await;
        assert!(matches!(result, Err(CallError::Closed)), "{result:?}");
        let info = client.closed().await;
        assert_eq!(info.code, Some(1009), "{info:?}");
        assert!(info.by_peer, "{info:?}");

        // One byte under the limit's neighbourhood still works on another connection.
        let reply = bystander
            .call(request(ECHO, "y".repeat(2000)))
            .await
            .unwrap();
        assert_eq!(text_of(&reply).len(), 2000);
        assert_eq!(bystander.state(), ConnectionState::Open);
        eventually(3.0, "only the bystander is left", || {
            server.connections() == 1
        })
        .await;
        assert!(seen.started.load(Ordering::SeqCst) >= 2);
        bystander.close().await;
        server.shutdown().await;
    })
    .await
}

/// `reader_quotas` apply to what the server reads: a message deeper than the configured depth
/// cannot be decoded and its connection is dropped (as WCF drops it), while the default quotas
/// read the same message.
#[tokio::test]
async fn configured_reader_quotas_apply_to_received_messages() {
    within(10.0, "test", async {
        let shallow = ConnectionConfig {
            reader_quotas: Some(Quotas {
                max_depth: 2,
                ..Quotas::WCF
            }),
            ..ConnectionConfig::default()
        };
        assert_eq!(
            ConnectionConfig::default().effective_reader_quotas(),
            Quotas {
                max_depth: 32,
                max_string_content_length: 65_536,
                max_array_length: 65_536,
                ..Quotas::WCF
            }
        );
        let (refusing, _) = server(shallow).await;
        let mut raw = RawWs::connect(refusing.local_addr(), "/echo").await;
        let mut m = request(ECHO, "three levels: Envelope, Header, Action");
        m.headers.to = Some("ws://raw/echo".into());
        raw.send(&m).await;
        let end = within(3.0, "raw connection ends", raw.ws.next()).await;
        assert!(
            !matches!(end, Some(Ok(WsMessage::Binary(_) | WsMessage::Text(_)))),
            "{end:?}"
        );
        drop(raw);
        refusing.shutdown().await;

        let (reading, _) = server(ConnectionConfig::default()).await;
        let mut raw = RawWs::connect(reading.local_addr(), "/echo").await;
        raw.echo("three levels: Envelope, Header, Action").await;
        drop(raw);
        reading.shutdown().await;
    })
    .await
}

/// A connection that receives nothing for `idle_timeout` is dropped (no Close frame, as WCF's
/// session idle manager aborts); one that keeps talking is not.
#[tokio::test]
async fn idle_connections_are_dropped() {
    within(10.0, "test", async {
        let (server, _) = server(ConnectionConfig {
            idle_timeout: Duration::from_millis(300),
            ..ConnectionConfig::default()
        })
        .await;
        let idle = Client::connect(url(&server)).await.unwrap();
        let busy = Client::connect(url(&server)).await.unwrap();
        let started = tokio::time::Instant::now();
        for i in 0..8 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let reply = busy.call(request(ECHO, format!("tick {i}"))).await.unwrap();
            assert_eq!(text_of(&reply), format!("tick {i}"));
        }
        let info = within(2.0, "idle client dropped", idle.closed()).await;
        assert_eq!(info.code, None, "dropped without a Close frame: {info:?}");
        assert!(info.by_peer, "{info:?}");
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(
            busy.state(),
            ConnectionState::Open,
            "activity resets the timer"
        );
        busy.close().await;
        assert_serving(server.local_addr()).await;
        server.shutdown().await;
    })
    .await
}

/// Graceful shutdown with calls in flight: every call being handled gets its reply, then the
/// connection closes with 1000.
#[tokio::test]
async fn graceful_shutdown_answers_every_call_in_flight() {
    within(10.0, "test", async {
        let (server, seen) = server(ConnectionConfig::default()).await;
        let clients = [
            Arc::new(Client::connect(url(&server)).await.unwrap()),
            Arc::new(Client::connect(url(&server)).await.unwrap()),
        ];
        let mut calls = Vec::new();
        for i in 0..12 {
            let client = clients[i % 2].clone();
            calls.push(tokio::spawn(async move {
                client
                    .call(request("urn:echo/Slow", format!("slow {i}")))
                    .await
            }));
        }
        eventually(3.0, "all slow calls are being handled", || {
            seen.started.load(Ordering::SeqCst) == 12
        })
        .await;
        let shutdown_started = tokio::time::Instant::now();
        let shutdown = tokio::spawn(server.shutdown());
        for (i, call) in calls.into_iter().enumerate() {
            let reply = call.await.unwrap().expect("no call is lost");
            assert_eq!(text_of(&reply), format!("slow {i}"));
        }
        for client in &clients {
            assert_eq!(client.closed().await, CLEAN_BY_PEER);
        }
        shutdown.await.unwrap();
        assert!(shutdown_started.elapsed() < Duration::from_secs(2));
    })
    .await
}

/// `Server::shutdown` returns only once every session has closed, after its call in flight.
#[tokio::test]
async fn shutdown_returns_once_every_session_is_closed() {
    within(10.0, "test", async {
        let (server, seen) = server(ConnectionConfig::default()).await;
        let client = Arc::new(Client::connect(url(&server)).await.unwrap());
        let remote = server_side(&client, &seen).await;
        let call = tokio::spawn({
            let client = client.clone();
            async move { client.call(request("urn:echo/Slow", "slow")).await }
        });
        eventually(3.0, "the slow call is being handled", || {
            seen.started.load(Ordering::SeqCst) == 2
        })
        .await;
        server.shutdown().await;
        assert_eq!(remote.state(), ConnectionState::Closed(CLEAN_BY_US));
        let reply = call.await.unwrap().expect("the call in flight is answered");
        assert_eq!(text_of(&reply), "slow");
    })
    .await
}

/// With fewer handler slots than pending calls, shutdown still answers each call one way or
/// the other — a reply or `CallError::Closed` — and none hangs.
#[tokio::test]
async fn shutdown_resolves_every_call_even_when_handlers_are_saturated() {
    within(10.0, "test", async {
        let (server, seen) = server(ConnectionConfig {
            max_concurrent_calls: 2,
            ..ConnectionConfig::default()
        })
        .await;
        let client = Arc::new(Client::connect(url(&server)).await.unwrap());
        let mut calls = Vec::new();
        for i in 0..6 {
            let client = client.clone();
            calls.push(tokio::spawn(async move {
                client
                    .call(request("urn:echo/Slow", format!("slow {i}")))
                    .await
            }));
        }
        eventually(3.0, "two slow calls are being handled", || {
            seen.started.load(Ordering::SeqCst) >= 2
        })
        .await;
        let shutdown = tokio::spawn(server.shutdown());
        let mut replied = 0;
        for (i, call) in calls.into_iter().enumerate() {
            match within(3.0, "call resolves", call).await.unwrap() {
                Ok(reply) => {
                    assert_eq!(text_of(&reply), format!("slow {i}"));
                    replied += 1;
                }
                Err(CallError::Closed) => {}
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert!(replied >= 2, "the calls being handled were answered");
        assert_eq!(replied, seen.started.load(Ordering::SeqCst));
        assert_eq!(client.closed().await.code, Some(1000));
        within(3.0, "shutdown", shutdown).await.unwrap();
    })
    .await
}

/// `max_connections(2)`: the third connection is answered 503; after one leaves, a new one
/// is served.
#[tokio::test]
async fn the_connection_limit_answers_503() {
    within(10.0, "test", async {
        let (builder, _) = builder(ConnectionConfig::default());
        let server = builder
            .max_connections(2)
            .bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = server.local_addr();
        let a = Client::connect(url(&server)).await.unwrap();
        let b = Client::connect(url(&server)).await.unwrap();
        assert_eq!(server.connections(), 2);

        let (mut stream, mut response) =
            send_head(addr, &netcore_binary_head("/echo", "h", KEY)).await;
        assert_eq!(response.status_line, "HTTP/1.1 503 Service Unavailable");
        read_to_end(&mut stream, &mut response).await;
        match Client::connect(url(&server)).await {
            Err(ConnectError::Refused(r)) => assert_eq!(r.status.as_u16(), 503, "{r:?}"),
            Err(e) => panic!("expected a handshake error, got {e:?}"),
            Ok(_) => panic!("a third connection was accepted"),
        }
        // The two admitted connections are fine.
        for c in [&a, &b] {
            assert_eq!(text_of(&c.call(request(ECHO, "in")).await.unwrap()), "in");
        }
        a.close().await;
        eventually(2.0, "one connection left", || server.connections() == 1).await;
        let c = Client::connect(url(&server)).await.unwrap();
        assert_eq!(text_of(&c.call(request(ECHO, "c")).await.unwrap()), "c");
        c.close().await;
        b.close().await;
        server.shutdown().await;
    })
    .await
}

/// A server that accepts TCP but never answers the handshake: `Client::connect` must give up.
///
/// KNOWN BUG, left failing on purpose: `ClientBuilder` has no open timeout (WCF's `OpenTimeout`,
/// 1 minute by default), and neither the TLS handshake nor the WebSocket handshake in
/// `ClientBuilder::connect` is bounded, so `connect` waits for as long as the server holds the
/// socket. The fix needs an API decision (a new `open_timeout` option, or bounding the open by
/// `call_timeout`); this test assumes the latter and should follow whichever is chosen.
#[tokio::test]
async fn connect_gives_up_on_a_server_that_never_answers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(socket);
    });
    let result = tokio::time::timeout(
        Duration::from_secs(2),
        Client::builder(format!("ws://{addr}/echo"))
            .open_timeout(Duration::from_millis(500))
            .connect(),
    )
    .await;
    holder.abort();
    let Ok(result) = result else {
        panic!("Client::connect still waiting after 2 s (open timeout 500 ms) on a silent server");
    };
    assert!(
        matches!(result, Err(ConnectError::Timeout(_))),
        "no 101, yet: {:?}",
        result.map(|_| ())
    );
}

/// A peer's Close frame is answered with Close 1000 before the server lets go of the socket,
/// as .NET's client requires (it reports a close without a reply as an error).
#[tokio::test]
async fn the_peers_close_is_answered_with_close_1000() {
    within(10.0, "test", async {
        let (server, _) = server(ConnectionConfig::default()).await;
        let mut raw = RawWs::connect(server.local_addr(), "/echo").await;
        raw.echo("before closing").await;
        raw.ws
            .send(WsMessage::Close(Some(
                tokio_tungstenite::tungstenite::protocol::CloseFrame {
                    code: CloseCode::Normal,
                    reason: "".into(),
                },
            )))
            .await
            .unwrap();
        match within(3.0, "the server's Close", raw.ws.next()).await {
            Some(Ok(WsMessage::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1000),
            other => panic!("expected the server's Close 1000, got {other:?}"),
        }
        server.shutdown().await;
    })
    .await
}
