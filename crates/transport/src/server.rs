//! The server: one port, many services by path; WCF's handshake rules; graceful shutdown.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
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
    /// `soap12:address`/`soap:address` locations get the scheme, host and port the client used,
    /// each keeping its own path.
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
        let active = Arc::new(Connections::default());
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
    active: Arc<Connections>,
    shutdown: watch::Receiver<bool>,
}

/// A running server.
pub struct Server {
    local_addr: Option<SocketAddr>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    active: Arc<Connections>,
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
        self.active.open.load(Ordering::Relaxed)
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
    loop {
        tokio::select! {
            _ = stopped(&mut shutdown) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let (active, count) = inner.active.enter();
                    let span = info_span!("client", %peer);
                    if count > inner.max_connections {
                        tokio::spawn(refuse(stream, active).instrument(span));
                    } else {
                        let serve = serve_connection(stream, peer, inner.clone(), active);
                        tokio::spawn(serve.instrument(span));
                    }
                }
                Err(e) => {
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    drop(listener);
    info!(
        "shutting down: waiting for {} connection(s)",
        inner.active.open.load(Ordering::Relaxed)
    );
    inner.active.all_closed().await;
}

/// Returns once the watched flag is true.
async fn stopped(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|v| *v).await;
}

/// The server's connections, from accept until their handshake fails or their session ends.
#[derive(Default)]
struct Connections {
    open: AtomicUsize,
    /// Notified when the last connection ends.
    none_open: Notify,
}

impl Connections {
    /// Counts one more connection while the returned guard lives; also returns the new count.
    fn enter(self: &Arc<Self>) -> (Active, usize) {
        let count = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        (Active(self.clone()), count)
    }

    /// Returns once no connection is left.
    async fn all_closed(&self) {
        loop {
            let notified = self.none_open.notified();
            if self.open.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// Counts a connection while it lives; an accepted session holds it until it ends.
pub(crate) struct Active(Arc<Connections>);

impl Drop for Active {
    fn drop(&mut self) {
        if self.0.open.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.none_open.notify_waiters();
        }
    }
}

/// Answers 503 to a connection over the limit.
async fn refuse(mut stream: TcpStream, _active: Active) {
    let r = Rejection::new(StatusCode::SERVICE_UNAVAILABLE)
        .with_body("The server is at its connection limit.");
    let _ = write_response(&mut stream, r.status, &r.headers, &r.body, false).await;
    linger(stream).await;
}

/// Runs the TLS and WebSocket handshakes; an accepted session goes on in its own tasks.
async fn serve_connection(stream: TcpStream, peer: SocketAddr, inner: Arc<Inner>, active: Active) {
    match &inner.tls {
        Some(acceptor) => {
            let mut shutdown = inner.shutdown.clone();
            let accepted = tokio::select! {
                r = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)) => r,
                // A connection still in its handshake does not hold up shutdown.
                _ = stopped(&mut shutdown) => return,
            };
            match accepted {
                Ok(Ok(tls)) => upgrade(tls, peer, &inner, "wss", active).await,
                Ok(Err(e)) => debug!(error = %e, "TLS handshake failed"),
                Err(_) => debug!("TLS handshake timed out"),
            }
        }
        None => upgrade(stream, peer, &inner, "ws", active).await,
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

/// Reads the handshake, answers it, and starts the session (which takes `active`) if it was
/// accepted.
async fn upgrade<S>(mut stream: S, peer: SocketAddr, inner: &Inner, scheme: &str, active: Active)
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
            connection::spawn(
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
                    remote_addr: Some(peer),
                    remote_to: soapws_envelope::names::ANONYMOUS.as_str().to_owned(),
                    call_timeout: Duration::from_secs(60),
                    shutdown: Some(inner.shutdown.clone()),
                    active: Some(active),
                },
            );
            debug!(encoding = ?accept.encoding, "connected");
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
                    let origin = format!("{scheme}://{host}");
                    let body = with_origin(wsdl, &origin, &path, |p| inner.routes.contains_key(p));
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

/// `wsdl` with every `soap:address`/`soap12:address` location pointing at this server: `origin`
/// (`ws://host:port`, as the client reached it) and the location's own path when that is one of
/// the server's routes (each port of a multi-port WSDL stays distinct), else `requested` (a WSDL
/// written for another host's path, e.g. `Service.svc`).
fn with_origin(
    wsdl: &str,
    origin: &str,
    requested: &str,
    is_route: impl Fn(&str) -> bool,
) -> String {
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
                let location = &rest[value_start + 1..value_start + 1 + len];
                out.push_str(&rest[..value_start + 1]);
                let path = path_of(location);
                out.push_str(origin);
                out.push_str(if is_route(path) { path } else { requested });
                rest = &rest[value_start + 1 + len..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The path (and query) of an absolute URL, `/` when it has none.
fn path_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(url, |i| &url[i + 3..]);
    match after_scheme.find('/') {
        Some(i) => &after_scheme[i..],
        None => "/",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn wsdl_addresses_get_the_clients_origin_and_route_paths() {
        let wsdl = r#"<wsdl:port><soap12:address location="ws://old:8080/x"/></wsdl:port><soap:address location='http://a/b/c?d'/><soap12:address location="ws://bare"/><soap12:address location="http://iis/Service.svc"/>"#;
        let routes = ["/x", "/b/c?d"];
        assert_eq!(
            super::with_origin(wsdl, "ws://h:1", "/x", |p| routes.contains(&p)),
            r#"<wsdl:port><soap12:address location="ws://h:1/x"/></wsdl:port><soap:address location='ws://h:1/b/c?d'/><soap12:address location="ws://h:1/x"/><soap12:address location="ws://h:1/x"/>"#
        );
    }
}
