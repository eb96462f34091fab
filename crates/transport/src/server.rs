//! The server: one port, many services by path; WCF's handshake rules; graceful shutdown.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;
use tracing::{debug, info, info_span, warn, Instrument};

use crate::config::ConnectionConfig;
use crate::connection::{self, Setup};
use crate::handshake::{decide, Decision, EndpointConfig, Rejection};
use crate::http_io::{read_head, write_response};
use crate::service::Service;
use crate::wire;

/// How long a client may take to send its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

struct Route {
    endpoint: EndpointConfig,
    service: Arc<dyn Service>,
    wsdl: Option<Arc<str>>,
}

/// Builds a [`Server`].
pub struct ServerBuilder {
    routes: HashMap<String, Route>,
    config: ConnectionConfig,
    max_connections: usize,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl ServerBuilder {
    /// Serves `service` at `path` with the encodings and transfer mode of `endpoint`.
    pub fn route(mut self, path: &str, endpoint: EndpointConfig, service: impl Service) -> Self {
        self.routes.insert(
            path.to_owned(),
            Route {
                endpoint,
                service: Arc::new(service),
                wsdl: None,
            },
        );
        self
    }

    /// Serves `wsdl` at `path?wsdl` (an endpoint added with [`ServerBuilder::route`]); its
    /// `soap12:address`/`soap:address` locations are set to the address the client used.
    pub fn wsdl(mut self, path: &str, wsdl: impl Into<Arc<str>>) -> Self {
        if let Some(r) = self.routes.get_mut(path) {
            r.wsdl = Some(wsdl.into());
        }
        self
    }

    /// Connection limits and timeouts.
    pub fn config(mut self, config: ConnectionConfig) -> Self {
        self.config = config;
        self
    }

    /// Connections served at once; more are answered 503.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// Serves `wss://` with this TLS configuration (see [`crate::tls::server_config`]).
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(tokio_rustls::TlsAcceptor::from(config));
        self
    }

    /// Binds `addr` and starts serving.
    pub async fn bind(self, addr: impl tokio::net::ToSocketAddrs) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        Ok(self.serve(listener))
    }

    /// Starts serving on a bound listener.
    pub fn serve(self, listener: TcpListener) -> Server {
        let local_addr = listener.local_addr().ok();
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let active = Arc::new(AtomicUsize::new(0));
        let inner = Arc::new(Inner {
            routes: self.routes,
            config: self.config,
            max_connections: self.max_connections,
            tls: self.tls,
            active: active.clone(),
            shutdown: shutdown_rx.clone(),
        });
        let task = tokio::spawn(accept_loop(listener, inner, shutdown_rx));
        Server {
            local_addr,
            shutdown: shutdown_tx,
            task,
            active,
        }
    }
}

struct Inner {
    routes: HashMap<String, Route>,
    config: ConnectionConfig,
    max_connections: usize,
    tls: Option<tokio_rustls::TlsAcceptor>,
    active: Arc<AtomicUsize>,
    shutdown: watch::Receiver<bool>,
}

/// A running server.
pub struct Server {
    local_addr: Option<SocketAddr>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    active: Arc<AtomicUsize>,
}

impl Server {
    /// A server builder with WCF's default limits and at most 10,000 connections.
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            routes: HashMap::new(),
            config: ConnectionConfig::default(),
            max_connections: 10_000,
            tls: None,
        }
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr.expect("a bound listener has an address")
    }

    /// Connections open now.
    pub fn connections(&self) -> usize {
        self.active.load(Ordering::Relaxed)
    }

    /// Stops accepting, lets every connection finish the calls it is handling, closes each with
    /// 1000, and returns when all are closed.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

async fn accept_loop(
    listener: TcpListener,
    inner: Arc<Inner>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped(&mut shutdown) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let inner = inner.clone();
                    let span = info_span!("client", %peer);
                    connections.spawn(serve_connection(stream, inner).instrument(span));
                }
                Err(e) => {
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    info!(
        "shutting down: waiting for {} connection(s)",
        connections.len()
    );
    while connections.join_next().await.is_some() {}
}

/// Returns once the watched flag is true.
async fn stopped(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|v| *v).await;
}

/// Counts a connection while it lives.
struct Active(Arc<AtomicUsize>);

impl Drop for Active {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn serve_connection(stream: TcpStream, inner: Arc<Inner>) {
    let count = inner.active.fetch_add(1, Ordering::Relaxed) + 1;
    let _active = Active(inner.active.clone());
    if count > inner.max_connections {
        let mut stream = stream;
        let r = Rejection::new(StatusCode::SERVICE_UNAVAILABLE)
            .with_body("The server is at its connection limit.");
        let _ = write_response(&mut stream, r.status, &r.headers, &r.body, false).await;
        linger(stream).await;
        return;
    }
    match &inner.tls {
        Some(acceptor) => {
            let mut shutdown = inner.shutdown.clone();
            let accepted = tokio::select! {
                r = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)) => r,
                // A connection still in its handshake does not hold up shutdown.
                _ = stopped(&mut shutdown) => return,
            };
            match accepted {
                Ok(Ok(tls)) => upgrade(tls, &inner, "wss").await,
                Ok(Err(e)) => debug!(error = %e, "TLS handshake failed"),
                Err(_) => debug!("TLS handshake timed out"),
            }
        }
        None => upgrade(stream, &inner, "ws").await,
    }
}

/// Ends a connection answered without reading its request: sends FIN, then reads (and drops)
/// what the client sent, for a moment. Closing with unread data would send a TCP reset, which
/// can destroy the answer before the client reads it.
async fn linger(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let mut buf = [0u8; 1024];
    let drain = async { while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {} };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

/// Reads the handshake, answers it, and runs the session if it was accepted.
async fn upgrade<S>(mut stream: S, inner: &Inner, scheme: &str)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut shutdown = inner.shutdown.clone();
    let head = tokio::select! {
        r = tokio::time::timeout(HANDSHAKE_TIMEOUT, read_head(&mut stream)) => r,
        // A client that has not finished its head does not hold up shutdown.
        _ = stopped(&mut shutdown) => return,
    };
    let (request, leftover) = match head {
        Ok(Ok(head)) => head,
        Ok(Err(e)) => {
            debug!(error = %e, "bad request head");
            let _ = write_response(&mut stream, StatusCode::BAD_REQUEST, &[], "", false).await;
            return;
        }
        Err(_) => return,
    };
    let path = request.path().to_owned();
    let Some(route) = inner.routes.get(&path) else {
        let _ = write_response(&mut stream, StatusCode::NOT_FOUND, &[], "", false).await;
        return;
    };
    match decide(&request, &route.endpoint) {
        Decision::Accept(accept) => {
            if let Err(e) = write_response(
                &mut stream,
                StatusCode::SWITCHING_PROTOCOLS,
                &accept.headers,
                "",
                true,
            )
            .await
            {
                debug!(error = %e, "101 not sent");
                return;
            }
            let ws = WebSocketStream::from_partially_read(
                stream,
                leftover,
                Role::Server,
                Some(inner.config.websocket()),
            )
            .await;
            let (incoming, outgoing) = wire::encodings(accept.encoding, accept.transfer_mode, true);
            let peer = connection::spawn(
                ws,
                Setup {
                    incoming,
                    outgoing,
                    outgoing_streamed: wire::sends_streamed(
                        accept.encoding,
                        accept.transfer_mode,
                        true,
                    ),
                    config: inner.config.clone(),
                    service: Some(route.service.clone()),
                    path: path.as_str().into(),
                    remote_to: soapws_envelope::names::ANONYMOUS.as_str().to_owned(),
                    call_timeout: Duration::from_secs(60),
                    shutdown: Some(inner.shutdown.clone()),
                },
            );
            debug!(encoding = ?accept.encoding, "connected");
            let info = peer.closed().await;
            debug!(?info, "disconnected");
        }
        Decision::Reject { reason, response } => {
            debug!(
                ?reason,
                status = response.status.as_u16(),
                "handshake refused"
            );
            let _ = write_response(
                &mut stream,
                response.status,
                &response.headers,
                &response.body,
                false,
            )
            .await;
        }
        Decision::NotWebSocket { query, .. } => {
            let wants_wsdl = query
                .as_deref()
                .is_some_and(|q| q.eq_ignore_ascii_case("wsdl"));
            match (&route.wsdl, wants_wsdl) {
                (Some(wsdl), true) => {
                    let host = request.header("host").unwrap_or("localhost");
                    let address = format!("{scheme}://{host}{path}");
                    let body = with_address(wsdl, &address);
                    let _ = write_response(&mut stream, StatusCode::OK, &[], &body, false).await;
                }
                _ => {
                    let r = Rejection::not_websocket();
                    let _ = write_response(&mut stream, r.status, &r.headers, &r.body, false).await;
                }
            }
        }
    }
}

/// The WSDL with the `location` of every `soap12:address` / `soap:address` set to `address`.
fn with_address(wsdl: &str, address: &str) -> String {
    let mut out = String::with_capacity(wsdl.len());
    let mut rest = wsdl;
    while let Some(i) = rest.find(":address") {
        let (head, tail) = rest.split_at(i + ":address".len());
        out.push_str(head);
        rest = tail;
        let tag_end = rest.find('>').unwrap_or(rest.len());
        if let Some(l) = rest[..tag_end].find("location=") {
            let value_start = l + "location=".len();
            let quote = rest.as_bytes().get(value_start).copied().unwrap_or(b'"');
            if let Some(len) = rest[value_start + 1..].find(quote as char) {
                out.push_str(&rest[..value_start + 1]);
                out.push_str(address);
                rest = &rest[value_start + 1 + len..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn wsdl_addresses_are_rewritten() {
        let wsdl = r#"<wsdl:port><soap12:address location="ws://old/x"/></wsdl:port><soap:address location='http://a/b'/>"#;
        assert_eq!(
            super::with_address(wsdl, "ws://h:1/p"),
            r#"<wsdl:port><soap12:address location="ws://h:1/p"/></wsdl:port><soap:address location='ws://h:1/p'/>"#
        );
    }
}
