//! dotnet/wcf's WebSocket scenarios against the example services, with the generated clients,
//! over 127.0.0.1 in binary session and text encoding: data and streams both ways, pushes through
//! callbacks until stopped, the session log, request/reply only.

use std::time::Duration;

use soapws::transport::handshake::MessageEncoding;
use soapws::transport::{Client, Server};
use soapws_examples::websocket_scenarios::{
    self as ws, WSDuplexServiceCallback, WSDuplexServiceCallbackServer, WSDuplexServiceClient,
    WSRequestReplyServiceClient,
};
use soapws_examples::{stream_bytes, DOWNLOAD_DATA, STREAM_LEN};
use tokio::sync::mpsc;

async fn start() -> Server {
    soapws_examples::server()
        .bind("127.0.0.1:0")
        .await
        .expect("bind")
}

/// What `IPushCallback` received.
#[derive(Debug, PartialEq)]
enum Pushed {
    Data(String),
    Stream(Vec<u8>),
    Log(Vec<String>),
}

struct Receiver(mpsc::UnboundedSender<Pushed>);

#[soapws::async_trait]
impl WSDuplexServiceCallback for Receiver {
    async fn receive_data(&self, r: ws::ReceiveData) -> Result<(), soapws::envelope::Fault> {
        let _ = self.0.send(Pushed::Data(r.data.unwrap_or_default()));
        Ok(())
    }

    async fn receive_stream(&self, r: ws::ReceiveStream) -> Result<(), soapws::envelope::Fault> {
        let _ = self.0.send(Pushed::Stream(r.stream.unwrap_or_default()));
        Ok(())
    }

    async fn receive_log(&self, r: ws::ReceiveLog) -> Result<(), soapws::envelope::Fault> {
        let _ = self.0.send(Pushed::Log(r.log.unwrap_or_default()));
        Ok(())
    }
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Pushed>) -> Pushed {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a callback in time")
        .expect("a callback")
}

async fn duplex_client(
    url: &str,
    encoding: MessageEncoding,
    tx: mpsc::UnboundedSender<Pushed>,
) -> WSDuplexServiceClient {
    let client = Client::builder(url)
        .encoding(encoding)
        .callbacks(WSDuplexServiceCallbackServer::new(Receiver(tx)))
        .connect()
        .await
        .expect("connect");
    WSDuplexServiceClient::new(client)
}

#[tokio::test]
async fn duplex_data_streams_pushes_and_log_in_both_encodings() {
    let server = start().await;
    let url = format!("ws://{}/push", server.local_addr());
    for encoding in [MessageEncoding::BinarySession, MessageEncoding::Text] {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let client = duplex_client(&url, encoding, tx).await;
        let data = "x".repeat(3000);
        client
            .upload_data(ws::UploadData { data: Some(data) })
            .await
            .unwrap();
        let down = client.download_data(ws::DownloadData {}).await.unwrap();
        assert_eq!(down.download_data_result.as_deref(), Some(DOWNLOAD_DATA));
        client
            .upload_stream(ws::UploadStream {
                stream: Some(stream_bytes(5000)),
            })
            .await
            .unwrap();
        let stream = client.download_stream(ws::DownloadStream {}).await.unwrap();
        assert_eq!(
            stream.download_stream_result,
            Some(stream_bytes(STREAM_LEN))
        );

        client
            .start_pushing_data(ws::StartPushingData {})
            .await
            .unwrap();
        for n in 0..3 {
            assert_eq!(
                next(&mut rx).await,
                Pushed::Data(format!("push {n}")),
                "{encoding:?}"
            );
        }
        client
            .stop_pushing_data(ws::StopPushingData {})
            .await
            .unwrap();
        client
            .start_pushing_stream(ws::StartPushingStream {})
            .await
            .unwrap();
        // Data pushes sent before the stop may still be on their way.
        let first_stream = loop {
            match next(&mut rx).await {
                Pushed::Data(_) => continue,
                other => break other,
            }
        };
        assert_eq!(first_stream, Pushed::Stream(stream_bytes(STREAM_LEN)));
        client
            .stop_pushing_stream(ws::StopPushingStream {})
            .await
            .unwrap();
        let mut expected = [
            "UploadData: 3000 chars",
            "DownloadData",
            "UploadStream: 5000 bytes",
            "DownloadStream",
            "StartPushingData",
            "StopPushingData (was pushing: true)",
            "StartPushingStream",
            "StopPushingStream (was pushing: true)",
        ];
        // One-way operations run concurrently: the last may still be running when GetLog is,
        // so it is asked again until every entry is there, and the entries compared in any order.
        let mut log = Vec::new();
        for _ in 0..50 {
            client.get_log(ws::GetLog {}).await.unwrap();
            log = loop {
                match next(&mut rx).await {
                    Pushed::Log(log) => break log,
                    _ => continue,
                }
            };
            if log.len() >= expected.len() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        log.sort();
        expected.sort();
        assert_eq!(log, expected, "{encoding:?}");
        client.inner().close().await;
    }
    server.shutdown().await;
}

#[tokio::test]
async fn pushing_stops_when_the_client_goes_away() {
    let server = start().await;
    let url = format!("ws://{}/push", server.local_addr());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let client = duplex_client(&url, MessageEncoding::BinarySession, tx).await;
    client
        .start_pushing_data(ws::StartPushingData {})
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await, Pushed::Data("push 0".into()));
    client.inner().close().await;
    // The push task ends with the connection, and the session's state is dropped.
    tokio::time::timeout(Duration::from_secs(5), async {
        while server.connections() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the connection ends");
    server.shutdown().await;
}

#[tokio::test]
async fn request_reply_contract_in_both_encodings() {
    let server = start().await;
    let url = format!("ws://{}/request-reply", server.local_addr());
    for encoding in [MessageEncoding::BinarySession, MessageEncoding::Text] {
        let client = WSRequestReplyServiceClient::new(
            Client::builder(url.as_str())
                .encoding(encoding)
                .connect()
                .await
                .unwrap(),
        );
        let down = client.download_data(ws::DownloadData {}).await.unwrap();
        assert_eq!(down.download_data_result.as_deref(), Some(DOWNLOAD_DATA));
        client
            .upload_data(ws::UploadData {
                data: Some("hello".into()),
            })
            .await
            .unwrap();
        let stream = client.download_stream(ws::DownloadStream {}).await.unwrap();
        assert_eq!(
            stream.download_stream_result,
            Some(stream_bytes(STREAM_LEN))
        );
        client
            .upload_stream(ws::UploadStream {
                stream: Some(stream_bytes(1234)),
            })
            .await
            .unwrap();
        let log = client
            .get_log(ws::GetLog {})
            .await
            .unwrap()
            .get_log_result
            .unwrap_or_default();
        assert!(
            log.ends_with(&[
                "DownloadData".to_owned(),
                "UploadData: 5 chars".to_owned(),
                "DownloadStream".to_owned(),
                "UploadStream: 1234 bytes".to_owned(),
            ]),
            "{encoding:?}: {log:?}"
        );
        client.inner().close().await;
    }
    server.shutdown().await;
}

/// The two-port WSDL is served at both paths with this server's origin, each port keeping its
/// own path.
#[tokio::test]
async fn multi_port_wsdl_keeps_each_ports_path() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = start().await;
    let mut socket = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    socket
        .write_all(b"GET /request-reply?wsdl HTTP/1.1\r\nHost: example.test:9\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    socket.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains(r#"<soap12:address location="ws://example.test:9/push"/>"#),
        "{response}"
    );
    assert!(
        response.contains(r#"<soap12:address location="ws://example.test:9/request-reply"/>"#),
        "{response}"
    );
    server.shutdown().await;
}
