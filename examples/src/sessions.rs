//! Per-connection state of a session-ful service, dropped when the connection ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use soapws::transport::Peer;

/// State of type `S` for each connected peer, as WCF's `InstanceContextMode.PerSession` keeps a
/// service instance per session.
#[derive(Debug)]
pub struct Sessions<S> {
    states: Arc<Mutex<HashMap<u64, S>>>,
}

impl<S> Default for Sessions<S> {
    fn default() -> Self {
        Self {
            states: Arc::default(),
        }
    }
}

impl<S: Default + Send + 'static> Sessions<S> {
    /// Runs `f` on the state of `peer`'s session, creating it on first use; the state is removed
    /// when the connection closes.
    pub fn with<R>(&self, peer: &Peer, f: impl FnOnce(&mut S) -> R) -> R {
        let mut states = lock(&self.states);
        let id = peer.id();
        if !states.contains_key(&id) {
            let (states_ref, peer) = (self.states.clone(), peer.clone());
            tokio::spawn(async move {
                peer.closed().await;
                lock(&states_ref).remove(&id);
            });
        }
        f(states.entry(id).or_default())
    }

    /// How many sessions hold state.
    pub fn len(&self) -> usize {
        lock(&self.states).len()
    }

    /// Whether no session holds state.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn lock<S>(states: &Mutex<HashMap<u64, S>>) -> MutexGuard<'_, HashMap<u64, S>> {
    states.lock().unwrap_or_else(|p| p.into_inner())
}
