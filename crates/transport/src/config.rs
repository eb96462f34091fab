//! Limits and timeouts of a duplex session, with WCF's defaults.

use std::time::Duration;

use soapws_nbfs::Quotas;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Bytes of queued frames at which the WebSocket writes out before a flush. Messages sent
/// together are flushed once; the buffer grows only as far as it is used.
const WRITE_BUFFER_SIZE: usize = 64 * 1024;

/// Settings of one connection, on either side.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// Largest message accepted (WCF `MaxReceivedMessageSize`, default 65536). A larger one
    /// closes the connection with 1009; other connections are unaffected.
    pub max_message_size: usize,
    /// A connection that receives nothing for this long is dropped (WCF `ReceiveTimeout`, which
    /// is also the idle timeout of duplex sessions: 10 minutes).
    pub idle_timeout: Duration,
    /// Requests from the peer handled at once on this connection; further requests wait.
    pub max_concurrent_calls: usize,
    /// Send an unsolicited Pong this often (what .NET does for keep-alive); `None` = never.
    pub keep_alive: Option<Duration>,
    /// How long to wait for the peer's Close frame after sending ours.
    pub close_timeout: Duration,
    /// Put handler error messages in Receiver faults (WCF `IncludeExceptionDetailInFaults`).
    pub include_error_details: bool,
    /// WCF's `MaxSessionSize`: bytes of session strings per direction (binary session).
    pub max_session_size: usize,
    /// Size of the WebSocket read buffer. The default 4 KiB keeps an idle connection small.
    pub read_buffer_size: usize,
    /// Limits on the XML of received messages (WCF `ReaderQuotas`). `None`: depth 32, strings
    /// up to `max_message_size`, arrays of 65536 items, and WCF's 4096 bytes per read and 16384
    /// characters of names.
    pub reader_quotas: Option<Quotas>,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self {
            max_message_size: 65_536,
            idle_timeout: Duration::from_secs(600),
            max_concurrent_calls: 64,
            keep_alive: None,
            close_timeout: Duration::from_secs(10),
            include_error_details: false,
            max_session_size: 2048,
            read_buffer_size: 4096,
            reader_quotas: None,
        }
    }
}

impl ConnectionConfig {
    /// The reader quotas in effect (see [`ConnectionConfig::reader_quotas`]).
    pub fn effective_reader_quotas(&self) -> Quotas {
        self.reader_quotas.unwrap_or(Quotas {
            max_depth: 32,
            max_string_content_length: self.max_message_size,
            max_array_length: 65_536,
            ..Quotas::WCF
        })
    }

    pub(crate) fn websocket(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .read_buffer_size(self.read_buffer_size)
            .write_buffer_size(WRITE_BUFFER_SIZE)
            .max_message_size(Some(self.max_message_size))
            .max_frame_size(Some(self.max_message_size))
    }
}
