//! The client: connects with the handshake .NET sends, then exposes the duplex session.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use soapws_envelope::Message;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tracing::debug;

use crate::config::ConnectionConfig;
use crate::connection::{self, Setup};
use crate::error::{CallError, ConnectError, Refusal};
use crate::handshake::{
    MessageEncoding, TransferMode, BINARY_TRANSFER_MODE, SOAP_CONTENT_TYPE, SOAP_SUBPROTOCOL,
};
use crate::peer::{CloseInfo, ConnectionState, Peer};
use crate::service::Service;
use crate::tls::ClientTls;
use crate::wire;

/// Builds a [`Client`].
#[derive(Clone)]
pub struct ClientBuilder {
    url: String,
    encoding: MessageEncoding,
    transfer_mode: TransferMode,
    config: ConnectionConfig,
    call_timeout: Duration,
    open_timeout: Duration,
    callbacks: Option<Arc<dyn Service>>,
    tls: Option<ClientTls>,
    headers: Vec<(String, String)>,
    reconnect: Option<ReconnectPolicy>,
}

/// How a long-lived client reopens its connection after it closed or dropped: before the next
/// call or send, up to `max_attempts` connects, waiting `initial_backoff`, doubling up to
/// `max_backoff` between them. Calls in flight when the connection ends are not retried.
#[derive(Debug, Clone)]
pub struct ReconnectPolicy {
    /// Wait before the second attempt.
    pub initial_backoff: Duration,
    /// Longest wait between attempts.
    pub max_backoff: Duration,
    /// Attempts before giving up (the call then fails with [`CallError::Closed`]).
    pub max_attempts: u32,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
            max_attempts: 10,
        }
    }
}

impl ClientBuilder {
    /// Reopens the connection when it has closed, before the next call (off by default).
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = Some(policy);
        self
    }

    /// The encoding (default: binary session, what `NetHttpBinding` uses).
    pub fn encoding(mut self, encoding: MessageEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The transfer mode announced for binary (default: Buffered).
    pub fn transfer_mode(mut self, mode: TransferMode) -> Self {
        self.transfer_mode = mode;
        self
    }

    /// Limits and timeouts of the connection.
    pub fn config(mut self, config: ConnectionConfig) -> Self {
        self.config = config;
        self
    }

    /// How long a call waits for its reply (default 1 minute, WCF's `SendTimeout`).
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// How long opening may take: TCP, TLS and the WebSocket handshake (default 1 minute,
    /// WCF's `OpenTimeout`).
    pub fn open_timeout(mut self, timeout: Duration) -> Self {
        self.open_timeout = timeout;
        self
    }

    /// Handles requests the server sends on the connection (duplex callbacks).
    pub fn callbacks(mut self, service: impl Service) -> Self {
        self.callbacks = Some(Arc::new(service));
        self
    }

    /// TLS for `wss://` URLs (default: the system's roots).
    pub fn tls(mut self, tls: ClientTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// An extra handshake header (e.g. `Authorization`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Opens the connection, within the open timeout.
    pub async fn connect(&self) -> Result<Client, ConnectError> {
        tokio::time::timeout(self.open_timeout, self.open())
            .await
            .map_err(|_| ConnectError::Timeout(self.open_timeout))?
    }

    async fn open(&self) -> Result<Client, ConnectError> {
        let uri: http::Uri = self
            .url
            .parse()
            .map_err(|_| ConnectError::Url(self.url.clone()))?;
        let secure = match uri.scheme_str() {
            Some("ws") => false,
            Some("wss") => true,
            _ => return Err(ConnectError::Url(self.url.clone())),
        };
        let host = uri
            .host()
            .ok_or_else(|| ConnectError::Url(self.url.clone()))?
            .to_owned();
        let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
        let tcp = TcpStream::connect((host.as_str(), port)).await?;
        tcp.set_nodelay(true)?;
        let request = self.request()?;
        let ws_config = Some(self.config.websocket());
        let peer = if secure {
            let tls = self
                .tls
                .clone()
                .unwrap_or(ClientTls::SystemRoots)
                .config()
                .map_err(|e| ConnectError::Tls(e.0))?;
            let name = rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|e| ConnectError::Tls(e.to_string()))?;
            let stream = tokio_rustls::TlsConnector::from(tls)
                .connect(name, tcp)
                .await?;
            let (ws, response) =
                tokio_tungstenite::client_async_with_config(request, stream, ws_config)
                    .await
                    .map_err(handshake_error)?;
            check_subprotocol(&response)?;
            connection::spawn(ws, self.setup())
        } else {
            let (ws, response) =
                tokio_tungstenite::client_async_with_config(request, tcp, ws_config)
                    .await
                    .map_err(handshake_error)?;
            check_subprotocol(&response)?;
            connection::spawn(ws, self.setup())
        };
        debug!(url = %self.url, encoding = ?self.encoding, "connected");
        Ok(Client {
            peer: Arc::new(Mutex::new(peer)),
            builder: self.clone(),
        })
    }

    /// The handshake .NET's client sends: subprotocol `soap`, `soap-content-type`, and for binary
    /// `microsoft-binary-transfer-mode`.
    fn request(&self) -> Result<http::Request<()>, ConnectError> {
        let mut request = self
            .url
            .as_str()
            .into_client_request()
            .map_err(|e| ConnectError::Url(e.to_string()))?;
        let headers = request.headers_mut();
        let value = |v: &str| {
            http::HeaderValue::from_str(v)
                .map_err(|_| ConnectError::Url(format!("bad header value {v:?}")))
        };
        headers.insert(SOAP_CONTENT_TYPE, value(self.encoding.content_type())?);
        if self.encoding == MessageEncoding::BinarySession {
            headers.insert(BINARY_TRANSFER_MODE, value(self.transfer_mode.as_str())?);
        }
        headers.insert(
            http::header::SEC_WEBSOCKET_PROTOCOL,
            value(SOAP_SUBPROTOCOL)?,
        );
        headers.insert(http::header::SEC_WEBSOCKET_KEY, value(&generate_key())?);
        for (name, v) in &self.headers {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| ConnectError::Url(format!("bad header name {name:?}")))?;
            headers.append(name, value(v)?);
        }
        Ok(request)
    }

    fn setup(&self) -> Setup {
        let (incoming, outgoing) = wire::encodings(self.encoding, self.transfer_mode, false);
        Setup {
            incoming,
            outgoing,
            outgoing_streamed: wire::sends_streamed(self.encoding, self.transfer_mode, false),
            config: self.config.clone(),
            service: self.callbacks.clone(),
            path: http::Uri::try_from(self.url.as_str())
                .map(|u| u.path().to_owned())
                .unwrap_or_default()
                .into(),
            remote_addr: None,
            remote_to: self.url.clone(),
            call_timeout: self.call_timeout,
            shutdown: None,
            active: None,
        }
    }
}

fn check_subprotocol(response: &http::Response<Option<Vec<u8>>>) -> Result<(), ConnectError> {
    let echoed = response
        .headers()
        .get(http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(SOAP_SUBPROTOCOL));
    if echoed {
        Ok(())
    } else {
        Err(ConnectError::Subprotocol)
    }
}

/// A connection to a SOAP-over-WebSocket service. Clones share the connection.
#[derive(Clone)]
pub struct Client {
    peer: Arc<Mutex<Peer>>,
    builder: ClientBuilder,
}

impl Client {
    /// A client builder for `ws://…` or `wss://…`.
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            url: url.into(),
            encoding: MessageEncoding::BinarySession,
            transfer_mode: TransferMode::Buffered,
            config: ConnectionConfig::default(),
            call_timeout: Duration::from_secs(60),
            open_timeout: Duration::from_secs(60),
            callbacks: None,
            tls: None,
            headers: Vec::new(),
            reconnect: None,
        }
    }

    /// Connects with the defaults (binary session, buffered).
    pub async fn connect(url: impl Into<String>) -> Result<Self, ConnectError> {
        Self::builder(url).connect().await
    }

    /// Sends a request and waits for its reply.
    pub async fn call(&self, request: Message) -> Result<Message, CallError> {
        self.live_peer().await?.call(request).await
    }

    /// Sends a one-way message.
    pub async fn send_one_way(&self, message: Message) -> Result<(), CallError> {
        self.live_peer().await?.send_one_way(message).await
    }

    /// Closes the connection (Close 1000, then waits for the server's Close).
    pub async fn close(&self) {
        self.peer().close().await;
    }

    /// The connection's state.
    pub fn state(&self) -> ConnectionState {
        self.peer().state()
    }

    /// Waits until the connection is closed or dropped.
    pub async fn closed(&self) -> CloseInfo {
        self.peer().closed().await
    }

    /// The duplex session handle of the current connection.
    pub fn peer(&self) -> Peer {
        self.peer.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Opens a new connection with the same settings (e.g. after the server closed this one).
    pub async fn reconnect(&self) -> Result<Self, ConnectError> {
        self.builder.connect().await
    }

    /// The current connection, reopened first under the reconnect policy if it has ended.
    async fn live_peer(&self) -> Result<Peer, CallError> {
        let peer = self.peer();
        let Some(policy) = &self.builder.reconnect else {
            return Ok(peer);
        };
        if !matches!(peer.state(), ConnectionState::Closed(_)) {
            return Ok(peer);
        }
        let mut backoff = policy.initial_backoff;
        for attempt in 1..=policy.max_attempts.max(1) {
            match self.builder.connect().await {
                Ok(fresh) => {
                    let fresh = fresh.peer();
                    *self.peer.lock().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
                    debug!(attempt, "reconnected");
                    return Ok(fresh);
                }
                Err(e) => {
                    debug!(attempt, error = %e, "reconnect failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(policy.max_backoff);
                }
            }
        }
        Err(CallError::Closed)
    }
}

/// The error of a failed client handshake: an HTTP refusal keeps its status, headers and body.
fn handshake_error(e: tokio_tungstenite::tungstenite::Error) -> ConnectError {
    match e {
        tokio_tungstenite::tungstenite::Error::Http(response) => {
            ConnectError::Refused(Box::new(Refusal {
                status: response.status(),
                headers: response.headers().clone(),
                body: response
                    .body()
                    .as_deref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default(),
            }))
        }
        other => ConnectError::Handshake(other.to_string()),
    }
}
