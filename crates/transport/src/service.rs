//! What the transport calls for each request: a [`Service`] takes a message and answers with a
//! message, a fault, or nothing (one-way).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use soapws_envelope::{Fault, Message};

use crate::peer::Peer;

/// Why a request produced no reply message.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No operation has this action: answered with WCF's `a:ActionNotSupported` fault.
    #[error("no operation for action '{0}'")]
    ActionNotSupported(String),
    /// A declared (typed) fault, sent with this action.
    #[error("fault: {}", .fault.reason())]
    Fault {
        /// The fault.
        fault: Fault,
        /// The fault message's action (the contract's fault action).
        action: String,
    },
    /// Any other failure: answered with a Receiver fault (`a:InternalServiceFault`), without
    /// the message unless the connection is configured to include error details.
    #[error("{0}")]
    Internal(String),
}

/// Facts about the connection a request came on, and a handle to call the peer back on it.
///
/// A [`Service`] gets it with each call; code below it (a generated service's methods) reads it
/// with [`RequestContext::current`], as WCF code reads `OperationContext.Current`.
#[derive(Clone)]
pub struct RequestContext {
    /// The connection's peer: send callbacks (one-way or two-way) on the same socket. Its
    /// [`Peer::id`] names the session, for per-session state.
    pub peer: Peer,
    /// The request path the connection was opened on.
    pub path: Arc<str>,
    /// The client's address (on a server; `None` for callbacks a client receives).
    pub remote_addr: Option<SocketAddr>,
}

tokio::task_local! {
    static CURRENT: RequestContext;
}

impl RequestContext {
    /// The context of the request being handled: inside [`Service::call`] and everything it
    /// awaits, `None` elsewhere (a task the handler spawns does not inherit it; pass a clone).
    pub fn current() -> Option<RequestContext> {
        CURRENT.try_with(Clone::clone).ok()
    }

    /// Runs `f` with this context as the current one.
    pub(crate) async fn scope<F: Future>(self, f: F) -> F::Output {
        CURRENT.scope(self, f).await
    }
}

/// Handles the requests of a connection (a server endpoint, or a client's callbacks).
#[async_trait]
pub trait Service: Send + Sync + 'static {
    /// Handles one request. The returned message is the reply (its `RelatesTo` and `To` are set
    /// by the transport); `None` for one-way operations.
    async fn call(
        &self,
        request: Message,
        context: RequestContext,
    ) -> Result<Option<Message>, ServiceError>;

    /// True for the headers (other than WS-Addressing's) this service processes: a request
    /// with a `mustUnderstand` header it does not understand gets a MustUnderstand fault.
    fn understands(&self, namespace: &str, local_name: &str) -> bool {
        let _ = (namespace, local_name);
        false
    }
}
