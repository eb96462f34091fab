//! Helpers shared by the socket-level tests: an echo service with a few extra operations, a raw
//! HTTP/WebSocket client, and time bounds so that nothing can hang.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use soapws_envelope::xml::XmlReadExt;
use soapws_envelope::{
    Encoding, Fault, FaultCode, Message, MessageEncoder, QualifiedName, WriteBody,
};
use soapws_nbfs::{Value, Writer, XmlString};
use soapws_transport::handshake::{EndpointConfig, MessageEncoding};
use soapws_transport::{
    Client, ConnectionConfig, Peer, RequestContext, Server, ServerBuilder, Service, ServiceError,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::WebSocketStream;

pub const NS: &str = "urn:echo";
pub const ECHO: &str = "urn:echo/Echo";
pub const ECHO_REPLY: &str = "urn:echo/EchoResponse";
pub const DECLARED_FAULT_ACTION: &str = "urn:echo/EchoFault";

/// Runs `fut`, failing the test if it takes longer than `secs` seconds.
pub async fn within<T>(secs: f64, what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs_f64(secs), fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {secs} s: {what}"),
    }
}

/// Polls `cond` every 10 ms until it holds, failing after `secs` seconds.
pub async fn eventually(secs: f64, what: &str, mut cond: impl FnMut() -> bool) {
    within(secs, what, async {
        while !cond() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// message bodies

/// `<Echo xmlns="urn:echo"><text>…</text></Echo>` (the element name is `local`).
pub fn body(local: &'static str, text: impl Into<String>) -> TextBody {
    TextBody {
        local,
        text: text.into(),
    }
}

/// A body of one element in [`NS`] holding a `text` element.
pub struct TextBody {
    local: &'static str,
    text: String,
}

impl WriteBody for TextBody {
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), soapws_nbfs::EncodeError> {
        w.start_element(
            None,
            XmlString::dynamic(self.local),
            Some(XmlString::dynamic(NS)),
        )?;
        w.start_element(None, XmlString::dynamic("text"), None)?;
        w.value(&Value::Str(&self.text))?;
        w.end_element()?;
        w.end_element()
    }
}

/// The text of a body written by [`body`], whatever the element name.
pub fn text_of(m: &Message) -> String {
    use soapws_envelope::xml::{Node, XmlRead};
    let mut r = m.body_reader().expect("body reader");
    match r.move_to_content().expect("body content") {
        Some(Node::StartElement(e)) => assert_eq!(e.namespace, NS),
        other => panic!("expected an element, got {other:?}"),
    }
    r.advance().expect("advance");
    r.read_element_string().expect("text element")
}

pub fn request(action: &str, text: impl Into<String>) -> Message {
    Message::request(action.to_owned(), body("Echo", text))
}

// ---------------------------------------------------------------------------------------------
// the service

/// What the test service saw.
#[derive(Default)]
pub struct Seen {
    /// Requests handled (any action), counted when the handler starts.
    pub started: AtomicUsize,
    /// One-way `Notify` messages received.
    pub one_way: AtomicUsize,
    /// Peers captured by `Capture`.
    pub peers: Mutex<Vec<Peer>>,
    /// Replies to the two-way callbacks sent by `Callback`.
    pub callback_replies: Mutex<Vec<String>>,
}

/// The test service:
/// - `Echo` echoes; `Slow` echoes after 200 ms;
/// - `Declared` answers a declared fault (`Sender`/`urn:echo:Declared`, action `EchoFault`);
/// - `Fail` fails with `Internal("kaput: secret detail")`;
/// - `Notify` is one-way (counted); `NotifyFail` is one-way and fails;
/// - `Callback` sends the caller a one-way `urn:cb/Notify` and a two-way `urn:cb/Ask` through
///   `RequestContext::peer` and answers with the callback's reply text;
/// - `CloseMe` asks for the connection to be closed, then replies;
/// - `Capture` keeps the connection's peer in [`Seen::peers`] and echoes.
#[derive(Clone, Default)]
pub struct TestService {
    pub seen: Arc<Seen>,
}

#[async_trait]
impl Service for TestService {
    async fn call(
        &self,
        request: Message,
        context: RequestContext,
    ) -> Result<Option<Message>, ServiceError> {
        self.seen.started.fetch_add(1, Ordering::SeqCst);
        let action = request.headers.action.clone().unwrap_or_default();
        match action.as_str() {
            "urn:echo/Echo" => Ok(Some(echo_reply(text_of(&request)))),
            "urn:echo/Slow" => {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok(Some(echo_reply(text_of(&request))))
            }
            "urn:echo/Declared" => Err(ServiceError::Fault {
                fault: Fault::new(
                    FaultCode::new(QualifiedName::soap("Sender"))
                        .with_subcode(QualifiedName::new("urn:echo", "Declared")),
                    "declared: ".to_owned() + &text_of(&request),
                ),
                action: DECLARED_FAULT_ACTION.into(),
            }),
            "urn:echo/Fail" => Err(ServiceError::Internal("kaput: secret detail".into())),
            "urn:echo/Notify" => {
                self.seen.one_way.fetch_add(1, Ordering::SeqCst);
                Ok(None)
            }
            "urn:echo/NotifyFail" => {
                self.seen.one_way.fetch_add(1, Ordering::SeqCst);
                Err(ServiceError::Internal("one-way failure".into()))
            }
            "urn:echo/Callback" => {
                let text = text_of(&request);
                context
                    .peer
                    .send_one_way(Message::one_way(
                        "urn:cb/Notify",
                        body("Notify", format!("note {text}")),
                    ))
                    .await
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
                let answer = context
                    .peer
                    .call(Message::request("urn:cb/Ask", body("Ask", text.clone())))
                    .await
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
                if let Some(fault) = answer.read_fault().ok().flatten() {
                    let code = fault.code.chain().last().map(|q| q.name.clone());
                    return Err(ServiceError::Internal(format!(
                        "callback fault {}: {}",
                        code.unwrap_or_default(),
                        fault.reason()
                    )));
                }
                let answer_text = text_of(&answer);
                self.seen
                    .callback_replies
                    .lock()
                    .unwrap()
                    .push(answer_text.clone());
                Ok(Some(echo_reply(format!("{text} / {answer_text}"))))
            }
            "urn:echo/CloseMe" => {
                context.peer.close().await;
                Ok(Some(echo_reply("closing")))
            }
            "urn:echo/Capture" => {
                self.seen.peers.lock().unwrap().push(context.peer.clone());
                Ok(Some(echo_reply(text_of(&request))))
            }
            other => Err(ServiceError::ActionNotSupported(other.into())),
        }
    }
}

/// The `EchoResponse` reply carrying `text`.
pub fn echo_reply(text: impl Into<String>) -> Message {
    Message::one_way(ECHO_REPLY, body("Echo", text))
}

/// An endpoint accepting binary session (preferred) and text.
pub fn both() -> EndpointConfig {
    EndpointConfig::new(MessageEncoding::BinarySession).with_encoding(MessageEncoding::Text)
}

/// A builder serving [`TestService`] at `/echo` (binary + text), returning its state.
pub fn builder(config: ConnectionConfig) -> (ServerBuilder, Arc<Seen>) {
    let service = TestService::default();
    let seen = service.seen.clone();
    (
        Server::builder()
            .config(config)
            .route("/echo", both(), service),
        seen,
    )
}

/// A server with [`TestService`] at `/echo` on an ephemeral port.
pub async fn server(config: ConnectionConfig) -> (Server, Arc<Seen>) {
    let (b, seen) = builder(config);
    (b.bind("127.0.0.1:0").await.unwrap(), seen)
}

pub fn url(server: &Server) -> String {
    format!("ws://{}/echo", server.local_addr())
}

/// Connects a default client and checks that an echo call works: the server is healthy.
pub async fn assert_serving(addr: SocketAddr) {
    within(5.0, "healthy client", async {
        let client = Client::connect(format!("ws://{addr}/echo"))
            .await
            .expect("a new client connects");
        let reply = client.call(request(ECHO, "still alive")).await.unwrap();
        assert_eq!(text_of(&reply), "still alive");
        client.close().await;
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// raw HTTP

/// An HTTP response head read off a raw socket.
#[derive(Debug)]
pub struct RawResponse {
    pub status_line: String,
    /// Header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// Bytes read after the head (the body, or the first WebSocket bytes).
    pub rest: Vec<u8>,
}

impl RawResponse {
    /// Every value of the fields called `name` (ASCII case-insensitive).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The single value of `name`; fails if absent or repeated.
    pub fn one(&self, name: &str) -> &str {
        match self.all(name).as_slice() {
            [v] => v,
            other => panic!("expected one '{name}' field, got {other:?} in {self:#?}"),
        }
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.rest).into_owned()
    }
}

/// Writes `head` (with `\n` turned into CRLF) to a new connection and reads the response head.
pub async fn send_head(addr: SocketAddr, head: &str) -> (TcpStream, RawResponse) {
    send_bytes(addr, head.replace('\n', "\r\n").as_bytes()).await
}

pub async fn send_bytes(addr: SocketAddr, bytes: &[u8]) -> (TcpStream, RawResponse) {
    within(5.0, "raw request", async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(bytes).await.unwrap();
        let response = read_response_head(&mut stream).await;
        (stream, response)
    })
    .await
}

/// Reads up to the end of a response head; bytes after it go to `rest`.
pub async fn read_response_head(stream: &mut TcpStream) -> RawResponse {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await.expect("read response");
        assert!(
            n > 0,
            "connection closed before a response head: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..end]).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap().to_owned();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').expect("header field");
            (n.to_owned(), v.trim().to_owned())
        })
        .collect();
    RawResponse {
        status_line,
        headers,
        rest: buf[end + 4..].to_vec(),
    }
}

/// Reads the rest of a non-101 answer to EOF (the server says `Connection: close`).
pub async fn read_to_end(stream: &mut TcpStream, response: &mut RawResponse) {
    within(5.0, "server closes after its answer", async {
        stream.read_to_end(&mut response.rest).await.unwrap();
    })
    .await;
}

/// The .NET Core client's handshake (reference §1.1) for the binary encoding, in its order.
pub fn netcore_binary_head(path: &str, host: &str, key: &str) -> String {
    format!(
        "GET {path} HTTP/1.1
Host: {host}
soap-content-type: application/soap+msbinsession1
microsoft-binary-transfer-mode: Buffered
Connection: Upgrade
Upgrade: websocket
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: {key}
Sec-WebSocket-Protocol: soap

"
    )
}

pub const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// RFC 6455's accept value for [`KEY`].
pub const KEY_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// A raw WebSocket client speaking SOAP with our envelope encoder.
pub struct RawWs {
    pub ws: WebSocketStream<TcpStream>,
    pub encoder: MessageEncoder,
    pub decoder: MessageEncoder,
}

impl RawWs {
    /// Opens a binary-session connection to `path` with the .NET Core handshake.
    pub async fn connect(addr: SocketAddr, path: &str) -> Self {
        let (stream, response) =
            send_head(addr, &netcore_binary_head(path, &addr.to_string(), KEY)).await;
        assert_eq!(response.status_line, "HTTP/1.1 101 Switching Protocols");
        Self::over(stream, response.rest, Encoding::BinarySession).await
    }

    /// Takes over a socket after a 101 (`leftover`: bytes read past the head).
    pub async fn over(stream: TcpStream, leftover: Vec<u8>, encoding: Encoding) -> Self {
        let ws = WebSocketStream::from_partially_read(stream, leftover, Role::Client, None).await;
        Self {
            ws,
            encoder: MessageEncoder::new(encoding),
            decoder: MessageEncoder::new(encoding),
        }
    }

    pub fn encode(&mut self, message: &Message) -> Bytes {
        Bytes::from(self.encoder.encode(message).expect("encode"))
    }

    pub async fn send(&mut self, message: &Message) {
        let bytes = self.encode(message);
        within(5.0, "raw send", self.ws.send(WsMessage::Binary(bytes)))
            .await
            .expect("raw send");
    }

    /// The next WebSocket message of any kind (control frames included).
    pub async fn next_ws(&mut self) -> Option<WsMessage> {
        within(5.0, "raw receive", self.ws.next())
            .await
            .map(|r| r.expect("raw receive"))
    }

    /// The next SOAP message, skipping control frames.
    pub async fn receive(&mut self) -> Message {
        loop {
            match self.next_ws().await {
                Some(WsMessage::Binary(b)) => return self.decoder.decode(b).expect("decode"),
                Some(WsMessage::Text(t)) => {
                    return self.decoder.decode(Bytes::from(t)).expect("decode")
                }
                Some(WsMessage::Ping(_) | WsMessage::Pong(_)) => continue,
                other => panic!("expected a SOAP message, got {other:?}"),
            }
        }
    }

    /// Sends an echo request and checks its correlated reply.
    pub async fn echo(&mut self, text: &str) {
        let mut m = request(ECHO, text);
        m.headers.to = Some("ws://raw/echo".into());
        let id = m.headers.message_id.clone().unwrap();
        self.send(&m).await;
        let reply = self.receive().await;
        assert_eq!(reply.headers.relates_to.as_ref().map(|r| &r.id), Some(&id));
        assert_eq!(reply.headers.action.as_deref(), Some(ECHO_REPLY));
        assert_eq!(text_of(&reply), text);
    }
}
