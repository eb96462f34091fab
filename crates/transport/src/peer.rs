//! [`Peer`]: a handle on one connection's duplex session — call the other side, send one-way
//! messages, watch the connection's state, close it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use soapws_envelope::{EndpointAddress, Message, MessageId};
use tokio::sync::{mpsc, oneshot, watch};

use crate::error::CallError;

/// The state of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Open: messages flow both ways.
    Open,
    /// A close has started (ours or the peer's).
    Closing,
    /// Closed or dropped.
    Closed(CloseInfo),
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    /// The peer started the close (or vanished).
    pub by_peer: bool,
    /// The WebSocket close code, when there was a Close frame.
    pub code: Option<u16>,
    /// Why the connection was dropped without a clean close, if it was.
    pub error: Option<String>,
}

pub(crate) enum Outgoing {
    /// Encode and send; report the outcome if asked.
    Message(Box<Message>, Option<oneshot::Sender<Result<(), CallError>>>),
    /// Send a Close frame with this code (after a peer's Close: flush tungstenite's reply).
    Close(u16),
    /// The connection is over: stop.
    Shutdown,
}

pub(crate) struct Shared {
    pub(crate) outgoing: mpsc::Sender<Outgoing>,
    pub(crate) pending: Mutex<HashMap<MessageId, oneshot::Sender<Message>>>,
    pub(crate) state: watch::Receiver<ConnectionState>,
    pub(crate) close_requested: watch::Sender<bool>,
    /// `To` of the requests this side sends.
    pub(crate) remote_to: String,
    /// Unique among this process's connections.
    pub(crate) id: u64,
    pub(crate) call_timeout: Duration,
}

/// A handle on one connection. Cheap to clone; all clones drive the same connection.
#[derive(Clone)]
pub struct Peer {
    pub(crate) shared: Arc<Shared>,
}

impl Peer {
    /// Sends a two-way request and waits for the reply correlated by `RelatesTo`. A `MessageID`
    /// and `ReplyTo` (anonymous) are added if missing, and `To` if unset. Many calls may be in
    /// flight at once.
    pub async fn call(&self, mut request: Message) -> Result<Message, CallError> {
        let id = request
            .headers
            .message_id
            .get_or_insert_with(MessageId::new_random)
            .clone();
        request
            .headers
            .reply_to
            .get_or_insert_with(EndpointAddress::anonymous);
        if request.headers.to.is_none() {
            request.headers.to = Some(self.shared.remote_to.clone());
        }
        let (tx, rx) = oneshot::channel();
        self.lock_pending().insert(id.clone(), tx);
        let forget = || {
            self.lock_pending().remove(&id);
        };
        if let Err(e) = self.send(request).await {
            forget();
            return Err(e);
        }
        match tokio::time::timeout(self.shared.call_timeout, rx).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(_)) => Err(CallError::Closed),
            Err(_) => {
                forget();
                Err(CallError::Timeout(self.shared.call_timeout))
            }
        }
    }

    /// Sends a one-way message (`To` is added if unset). Returns once it is on the wire.
    pub async fn send_one_way(&self, mut message: Message) -> Result<(), CallError> {
        if message.headers.to.is_none() {
            message.headers.to = Some(self.shared.remote_to.clone());
        }
        self.send(message).await
    }

    /// Queues a message as it is (replies, faults) without waiting for it to be written: nobody
    /// waits for a reply, and messages queued later (such as a Close) still go out after it.
    pub(crate) async fn queue(&self, message: Message) -> Result<(), CallError> {
        self.shared
            .outgoing
            .send(Outgoing::Message(Box::new(message), None))
            .await
            .map_err(|_| CallError::Closed)
    }

    /// Sends a message as it is and returns once it is on the wire.
    pub(crate) async fn send(&self, message: Message) -> Result<(), CallError> {
        let (tx, rx) = oneshot::channel();
        self.shared
            .outgoing
            .send(Outgoing::Message(Box::new(message), Some(tx)))
            .await
            .map_err(|_| CallError::Closed)?;
        rx.await.unwrap_or(Err(CallError::Closed))
    }

    fn lock_pending(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<MessageId, oneshot::Sender<Message>>> {
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The connection's current state.
    pub fn state(&self) -> ConnectionState {
        self.shared.state.borrow().clone()
    }

    /// A receiver that sees every state change.
    pub fn watch_state(&self) -> watch::Receiver<ConnectionState> {
        self.shared.state.clone()
    }

    /// Closes the connection: waits for the calls being handled, sends Close 1000, waits (up to
    /// the close timeout) for the peer's Close, and returns when the connection is closed.
    ///
    /// Called from a handler of a request on this connection, it only starts the close and
    /// returns at once (waiting would deadlock: the close waits for that handler); the handler's
    /// reply is still sent, then the connection closes.
    pub async fn close(&self) {
        let _ = self.shared.close_requested.send(true);
        if crate::connection::handling(&self.shared) {
            return;
        }
        self.closed().await;
    }

    /// Waits until the connection is closed or dropped.
    pub async fn closed(&self) -> CloseInfo {
        let mut state = self.shared.state.clone();
        loop {
            if let ConnectionState::Closed(info) = &*state.borrow_and_update() {
                return info.clone();
            }
            if state.changed().await.is_err() {
                return CloseInfo {
                    by_peer: false,
                    code: None,
                    error: Some("connection task ended".into()),
                };
            }
        }
    }

    /// An id unique among this process's connections (e.g. to keep per-session state, as WCF's
    /// `InstanceContextMode.PerSession` services do).
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    /// Number of calls waiting for a reply.
    pub fn pending_calls(&self) -> usize {
        self.lock_pending().len()
    }
}
