//! The services of dotnet/wcf's WebSocket scenario tests (`wsdl/websocket-scenarios.wsdl`):
//! data and streams both ways, pushing to the client through callbacks until told to stop, and
//! a log of what the session did.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use soapws::envelope::Fault;

use crate::sessions::Sessions;
use crate::websocket_scenarios as ws;
use ws::{WSDuplexServiceCallbackClient, WSDuplexServiceFault, WSRequestReplyServiceFault};

/// The text `DownloadData` answers.
pub const DOWNLOAD_DATA: &str =
    "Data from the soapws service: the quick brown fox jumps over the lazy dog";

/// The bytes `DownloadStream` answers and the pushes carry: 0, 1, …, 255, 0, 1, … (`len` bytes).
pub fn stream_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| i as u8).collect()
}

/// Size of the streams the services send.
pub const STREAM_LEN: usize = 8 * 1024;

/// How often a pushing session sends.
const PUSH_EVERY: Duration = Duration::from_millis(10);

/// What a session did, and whether it is pushing.
#[derive(Debug, Default)]
struct Session {
    log: Vec<String>,
    pushing_data: Option<Arc<AtomicBool>>,
    pushing_stream: Option<Arc<AtomicBool>>,
}

/// `IWSDuplexService`: per connection, a log and pushes through `IPushCallback`.
#[derive(Debug, Default)]
pub struct PushService {
    sessions: Sessions<Session>,
}

fn callback_failed(e: impl std::fmt::Display) -> WSDuplexServiceFault {
    WSDuplexServiceFault::Soap(Fault::receiver(format!(
        "calling the client back failed: {e}"
    )))
}

impl PushService {
    fn log(&self, callback: &WSDuplexServiceCallbackClient, entry: String) {
        self.sessions.with(&callback.peer, |s| s.log.push(entry));
    }

    /// Starts a task sending `push` every [`PUSH_EVERY`] until the returned flag is cleared or the
    /// client is gone.
    fn start_pushing<F, Fut>(callback: WSDuplexServiceCallbackClient, push: F) -> Arc<AtomicBool>
    where
        F: Fn(WSDuplexServiceCallbackClient, usize) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = bool> + Send,
    {
        let running = Arc::new(AtomicBool::new(true));
        let flag = running.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while flag.load(Ordering::SeqCst) && push(callback.clone(), n).await {
                n += 1;
                tokio::time::sleep(PUSH_EVERY).await;
            }
        });
        running
    }
}

/// Clears a pushing flag, if one is set.
fn stop(flag: Option<Arc<AtomicBool>>) -> bool {
    flag.map(|f| f.swap(false, Ordering::SeqCst))
        .unwrap_or(false)
}

#[soapws::async_trait]
impl ws::WSDuplexService for PushService {
    async fn get_exception_string(
        &self,
        _: ws::GetExceptionString,
        _: WSDuplexServiceCallbackClient,
    ) -> Result<ws::GetExceptionStringResponse, WSDuplexServiceFault> {
        Ok(ws::GetExceptionStringResponse {
            get_exception_string_result: Some(String::new()),
        })
    }

    async fn upload_data(
        &self,
        r: ws::UploadData,
        callback: WSDuplexServiceCallbackClient,
    ) -> Result<ws::UploadDataResponse, WSDuplexServiceFault> {
        self.log(
            &callback,
            format!(
                "UploadData: {} chars",
                r.data.unwrap_or_default().chars().count()
            ),
        );
        Ok(ws::UploadDataResponse {})
    }

    async fn download_data(
        &self,
        _: ws::DownloadData,
        callback: WSDuplexServiceCallbackClient,
    ) -> Result<ws::DownloadDataResponse, WSDuplexServiceFault> {
        self.log(&callback, "DownloadData".into());
        Ok(ws::DownloadDataResponse {
            download_data_result: Some(DOWNLOAD_DATA.into()),
        })
    }

    async fn upload_stream(
        &self,
        r: ws::UploadStream,
        callback: WSDuplexServiceCallbackClient,
    ) -> Result<(), WSDuplexServiceFault> {
        self.log(
            &callback,
            format!("UploadStream: {} bytes", r.stream.unwrap_or_default().len()),
        );
        Ok(())
    }

    async fn download_stream(
        &self,
        _: ws::DownloadStream,
        callback: WSDuplexServiceCallbackClient,
    ) -> Result<ws::DownloadStreamResponse, WSDuplexServiceFault> {
        self.log(&callback, "DownloadStream".into());
        Ok(ws::DownloadStreamResponse {
            download_stream_result: Some(stream_bytes(STREAM_LEN)),
        })
    }

    async fn start_pushing_data(
        &self,
        _: ws::StartPushingData,
        callback: WSDuplexServiceCallbackClient,
    ) -> Result<(), WSDuplexServiceFault> {
        self.log(&callback, "StartPushingData".into());
        let flag = Self::start_pushing(callback.clone(), |cb, n| async move {
            cb.receive_data(ws::ReceiveData {
                data: Some(format!("push {n}")),
            })
            .await
            .is_ok()
        });
        stop(
            self.sessions
                .with(&callback.peer, |s| s.pushing_data.replace(flag)),
        );
        Ok(())
    }

    async fn stop_pushing_data(
        &self,
        _: ws::StopPushingData,
        callback: WSDuplexServiceCallbackClient,
    ) -> Result<(), WSDuplexServiceFault> {
        let was = stop(
            self.sessions
                .with(&callback.peer, |s| s.pushing_data.take()),
        );
        self.log(&callback, format!("StopPushingData (was pushing: {was})"));
        Ok(())
    }

    async fn start_pushing_stream(
        &self,
        _: ws::StartPushingStream,
        callback: WSDuplexServiceCallbackClient,
    ) -> Result<(), WSDuplexServiceFault> {
        self.log(&callback, "StartPushingStream".into());
        let flag = Self::start_pushing(callback.clone(), |cb, _| async move {
            cb.receive_stream(ws::ReceiveStream {
                stream: Some(stream_bytes(STREAM_LEN)),
            })
            .await
            .is_ok()
        });
        stop(
            self.sessions
                .with(&callback.peer, |s| s.pushing_stream.replace(flag)),
        );
        Ok(())
    }

    async fn stop_pushing_stream(
        &self,
        _: ws::StopPushingStream,
        callback: WSDuplexServiceCallbackClient,
    ) -> Result<(), WSDuplexServiceFault> {
        let was = stop(
            self.sessions
                .with(&callback.peer, |s| s.pushing_stream.take()),
        );
        self.log(&callback, format!("StopPushingStream (was pushing: {was})"));
        Ok(())
    }

    async fn get_log(
        &self,
        _: ws::GetLog,
        callback: WSDuplexServiceCallbackClient,
    ) -> Result<(), WSDuplexServiceFault> {
        let log = self.sessions.with(&callback.peer, |s| s.log.clone());
        callback
            .receive_log(ws::ReceiveLog { log: Some(log) })
            .await
            .map_err(callback_failed)
    }
}

/// `IWSRequestReplyService`: the same data and streams, request/reply only, with one log for
/// the service (its operations get no session to keep one per connection).
#[derive(Debug, Default)]
pub struct RequestReplyService {
    log: std::sync::Mutex<Vec<String>>,
}

impl RequestReplyService {
    fn log(&self, entry: String) {
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(entry);
    }
}

#[soapws::async_trait]
impl ws::WSRequestReplyService for RequestReplyService {
    async fn download_data(
        &self,
        _: ws::DownloadData,
    ) -> Result<ws::DownloadDataResponse, WSRequestReplyServiceFault> {
        self.log("DownloadData".into());
        Ok(ws::DownloadDataResponse {
            download_data_result: Some(DOWNLOAD_DATA.into()),
        })
    }

    async fn upload_data(
        &self,
        r: ws::UploadData,
    ) -> Result<ws::UploadDataResponse, WSRequestReplyServiceFault> {
        self.log(format!(
            "UploadData: {} chars",
            r.data.unwrap_or_default().chars().count()
        ));
        Ok(ws::UploadDataResponse {})
    }

    async fn download_stream(
        &self,
        _: ws::DownloadStream,
    ) -> Result<ws::DownloadStreamResponse, WSRequestReplyServiceFault> {
        self.log("DownloadStream".into());
        Ok(ws::DownloadStreamResponse {
            download_stream_result: Some(stream_bytes(STREAM_LEN)),
        })
    }

    async fn upload_stream(
        &self,
        r: ws::UploadStream,
    ) -> Result<ws::UploadStreamResponse, WSRequestReplyServiceFault> {
        self.log(format!(
            "UploadStream: {} bytes",
            r.stream.unwrap_or_default().len()
        ));
        Ok(ws::UploadStreamResponse {})
    }

    async fn get_log(
        &self,
        _: ws::GetLog,
    ) -> Result<ws::GetLogResponse, WSRequestReplyServiceFault> {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Ok(ws::GetLogResponse {
            get_log_result: Some(log),
        })
    }
}
