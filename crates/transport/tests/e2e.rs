//! End to end with `Client` and `Server` over 127.0.0.1: request/reply, declared and WCF faults,
//! one-way messages, duplex callbacks in both directions, concurrency on one socket.

mod common;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use common::*;
use futures_util::{SinkExt, StreamExt};
use soapws_envelope::{names, Message};
use soapws_transport::handshake::MessageEncoding;
use soapws_transport::{Client, ConnectionConfig, RequestContext, Service, ServiceError};
use tokio::sync::{mpsc, Notify};

/// The client's callback service: records one-way `urn:cb/Notify` texts, answers
/// `urn:cb/Ask` with "answer to <text>". With `nested`, it first calls the server's `Echo` on
/// the same connection; with `gate`, it tells `in_flight` and waits for the gate to open.
#[derive(Clone, Default)]
struct Callbacks {
    notes: Arc<Mutex<Vec<String>>>,
    nested: bool,
    gate: Option<(Arc<Notify>, mpsc::UnboundedSender<String>)>,
}

#[async_trait]
impl Service for Callbacks {
    async fn call(
        &self,
        request: Message,
        context: RequestContext,
    ) -> Result<Option<Message>, ServiceError> {
        match request.headers.action.as_deref() {
            Some("urn:cb/Notify") => {
                self.notes.lock().unwrap().push(text_of(&request));
                Ok(None)
            }
            Some("urn:cb/Ask") => {
                let text = text_of(&request);
                if let Some((gate, in_flight)) = &self.gate {
                    let _ = in_flight.send(text.clone());
                    gate.notified().await;
                }
                let mut answer = format!("answer to {text}");
                if self.nested {
                    let echoed = context
                        .peer
                        .call(common::request(ECHO, format!("nested {text}")))
                        .await
                        .map_err(|e| ServiceError::Internal(e.to_string()))?;
                    answer = format!("{answer} after {}", text_of(&echoed));
                }
                Ok(Some(Message::one_way(
                    "urn:cb/AskResponse",
                    body("AskResponse", answer),
                )))
            }
            other => Err(ServiceError::ActionNotSupported(
                other.unwrap_or_default().into(),
            )),
        }
    }
}

fn fault_code(m: &Message) -> Vec<(String, String)> {
    m.read_fault()
        .unwrap()
        .expect("a fault")
        .code
        .chain()
        .map(|q| (q.namespace.clone(), q.name.clone()))
        .collect()
}

const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";

#[tokio::test]
async fn request_reply_is_correlated_and_addressed_like_wcf() {
    within(10.0, "test", async {
        let (server, _) = server(ConnectionConfig::default()).await;
        for encoding in [MessageEncoding::BinarySession, MessageEncoding::Text] {
            let client = Client::builder(url(&server))
                .encoding(encoding)
                .connect()
                .await
                .unwrap();
            for i in 0..5 {
                let req = request(ECHO, format!("{encoding:?} {i}"));
                let id = req.headers.message_id.clone().unwrap();
                let reply = client.call(req).await.unwrap();
                assert_eq!(reply.headers.action.as_deref(), Some(ECHO_REPLY));
                assert_eq!(reply.headers.relates_to.as_ref().unwrap().id, id);
                assert_eq!(reply.headers.to.as_deref(), Some(names::ANONYMOUS.as_str()));
                assert!(!reply.is_fault());
                assert_eq!(text_of(&reply), format!("{encoding:?} {i}"));
            }
            client.close().await;
        }
        server.shutdown().await;
    })
    .await
}

#[tokio::test]
async fn declared_fault_is_sent_with_its_action_and_the_session_stays_up() {
    within(10.0, "test", async {
        let (server, _) = server(ConnectionConfig::default()).await;
        let client = Client::connect(url(&server)).await.unwrap();
        let req = request("urn:echo/Declared", "bad input");
        let id = req.headers.message_id.clone().unwrap();
        let reply = client.call(req).await.unwrap();
        assert!(reply.is_fault());
        assert_eq!(reply.headers.action.as_deref(), Some(DECLARED_FAULT_ACTION));
        assert_eq!(reply.headers.relates_to.as_ref().unwrap().id, id);
        assert_eq!(
            fault_code(&reply),
            [
                (SOAP12.into(), "Sender".into()),
                ("urn:echo".into(), "Declared".into())
            ]
        );
        assert_eq!(
            reply.read_fault().unwrap().unwrap().reason(),
            "declared: bad input"
        );
        // A declared fault does not end the session.
        let reply = client.call(request(ECHO, "after the fault")).await.unwrap();
        assert_eq!(text_of(&reply), "after the fault");
        assert_eq!(client.state(), soapws_transport::ConnectionState::Open);
        client.close().await;
        server.shutdown().await;
    })
    .await
}

#[tokio::test]
async fn wcf_faults_action_not_supported_and_internal_service_fault() {
    within(10.0, "test", async {
        let (server, _) = server(ConnectionConfig::default()).await;
        let client = Client::connect(url(&server)).await.unwrap();

        let reply = client
            .call(request("urn:echo/NoSuchOperation", "x"))
            .await
            .unwrap();
        assert_eq!(
            reply.headers.action.as_deref(),
            Some(names::WSA10_FAULT_ACTION.as_str())
        );
        assert_eq!(
            fault_code(&reply),
            [
                (SOAP12.into(), "Sender".into()),
                (
                    "http://www.w3.org/2005/08/addressing".into(),
                    "ActionNotSupported".into()
                )
            ]
        );
        assert!(reply
            .read_fault()
            .unwrap()
            .unwrap()
            .reason()
            .contains("'urn:echo/NoSuchOperation'"));

        let reply = client.call(request("urn:echo/Fail", "x")).await.unwrap();
        assert_eq!(
            reply.headers.action.as_deref(),
            Some(names::WCF_FAULT_ACTION)
        );
        assert_eq!(
            names::WCF_FAULT_ACTION,
            "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher/fault"
        );
        assert_eq!(
            fault_code(&reply),
            [
                (SOAP12.into(), "Receiver".into()),
                (
                    "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"
                        .into(),
                    "InternalServiceFault".into()
                )
            ]
        );
        let reason = reply.read_fault().unwrap().unwrap().reason().to_owned();
        assert!(!reason.contains("kaput"), "no internals by default: {reason}");
        assert!(reason.contains("IncludeExceptionDetailInFaults"), "{reason}");
        client.close().await;
        server.shutdown().await;

        // With include_error_details the handler's message is the reason.
        let (server, _) = server_with_details().await;
        let client = Client::connect(url(&server)).await.unwrap();
        let reply = client.call(request("urn:echo/Fail", "x")).await.unwrap();
        assert_eq!(
            reply.read_fault().unwrap().unwrap().reason(),
            "kaput: secret detail"
        );
        client.close().await;
        server.shutdown().await;
    })
    .await
}

async fn server_with_details() -> (soapws_transport::Server, Arc<Seen>) {
    server(ConnectionConfig {
        include_error_details: true,
        ..ConnectionConfig::default()
    })
    .await
}

#[tokio::test]
async fn one_way_messages_are_handled_and_never_answered() {
    within(10.0, "test", async {
        let (server, seen) = server(ConnectionConfig::default()).await;
        let client = Client::connect(url(&server)).await.unwrap();
        for i in 0..5 {
            client
                .send_one_way(Message::one_way(
                    "urn:echo/Notify",
                    body("Echo", format!("{i}")),
                ))
                .await
                .unwrap();
        }
        // A failing one-way operation does not send a fault either.
        client
            .send_one_way(Message::one_way("urn:echo/NotifyFail", body("Echo", "x")))
            .await
            .unwrap();
        eventually(5.0, "six one-way messages handled", || {
            seen.one_way.load(Ordering::SeqCst) == 6
        })
        .await;
        assert_eq!(client.peer().pending_calls(), 0);
        client.close().await;

        // On the wire: after one-way messages, the next message the server sends is the reply
        // to the following request, and nothing else comes.
        let mut raw = RawWs::connect(server.local_addr(), "/echo").await;
        for action in ["urn:echo/Notify", "urn:echo/NotifyFail", "urn:echo/Notify"] {
            let mut m = Message::one_way(action, body("Echo", "one way"));
            m.headers.to = Some("ws://raw/echo".into());
            raw.send(&m).await;
        }
        raw.echo("the only answer").await;
        eventually(5.0, "nine one-way messages handled", || {
            seen.one_way.load(Ordering::SeqCst) == 9
        })
        .await;
        let extra = tokio::time::timeout(Duration::from_millis(200), raw.ws.next()).await;
        assert!(
            extra.is_err(),
            "unexpected message after the reply: {extra:?}"
        );
        raw.ws.close(None).await.unwrap();
        server.shutdown().await;
    })
    .await
}

#[tokio::test]
async fn callbacks_both_ways_are_correlated() {
    within(10.0, "test", async {
        let (server, seen) = server(ConnectionConfig::default()).await;
        let callbacks = Callbacks::default();
        let client = Arc::new(
            Client::builder(url(&server))
                .callbacks(callbacks.clone())
                .connect()
                .await
                .unwrap(),
        );
        // Several requests at once, each making the server call the client back (one-way and
        // two-way) while it handles them.
        let mut tasks = Vec::new();
        for i in 0..16 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                let reply = client
                    .call(request("urn:echo/Callback", format!("c{i}")))
                    .await
                    .unwrap();
                assert!(!reply.is_fault(), "{:?}", reply.read_fault());
                assert_eq!(text_of(&reply), format!("c{i} / answer to c{i}"));
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let mut notes = callbacks.notes.lock().unwrap().clone();
        notes.sort();
        let mut expected: Vec<String> = (0..16).map(|i| format!("note c{i}")).collect();
        expected.sort();
        assert_eq!(notes, expected, "every one-way callback arrived once");
        let mut replies = seen.callback_replies.lock().unwrap().clone();
        replies.sort();
        let mut expected: Vec<String> = (0..16).map(|i| format!("answer to c{i}")).collect();
        expected.sort();
        assert_eq!(
            replies, expected,
            "every two-way callback got its own reply"
        );
        assert_eq!(client.peer().pending_calls(), 0);
        client.close().await;
        server.shutdown().await;
    })
    .await
}

/// The client calls the server while a server→client callback is in flight: from another task
/// while the callback handler is blocked, and from inside the callback handler itself.
#[tokio::test]
async fn client_calls_the_server_while_a_callback_is_in_flight() {
    within(10.0, "test", async {
        let (server, _) = server(ConnectionConfig::default()).await;

        let gate = Arc::new(Notify::new());
        let (in_flight_tx, mut in_flight) = mpsc::unbounded_channel();
        let client = Arc::new(
            Client::builder(url(&server))
                .callbacks(Callbacks {
                    gate: Some((gate.clone(), in_flight_tx)),
                    ..Callbacks::default()
                })
                .connect()
                .await
                .unwrap(),
        );
        let c = client.clone();
        let outer =
            tokio::spawn(async move { c.call(request("urn:echo/Callback", "outer")).await });
        assert_eq!(in_flight.recv().await.as_deref(), Some("outer"));
        // The callback is being handled on the client and the server's handler waits for it.
        for i in 0..3 {
            let reply = client
                .call(request(ECHO, format!("meanwhile {i}")))
                .await
                .unwrap();
            assert_eq!(text_of(&reply), format!("meanwhile {i}"));
        }
        assert!(!outer.is_finished());
        gate.notify_one();
        let reply = outer.await.unwrap().unwrap();
        assert_eq!(text_of(&reply), "outer / answer to outer");
        client.close().await;

        // The callback handler itself calls the server before answering.
        let client = Client::builder(url(&server))
            .callbacks(Callbacks {
                nested: true,
                ..Callbacks::default()
            })
            .connect()
            .await
            .unwrap();
        let reply = client
            .call(request("urn:echo/Callback", "deep"))
            .await
            .unwrap();
        assert_eq!(text_of(&reply), "deep / answer to deep after nested deep");
        client.close().await;
        server.shutdown().await;
    })
    .await
}

/// A client without a callback service answers the server's two-way callback with
/// ActionNotSupported; the server's handler sees it as a fault reply.
#[tokio::test]
async fn client_without_callbacks_answers_action_not_supported() {
    within(10.0, "test", async {
        let (server, _) = server_with_details().await;
        let client = Client::connect(url(&server)).await.unwrap();
        let reply = client
            .call(request("urn:echo/Callback", "nobody home"))
            .await
            .unwrap();
        let fault = reply
            .read_fault()
            .unwrap()
            .expect("an InternalServiceFault");
        assert_eq!(
            fault.reason().split(':').next(),
            Some("callback fault ActionNotSupported"),
            "{}",
            fault.reason()
        );
        assert!(
            fault.reason().contains("'urn:cb/Ask'"),
            "{}",
            fault.reason()
        );
        // The connection is still usable.
        let reply = client.call(request(ECHO, "ok")).await.unwrap();
        assert_eq!(text_of(&reply), "ok");
        client.close().await;
        server.shutdown().await;
    })
    .await
}

/// 64 concurrent callers sharing one text-encoded socket, 20 calls each, all correlated.
#[tokio::test]
async fn sixty_four_concurrent_callers_on_text_encoding() {
    within(20.0, "test", async {
        let (server, seen) = server(ConnectionConfig::default()).await;
        let client = Arc::new(
            Client::builder(url(&server))
                .encoding(MessageEncoding::Text)
                .connect()
                .await
                .unwrap(),
        );
        let mut tasks = Vec::new();
        for caller in 0..64 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                for n in 0..20 {
                    let text = format!("caller {caller} call {n} <&> \u{e9}");
                    let reply = client.call(request(ECHO, text.clone())).await.unwrap();
                    assert_eq!(text_of(&reply), text);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(seen.started.load(Ordering::SeqCst), 64 * 20);
        assert_eq!(client.peer().pending_calls(), 0);
        client.close().await;
        server.shutdown().await;
    })
    .await
}

/// A raw client can interleave its own requests and see replies out of order: a slow request
/// sent first is answered after a fast one sent second.
#[tokio::test]
async fn replies_come_back_in_completion_order() {
    within(10.0, "test", async {
        let (server, _) = server(ConnectionConfig::default()).await;
        let mut raw = RawWs::connect(server.local_addr(), "/echo").await;
        let mut slow = request("urn:echo/Slow", "slow");
        slow.headers.to = Some("ws://raw/echo".into());
        let slow_id = slow.headers.message_id.clone().unwrap();
        let mut fast = request(ECHO, "fast");
        fast.headers.to = Some("ws://raw/echo".into());
        let fast_id = fast.headers.message_id.clone().unwrap();
        let (a, b) = (raw.encode(&slow), raw.encode(&fast));
        raw.ws
            .send(tokio_tungstenite::tungstenite::Message::Binary(a))
            .await
            .unwrap();
        raw.ws
            .send(tokio_tungstenite::tungstenite::Message::Binary(b))
            .await
            .unwrap();
        let first = raw.receive().await;
        let second = raw.receive().await;
        assert_eq!(first.headers.relates_to.unwrap().id, fast_id);
        assert_eq!(second.headers.relates_to.unwrap().id, slow_id);
        raw.ws.close(None).await.unwrap();
        server.shutdown().await;
    })
    .await
}

/// Records one-way texts; `slow` ones take 150 ms. Answers `Echo` at once.
#[derive(Clone, Default)]
struct Ordered(Arc<Mutex<Vec<String>>>);

#[async_trait]
impl Service for Ordered {
    async fn call(
        &self,
        request: Message,
        _: RequestContext,
    ) -> Result<Option<Message>, ServiceError> {
        let text = text_of(&request);
        if request.headers.action.as_deref() == Some(ECHO) {
            self.0.lock().unwrap().push(format!("request {text}"));
            return Ok(Some(echo_reply(text)));
        }
        if text.starts_with("slow") {
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        self.0.lock().unwrap().push(text);
        Ok(None)
    }
}

/// One-way messages are handled one after another in arrival order (a slow one is not
/// overtaken), and a request sent after them is handled after them, as a WCF session does;
/// requests do not wait for each other (see `replies_come_back_in_completion_order`).
#[tokio::test]
async fn one_way_messages_are_handled_in_order_and_before_the_request_after_them() {
    within(10.0, "test", async {
        let seen = Ordered::default();
        let server = soapws_transport::Server::builder()
            .route("/ordered", both(), seen.clone())
            .bind("127.0.0.1:0")
            .await
            .unwrap();
        let client = Client::connect(format!("ws://{}/ordered", server.local_addr()))
            .await
            .unwrap();
        let early = client.call(request(ECHO, "before"));
        assert_eq!(text_of(&early.await.unwrap()), "before");
        for text in ["slow 1", "fast 2", "slow 3", "fast 4"] {
            client
                .send_one_way(Message::one_way("urn:ordered/Note", body("Note", text)))
                .await
                .unwrap();
        }
        let reply = client.call(request(ECHO, "after")).await.unwrap();
        assert_eq!(text_of(&reply), "after");
        assert_eq!(
            *seen.0.lock().unwrap(),
            [
                "request before",
                "slow 1",
                "fast 2",
                "slow 3",
                "fast 4",
                "request after"
            ]
        );
        client.close().await;
        server.shutdown().await;
    })
    .await
}

/// Answers with what `RequestContext::current()` says, read two awaits below `call`.
struct WhoAmI;

async fn describe_current() -> String {
    tokio::task::yield_now().await;
    match RequestContext::current() {
        Some(c) => format!(
            "{} {} {}",
            c.path,
            c.remote_addr
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
            c.peer.id()
        ),
        None => "none".into(),
    }
}

#[async_trait]
impl Service for WhoAmI {
    async fn call(
        &self,
        _: Message,
        context: RequestContext,
    ) -> Result<Option<Message>, ServiceError> {
        let current = describe_current().await;
        // The current context is the one `call` was given.
        assert!(current.ends_with(&format!(" {}", context.peer.id())));
        // A spawned task does not inherit it.
        let spawned = tokio::spawn(describe_current()).await.unwrap();
        Ok(Some(echo_reply(format!("{current} / {spawned}"))))
    }
}

#[tokio::test]
async fn the_current_request_context_is_visible_below_the_service_call() {
    within(10.0, "test", async {
        let server = soapws_transport::Server::builder()
            .route("/who", both(), WhoAmI)
            .bind("127.0.0.1:0")
            .await
            .unwrap();
        assert!(RequestContext::current().is_none());
        let url = format!("ws://{}/who", server.local_addr());
        let first = Client::builder(url.as_str()).connect().await.unwrap();
        let second = Client::builder(url.as_str()).connect().await.unwrap();
        let a = text_of(&first.call(request(ECHO, "")).await.unwrap());
        let b = text_of(&second.call(request(ECHO, "")).await.unwrap());
        assert!(
            a.starts_with("/who 127.0.0.1 ") && a.ends_with(" / none"),
            "{a}"
        );
        // Each connection is its own session.
        assert_ne!(a, b);
        assert_eq!(a, text_of(&first.call(request(ECHO, "")).await.unwrap()));
        server.shutdown().await;
    })
    .await
}

#[tokio::test]
async fn a_refused_client_sees_the_encoding_the_server_expects() {
    within(10.0, "test", async {
        let server = soapws_transport::Server::builder()
            .route(
                "/binary",
                soapws_transport::handshake::EndpointConfig::new(MessageEncoding::BinarySession),
                WhoAmI,
            )
            .bind("127.0.0.1:0")
            .await
            .unwrap();
        let refused = Client::builder(format!("ws://{}/binary", server.local_addr()))
            .encoding(MessageEncoding::Text)
            .connect()
            .await;
        match refused {
            Err(soapws_transport::ConnectError::Refused(r)) => {
                assert_eq!(r.status.as_u16(), 400);
                assert_eq!(
                    r.soap_content_type(),
                    Some("application/soap+msbinsession1")
                );
                assert_eq!(r.header("microsoft-binary-transfer-mode"), Some("Buffered"));
            }
            Err(e) => panic!("expected a refusal, got {e}"),
            Ok(_) => panic!("a text client was accepted at a binary endpoint"),
        }
        server.shutdown().await;
    })
    .await
}
