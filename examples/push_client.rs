//! Calls the WebSocket scenario services of the `calculator` example: uploads and downloads data
//! and a stream, lets the service push data and streams through `IPushCallback` for a moment,
//! then prints the session log.
//!
//! `cargo run --release --example push_client [-- ws://HOST:PORT]`

use std::time::Duration;

use soapws_examples::websocket_scenarios::{
    self as ws, WSDuplexServiceCallback, WSDuplexServiceClient,
};

/// Prints what the service pushes.
struct Printer;

#[soapws::async_trait]
impl WSDuplexServiceCallback for Printer {
    async fn receive_data(&self, r: ws::ReceiveData) -> Result<(), soapws::envelope::Fault> {
        println!("  pushed data: {}", r.data.unwrap_or_default());
        Ok(())
    }

    async fn receive_stream(&self, r: ws::ReceiveStream) -> Result<(), soapws::envelope::Fault> {
        println!(
            "  pushed stream: {} bytes",
            r.stream.unwrap_or_default().len()
        );
        Ok(())
    }

    async fn receive_log(&self, r: ws::ReceiveLog) -> Result<(), soapws::envelope::Fault> {
        println!("session log:");
        for line in r.log.unwrap_or_default() {
            println!("  {line}");
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:8080".into());
    let client =
        WSDuplexServiceClient::connect_with_callbacks(&format!("{base}/push"), Printer).await?;
    client
        .upload_data(ws::UploadData {
            data: Some("hello from Rust".into()),
        })
        .await?;
    let data = client
        .download_data(ws::DownloadData {})
        .await?
        .download_data_result;
    println!("DownloadData() = {data:?}");
    client
        .upload_stream(ws::UploadStream {
            stream: Some(vec![7; 4096]),
        })
        .await?;
    let stream = client
        .download_stream(ws::DownloadStream {})
        .await?
        .download_stream_result;
    println!(
        "DownloadStream() = {} bytes",
        stream.unwrap_or_default().len()
    );

    client.start_pushing_data(ws::StartPushingData {}).await?;
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.stop_pushing_data(ws::StopPushingData {}).await?;
    client
        .start_pushing_stream(ws::StartPushingStream {})
        .await?;
    tokio::time::sleep(Duration::from_millis(30)).await;
    client.stop_pushing_stream(ws::StopPushingStream {}).await?;
    client.get_log(ws::GetLog {}).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    client.inner().close().await;
    Ok(())
}
