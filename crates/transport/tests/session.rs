//! End-to-end over 127.0.0.1: a soapws client and server, in both encodings.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use soapws_envelope::xml::XmlReadExt;
use soapws_envelope::Message;
use soapws_nbfs::{Value, Writer, XmlString};
use soapws_transport::handshake::{EndpointConfig, MessageEncoding};
use soapws_transport::{Client, RequestContext, Server, Service, ServiceError};

const NS: &str = "urn:echo";

fn echo_body(
    text: String,
) -> impl Fn(&mut Writer<'_>) -> Result<(), soapws_nbfs::EncodeError> + Send + Sync {
    move |w| {
        w.start_element(
            None,
            XmlString::dynamic("Echo"),
            Some(XmlString::dynamic(NS)),
        )?;
        w.start_element(None, XmlString::dynamic("text"), None)?;
        w.value(&Value::Str(&text))?;
        w.end_element()?;
        w.end_element()
    }
}

fn read_echo(m: &Message) -> String {
    let mut r = m.body_reader().unwrap();
    r.read_start_element("Echo", NS).unwrap();
    r.read_element_string().unwrap()
}

struct Echo;

#[async_trait]
impl Service for Echo {
    async fn call(
        &self,
        request: Message,
        _: RequestContext,
    ) -> Result<Option<Message>, ServiceError> {
        match request.headers.action.as_deref() {
            Some("urn:echo/Echo") => {
                let text = read_echo(&request);
                Ok(Some(Message::one_way(
                    "urn:echo/EchoResponse",
                    echo_body(text),
                )))
            }
            Some("urn:echo/Fail") => Err(ServiceError::Internal("kaput".into())),
            other => Err(ServiceError::ActionNotSupported(
                other.unwrap_or_default().into(),
            )),
        }
    }
}

async fn server() -> Server {
    let endpoint =
        EndpointConfig::new(MessageEncoding::BinarySession).with_encoding(MessageEncoding::Text);
    Server::builder()
        .route("/echo", endpoint, Echo)
        .bind("127.0.0.1:0")
        .await
        .unwrap()
}

#[tokio::test]
async fn request_reply_in_both_encodings() {
    let server = server().await;
    for encoding in [MessageEncoding::BinarySession, MessageEncoding::Text] {
        let url = format!("ws://{}/echo", server.local_addr());
        let client = Client::builder(url)
            .encoding(encoding)
            .connect()
            .await
            .unwrap();
        for i in 0..20 {
            let reply = client
                .call(Message::request(
                    "urn:echo/Echo",
                    echo_body(format!("hello {i}")),
                ))
                .await
                .unwrap();
            assert_eq!(
                reply.headers.action.as_deref(),
                Some("urn:echo/EchoResponse")
            );
            assert_eq!(read_echo(&reply), format!("hello {i}"));
        }
        let fault = client
            .call(Message::request("urn:echo/Fail", echo_body(String::new())))
            .await
            .unwrap();
        let f = fault.read_fault().unwrap().unwrap();
        assert_eq!(f.code.chain().last().unwrap().name, "InternalServiceFault");
        assert!(!f.reason().contains("kaput"), "no internals by default");
        let fault = client
            .call(Message::request("urn:echo/Nope", echo_body(String::new())))
            .await
            .unwrap();
        assert_eq!(
            fault
                .read_fault()
                .unwrap()
                .unwrap()
                .code
                .chain()
                .last()
                .unwrap()
                .name,
            "ActionNotSupported"
        );
        client.close().await;
        let info = client.closed().await;
        assert_eq!(info.code, Some(1000));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn many_concurrent_calls_on_one_socket_are_correlated() {
    let server = server().await;
    let client = Arc::new(
        Client::connect(format!("ws://{}/echo", server.local_addr()))
            .await
            .unwrap(),
    );
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            let reply = c
                .call(Message::request(
                    "urn:echo/Echo",
                    echo_body(format!("n{i}")),
                ))
                .await
                .unwrap();
            assert_eq!(read_echo(&reply), format!("n{i}"));
        }));
    }
    for t in tasks {
        tokio::time::timeout(Duration::from_secs(30), t)
            .await
            .unwrap()
            .unwrap();
    }
    assert_eq!(client.peer().pending_calls(), 0);
    server.shutdown().await;
}

struct Panics;

#[async_trait]
impl Service for Panics {
    async fn call(&self, _: Message, _: RequestContext) -> Result<Option<Message>, ServiceError> {
        panic!("handler bug");
    }
}

#[tokio::test]
async fn a_panicking_handler_answers_with_a_receiver_fault() {
    let endpoint = EndpointConfig::new(MessageEncoding::BinarySession);
    let server = Server::builder()
        .route("/p", endpoint, Panics)
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let client = Client::builder(format!("ws://{}/p", server.local_addr()))
        .call_timeout(Duration::from_secs(5))
        .connect()
        .await
        .unwrap();
    let reply = client
        .call(Message::request("urn:x", echo_body(String::new())))
        .await
        .unwrap();
    let fault = reply.read_fault().unwrap().unwrap();
    assert_eq!(
        fault.code.chain().last().unwrap().name,
        "InternalServiceFault"
    );
    // The connection is still usable.
    assert!(client
        .call(Message::request("urn:x", echo_body(String::new())))
        .await
        .is_ok());
    server.shutdown().await;
}

#[tokio::test]
async fn streamed_transfer_modes_use_plain_binary_and_fragments() {
    use soapws_transport::handshake::TransferMode;
    for mode in [
        TransferMode::Streamed,
        TransferMode::StreamedRequest,
        TransferMode::StreamedResponse,
    ] {
        let endpoint = EndpointConfig::new(MessageEncoding::BinarySession).with_transfer_mode(mode);
        let server = Server::builder()
            .route("/echo", endpoint, Echo)
            .bind("127.0.0.1:0")
            .await
            .unwrap();
        let client = Client::builder(format!("ws://{}/echo", server.local_addr()))
            .transfer_mode(mode)
            .connect()
            .await
            .unwrap();
        for i in 0..3 {
            let big = "x".repeat(40_000 + i);
            let reply = client
                .call(Message::request("urn:echo/Echo", echo_body(big.clone())))
                .await
                .unwrap();
            assert_eq!(read_echo(&reply), big, "{mode}");
        }
        client.close().await;
        server.shutdown().await;
    }
}

struct ClosesOnBye;

#[async_trait]
impl Service for ClosesOnBye {
    async fn call(
        &self,
        request: Message,
        context: RequestContext,
    ) -> Result<Option<Message>, ServiceError> {
        if request.headers.action.as_deref() == Some("urn:echo/Bye") {
            context.peer.close().await;
            return Ok(None);
        }
        Echo.call(request, context).await
    }
}

#[tokio::test]
async fn a_client_with_a_reconnect_policy_reopens_a_closed_connection() {
    use soapws_transport::{ConnectionState, ReconnectPolicy};
    let endpoint = EndpointConfig::new(MessageEncoding::BinarySession);
    let server = Server::builder()
        .route("/echo", endpoint, ClosesOnBye)
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("ws://{}/echo", server.local_addr());
    let plain = Client::connect(url.clone()).await.unwrap();
    let policy = ReconnectPolicy {
        initial_backoff: Duration::from_millis(10),
        ..ReconnectPolicy::default()
    };
    let client = Client::builder(url)
        .reconnect(policy)
        .connect()
        .await
        .unwrap();
    for c in [&plain, &client] {
        c.send_one_way(Message::one_way("urn:echo/Bye", echo_body(String::new())))
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(5), c.closed())
            .await
            .unwrap();
        assert!(matches!(c.state(), ConnectionState::Closed(_)));
    }
    assert!(plain
        .call(Message::request("urn:echo/Echo", echo_body("x".into())))
        .await
        .is_err());
    let reply = client
        .call(Message::request("urn:echo/Echo", echo_body("again".into())))
        .await
        .unwrap();
    assert_eq!(read_echo(&reply), "again");
    assert_eq!(client.state(), ConnectionState::Open);
    server.shutdown().await;
}
