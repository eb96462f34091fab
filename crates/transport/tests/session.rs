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
