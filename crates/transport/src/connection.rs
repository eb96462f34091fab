//! The duplex session of one connection: a reader task that decodes messages, routes replies to
//! waiting calls by `RelatesTo` and dispatches requests to the [`Service`] (bounded, concurrent),
//! and a writer task that owns the encoder's writer session and sends every message (session
//! string ids depend on send order, so encoding happens in that one task).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{FutureExt, SinkExt, StreamExt};
use soapws_envelope::{names, Encoding, Fault, Message, MessageEncoder, RelatesTo};
use std::panic::AssertUnwindSafe;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot, watch, Semaphore};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::WebSocketStream;
use tracing::{debug, field, info_span, warn, Instrument, Level};

use crate::config::ConnectionConfig;
use crate::error::CallError;
use crate::peer::{CloseInfo, ConnectionState, Outgoing, Peer, Shared};
use crate::server::Active;
use crate::service::{RequestContext, Service, ServiceError};

/// WCF's text for Receiver faults when error details are not included.
const INTERNAL_ERROR_TEXT: &str = "The server was unable to process the request due to an internal error. For more \
     information about the error, either turn on IncludeExceptionDetailInFaults on the server in order to send the \
     exception information back to the client, or turn on tracing.";

/// How a connection is set up.
pub(crate) struct Setup {
    /// Encoding of the messages received (binary streamed input is plain msbin1).
    pub(crate) incoming: Encoding,
    /// Encoding of the messages sent.
    pub(crate) outgoing: Encoding,
    /// Messages sent are streamed (WCF's Streamed transfer mode in this direction): sent as
    /// fragments ended by an empty final continuation frame, as WCF's `WebSocketStream` does.
    pub(crate) outgoing_streamed: bool,
    pub(crate) config: ConnectionConfig,
    pub(crate) service: Option<Arc<dyn Service>>,
    pub(crate) path: Arc<str>,
    /// The peer's address, when known (a server's client).
    pub(crate) remote_addr: Option<std::net::SocketAddr>,
    pub(crate) remote_to: String,
    pub(crate) call_timeout: std::time::Duration,
    /// Server shutdown: close gracefully when it turns true.
    pub(crate) shutdown: Option<watch::Receiver<bool>>,
    /// Counts the connection among the server's until the session ends.
    pub(crate) active: Option<Active>,
}

/// Connection ids.
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Starts the session's tasks on an open WebSocket and returns its handle.
pub(crate) fn spawn<S>(ws: WebSocketStream<S>, setup: Setup) -> Peer
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sink, stream) = ws.split();
    let (out_tx, out_rx) = mpsc::channel(256);
    let (state_tx, state_rx) = watch::channel(ConnectionState::Open);
    let (close_tx, close_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        outgoing: out_tx,
        pending: Mutex::new(HashMap::new()),
        state: state_rx,
        close_requested: close_tx,
        remote_to: setup.remote_to.clone(),
        id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        call_timeout: setup.call_timeout,
    });
    let peer = Peer { shared };
    let span = info_span!("connection", path = %setup.path, encoding = ?setup.incoming);
    let quotas = setup.config.effective_reader_quotas();
    let session = setup.config.max_session_size;
    let encoder = MessageEncoder::with_quotas(setup.outgoing, quotas, session);
    let decoder = MessageEncoder::with_quotas(setup.incoming, quotas, session);
    let writer = Writer {
        sink,
        encoder,
        streamed: setup.outgoing_streamed,
        unflushed: Vec::new(),
        size_hint: *SIZE_HINT.start(),
    };
    let writer =
        tokio::spawn(write_loop(writer, out_rx, setup.config.keep_alive).instrument(span.clone()));
    let reader = Reader {
        stream,
        decoder,
        peer: peer.clone(),
        setup,
        state: state_tx,
        close_requested: close_rx,
        one_ways: OneWayOrder::default(),
    };
    tokio::spawn(reader.run(writer).instrument(span));
    peer
}

type Sink<S> = SplitSink<WebSocketStream<S>, WsMessage>;

/// Told whether a message was written.
type Done = oneshot::Sender<Result<(), CallError>>;

/// Most messages written between two flushes.
const BATCH: usize = 64;

/// Sends every outgoing message in order; the only user of the writer session.
async fn write_loop<S>(
    mut writer: Writer<S>,
    mut rx: mpsc::Receiver<Outgoing>,
    keep_alive: Option<std::time::Duration>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut ticker =
        keep_alive.map(|d| tokio::time::interval_at(tokio::time::Instant::now() + d, d));
    let control = loop {
        let next = match &mut ticker {
            Some(t) => tokio::select! {
                m = rx.recv() => m,
                _ = t.tick() => {
                    // .NET's keep-alive: an unsolicited Pong.
                    if writer.sink.send(WsMessage::Pong(Bytes::new())).await.is_err() {
                        return;
                    }
                    continue;
                }
            },
            None => rx.recv().await,
        };
        match next {
            Some(Outgoing::Message(message, done)) => {
                if let Some(control) = writer.write_batch(message, done, &mut rx).await {
                    break control;
                }
            }
            Some(control) => break control,
            None => break Outgoing::Shutdown,
        }
    };
    writer.end(control, rx).await;
}

/// The sending half of a session.
struct Writer<S> {
    sink: Sink<S>,
    encoder: MessageEncoder,
    /// Send messages as WCF's streamed mode does (see [`feed_streamed`]).
    streamed: bool,
    /// Told the outcome of the messages fed since the last flush.
    unflushed: Vec<Done>,
    /// Capacity for the next encoded message: the last one's size rounded up, so a message is
    /// encoded without growing its buffer (a connection's messages tend to be alike).
    size_hint: usize,
}

/// Bounds of [`Writer::size_hint`]: a huge message does not make every later one reserve as
/// much.
const SIZE_HINT: std::ops::RangeInclusive<usize> = 512..=64 * 1024;

impl<S> Writer<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// Writes a message and those queued behind it (up to [`BATCH`]), then flushes once.
    /// Returns the Close or Shutdown met in the queue, if any.
    async fn write_batch(
        &mut self,
        message: Box<Message>,
        done: Option<Done>,
        rx: &mut mpsc::Receiver<Outgoing>,
    ) -> Option<Outgoing> {
        self.feed(&message, done).await;
        let mut control = None;
        for _ in 1..BATCH {
            match rx.try_recv() {
                Ok(Outgoing::Message(message, done)) => self.feed(&message, done).await,
                Ok(other) => {
                    control = Some(other);
                    break;
                }
                Err(_) => break,
            }
        }
        self.flush().await;
        control
    }

    /// Encodes a message and queues it in the sink; its sender learns the outcome at the flush.
    async fn feed(&mut self, message: &Message, done: Option<Done>) {
        let buffer = Vec::with_capacity(self.size_hint);
        let bytes = match self.encoder.encode_into(message, buffer) {
            Ok(bytes) => Bytes::from(bytes),
            Err(e) => return report(done, Err(CallError::Encode(e.to_string()))),
        };
        let len = bytes.len();
        self.size_hint = len
            .next_power_of_two()
            .clamp(*SIZE_HINT.start(), *SIZE_HINT.end());
        let fed = if self.streamed {
            feed_streamed(&mut self.sink, bytes).await
        } else {
            self.sink.feed(WsMessage::Binary(bytes)).await
        };
        debug!(
            action = message.headers.action.as_deref().unwrap_or(""),
            bytes = len,
            "sent"
        );
        match fed {
            Ok(()) => self.unflushed.extend(done),
            Err(_) => report(done, Err(CallError::Closed)),
        }
    }

    /// Writes out what was fed and tells the senders waiting for it.
    async fn flush(&mut self) {
        let result = self.sink.flush().await.map_err(|_| CallError::Closed);
        for done in self.unflushed.drain(..) {
            let _ = done.send(result.clone());
        }
    }

    /// Stops sending: on Close, sends the Close frame, then fails whatever is still queued until
    /// the reader's Shutdown; otherwise closes the sink at once.
    async fn end(mut self, control: Outgoing, mut rx: mpsc::Receiver<Outgoing>) {
        let Outgoing::Close(code) = control else {
            let _ = self.sink.close().await;
            return;
        };
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: "".into(),
        };
        let _ = self.sink.send(WsMessage::Close(Some(frame))).await;
        // When the peer closed first, `send` fails before flushing, and tungstenite's queued
        // answer to the peer's Close would never be written: flush it.
        let _ = self.sink.flush().await;
        // Nothing more is sent; wait for the reader to finish.
        while let Some(m) = rx.recv().await {
            match m {
                Outgoing::Message(_, done) => report(done, Err(CallError::Closed)),
                Outgoing::Shutdown => return,
                Outgoing::Close(_) => {}
            }
        }
    }
}

/// Tells a message's sender what became of it; a failure nobody waits for is logged.
fn report(done: Option<Done>, result: Result<(), CallError>) {
    match done {
        Some(done) => {
            let _ = done.send(result);
        }
        None => {
            if let Err(e) = result {
                debug!(error = %e, "message not sent");
            }
        }
    }
}

/// Size of the data fragments of a streamed message.
const STREAM_FRAGMENT: usize = 16 * 1024;

/// Queues one message as WCF's streamed mode sends it: binary FIN=0, continuations FIN=0, then
/// an empty FIN=1 continuation.
async fn feed_streamed<S>(sink: &mut Sink<S>, bytes: Bytes) -> Result<(), WsError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut opcode = OpCode::Data(Data::Binary);
    let mut at = 0;
    while at < bytes.len() {
        let end = (at + STREAM_FRAGMENT).min(bytes.len());
        sink.feed(WsMessage::Frame(Frame::message(
            bytes.slice(at..end),
            opcode,
            false,
        )))
        .await?;
        opcode = OpCode::Data(Data::Continue);
        at = end;
    }
    sink.feed(WsMessage::Frame(Frame::message(Bytes::new(), opcode, true)))
        .await
}

struct Reader<S> {
    stream: SplitStream<WebSocketStream<S>>,
    decoder: MessageEncoder,
    peer: Peer,
    setup: Setup,
    state: watch::Sender<ConnectionState>,
    close_requested: watch::Receiver<bool>,
    /// Orders one-way messages among themselves and before what follows them.
    one_ways: OneWayOrder,
}

/// One-way messages are handled one after another in the order they arrived, and a request
/// waits for the one-way messages that arrived before it: the sender cannot order them
/// otherwise, and WCF services see them so (a `Restock` then a `FindItems` sees the stock).
/// Requests do not wait for each other.
#[derive(Default)]
struct OneWayOrder {
    /// One-way messages received so far.
    received: u64,
    /// One-way messages handled so far.
    handled: Arc<watch::Sender<u64>>,
}

impl OneWayOrder {
    /// The turn of a message that just arrived: what it waits for, and for a one-way message
    /// the guard that counts it handled when dropped.
    fn arrive(&mut self, one_way: bool) -> (Turn, Option<Handled>) {
        let turn = Turn {
            after: self.received,
            handled: self.handled.clone(),
        };
        if !one_way {
            return (turn, None);
        }
        self.received += 1;
        (turn, Some(Handled(self.handled.clone())))
    }
}

/// Waits until the one-way messages before a message are handled.
struct Turn {
    after: u64,
    handled: Arc<watch::Sender<u64>>,
}

impl Turn {
    async fn wait(self) {
        if *self.handled.borrow() >= self.after {
            return;
        }
        let _ = self
            .handled
            .subscribe()
            .wait_for(|h| *h >= self.after)
            .await;
    }
}

/// Counts a one-way message handled when dropped (also when its handler was cancelled).
struct Handled(Arc<watch::Sender<u64>>);

impl Drop for Handled {
    fn drop(&mut self) {
        self.0.send_modify(|h| *h += 1);
    }
}

/// What ended the read loop.
enum End {
    /// The peer sent Close (code) or the stream ended.
    PeerClosed(Option<u16>),
    /// We are closing (local close or server shutdown).
    LocalClose,
    /// Dropped without a close handshake (error, idle timeout, malformed message).
    Dropped(String),
    /// Message too large: Close 1009 then drop.
    TooLarge,
}

impl<S> Reader<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    async fn run(mut self, writer: tokio::task::JoinHandle<()>) {
        let permits = Arc::new(Semaphore::new(
            self.setup.config.max_concurrent_calls.max(1),
        ));
        let mut handlers = JoinSet::new();
        let end = self.read_until_end(&permits, &mut handlers).await;
        let info = match end {
            End::LocalClose => {
                let _ = self.state.send(ConnectionState::Closing);
                // Finish the calls being handled, then close with 1000 and wait for the peer.
                while handlers.join_next().await.is_some() {}
                let _ = self.peer.shared.outgoing.send(Outgoing::Close(1000)).await;
                let code = self.await_peer_close().await;
                CloseInfo {
                    by_peer: false,
                    code: Some(1000),
                    error: code.err(),
                }
            }
            End::PeerClosed(code) => {
                let _ = self.state.send(ConnectionState::Closing);
                // Answers the peer's Close (tungstenite queued the reply; this sends it).
                let _ = self.peer.shared.outgoing.send(Outgoing::Close(1000)).await;
                CloseInfo {
                    by_peer: true,
                    code,
                    error: None,
                }
            }
            End::TooLarge => {
                let _ = self.peer.shared.outgoing.send(Outgoing::Close(1009)).await;
                CloseInfo {
                    by_peer: false,
                    code: Some(1009),
                    error: Some("message too large".into()),
                }
            }
            End::Dropped(error) => {
                warn!(%error, "connection dropped");
                writer.abort();
                CloseInfo {
                    by_peer: true,
                    code: None,
                    error: Some(error),
                }
            }
        };
        handlers.abort_all();
        let _ = self.peer.shared.outgoing.send(Outgoing::Shutdown).await;
        // Calls still waiting will not get a reply.
        self.peer
            .shared
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        debug!(?info, "disconnected");
        let _ = self.state.send(ConnectionState::Closed(info));
        // The server stops counting the connection once it is closed.
        drop(self.setup.active.take());
    }

    /// After sending Close: read until the peer's Close (or the close timeout).
    async fn await_peer_close(&mut self) -> Result<(), String> {
        let deadline = self.setup.config.close_timeout;
        let wait = async {
            while let Some(m) = self.stream.next().await {
                match m {
                    Ok(WsMessage::Close(_)) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(deadline, wait)
            .await
            .map_err(|_| "the peer did not close in time".to_owned())
    }

    async fn read_until_end(
        &mut self,
        permits: &Arc<Semaphore>,
        handlers: &mut JoinSet<()>,
    ) -> End {
        let idle = self.setup.config.idle_timeout;
        let mut shutdown = self.setup.shutdown.clone();
        loop {
            let closing = async {
                match &mut shutdown {
                    Some(s) => {
                        let _ = s.wait_for(|v| *v).await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let next = tokio::select! {
                biased;
                _ = requested(&mut self.close_requested) => return End::LocalClose,
                _ = closing => return End::LocalClose,
                r = tokio::time::timeout(idle, self.stream.next()) => r,
            };
            let message = match next {
                Err(_) => return End::Dropped(format!("idle for {idle:?}")),
                Ok(None) => return End::PeerClosed(None),
                Ok(Some(Err(WsError::Capacity(CapacityError::MessageTooLong {
                    size,
                    max_size,
                })))) => {
                    warn!(size, max_size, "message too large");
                    return End::TooLarge;
                }
                Ok(Some(Err(e))) => return End::Dropped(e.to_string()),
                Ok(Some(Ok(m))) => m,
            };
            let bytes = match message {
                WsMessage::Binary(b) => b,
                WsMessage::Text(t) => Bytes::from(t),
                WsMessage::Close(frame) => {
                    return End::PeerClosed(frame.map(|f| u16::from(f.code)))
                }
                WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_) => continue,
            };
            while handlers.try_join_next().is_some() {}
            match self.decoder.decode(bytes) {
                Ok(m) => self.route(m, permits, handlers).await,
                Err(e) => match e.to_fault_message() {
                    Some(fault) => {
                        warn!(error = %e, "message refused with a fault");
                        let _ = self.peer.queue(fault).await;
                    }
                    None => return End::Dropped(format!("undecodable message: {e}")),
                },
            }
        }
    }

    /// A reply goes to its waiting call; anything else is a request for the service.
    async fn route(
        &mut self,
        message: Message,
        permits: &Arc<Semaphore>,
        handlers: &mut JoinSet<()>,
    ) {
        if let Some(RelatesTo { id, .. }) = &message.headers.relates_to {
            let waiting = self
                .peer
                .shared
                .pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(id);
            match waiting {
                Some(tx) => {
                    let _ = tx.send(message);
                }
                None => debug!(relates_to = %id, "reply for no waiting call dropped"),
            }
            return;
        }
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let service = self.setup.service.clone();
        let context = RequestContext {
            peer: self.peer.clone(),
            path: self.setup.path.clone(),
            remote_addr: self.setup.remote_addr,
        };
        let details = self.setup.config.include_error_details;
        let (turn, done) = self.one_ways.arrive(message.headers.message_id.is_none());
        // Fields are only formatted when the span is enabled.
        let span = info_span!(
            "message",
            action = message.headers.action.as_deref(),
            id = message.headers.message_id.as_ref().map(field::display),
        );
        let connection = Arc::as_ptr(&self.peer.shared) as usize;
        handlers.spawn(
            HANDLING.scope(
                connection,
                async move {
                    turn.wait().await;
                    let started = tracing::enabled!(Level::DEBUG).then(Instant::now);
                    let reply = handle(service.as_deref(), message, context.clone(), details).await;
                    if let Some(reply) = reply {
                        if let Err(e) = context.peer.queue(reply).await {
                            debug!(error = %e, "reply not sent");
                        }
                    }
                    if let Some(started) = started {
                        debug!(elapsed_us = started.elapsed().as_micros() as u64, "handled");
                    }
                    drop((permit, done));
                }
                .instrument(span),
            ),
        );
    }
}

tokio::task_local! {
    /// The connection (address of its [`Shared`]) whose request the current task is handling.
    static HANDLING: usize;
}

/// True when called from a handler of a request that arrived on this connection.
pub(crate) fn handling(shared: &Arc<Shared>) -> bool {
    HANDLING
        .try_with(|c| *c == Arc::as_ptr(shared) as usize)
        .unwrap_or(false)
}

/// Returns once the watched flag is true.
async fn requested(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|v| *v).await;
}

/// Runs the service on one request and builds the message to send back, if any.
async fn handle(
    service: Option<&dyn Service>,
    request: Message,
    context: RequestContext,
    details: bool,
) -> Option<Message> {
    let message_id = request.headers.message_id.clone();
    let two_way = message_id.is_some();
    let not_understood = request
        .headers
        .not_understood(|ns, local| service.is_some_and(|s| s.understands(ns, local)));
    if !not_understood.is_empty() {
        return two_way.then(|| Message::must_understand_fault(&request.headers, &not_understood));
    }
    let result = match service {
        // A panicking handler gets a Receiver fault like any failure, so its caller is not
        // left waiting for its call timeout.
        Some(s) => match AssertUnwindSafe(context.clone().scope(s.call(request, context)))
            .catch_unwind()
            .await
        {
            Ok(result) => result,
            Err(_) => Err(ServiceError::Internal("the service panicked".into())),
        },
        None => Err(ServiceError::ActionNotSupported(
            request.headers.action.unwrap_or_default(),
        )),
    };
    if !two_way {
        if let Err(e) = result {
            debug!(error = %e, "one-way request failed");
        }
        return None;
    }
    // Faults get `RelatesTo` and `To` below, like replies.
    let mut reply = match result {
        Ok(Some(reply)) => reply,
        Ok(None) => return None,
        Err(ServiceError::ActionNotSupported(action)) => Message::fault(
            None,
            names::WSA10_FAULT_ACTION.as_str(),
            Fault::action_not_supported(&action),
        ),
        Err(ServiceError::Fault { fault, action }) => Message::fault(None, action, fault),
        Err(ServiceError::Internal(text)) => {
            warn!(error = %text, "service error");
            let reason = if details {
                text
            } else {
                INTERNAL_ERROR_TEXT.to_owned()
            };
            Message::fault(
                None,
                names::WCF_FAULT_ACTION,
                Fault::internal_service_fault(reason),
            )
        }
    };
    reply.headers.relates_to = message_id.map(|id| RelatesTo {
        id,
        relationship: None,
    });
    if reply.headers.to.is_none() {
        reply.headers.to = Some(names::ANONYMOUS.as_str().to_owned());
    }
    Some(reply)
}
