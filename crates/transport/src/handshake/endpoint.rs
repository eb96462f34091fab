//! What an endpoint accepts: encodings, transfer mode, subprotocol, origins and credentials.

use std::fmt;
use std::sync::Arc;

use super::decision::Rejection;
use super::encoding::{MessageEncoding, TransferMode};
use super::request::RequestView;
use super::SOAP_SUBPROTOCOL;

/// Checks a handshake's credentials; `Err` is answered as is (e.g. 401 with `WWW-Authenticate`).
pub type AuthHook = Arc<dyn Fn(&RequestView) -> Result<(), Rejection> + Send + Sync>;

/// Which `Origin` headers an endpoint accepts.
///
/// A request without `Origin` is always accepted: .NET, Mono and other non-browser clients send
/// none, and a client that is not a browser can set any value it likes anyway. The policy guards
/// against pages in a browser opening sockets to the service (cross-site WebSocket hijacking).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum OriginPolicy {
    /// Any origin.
    #[default]
    AllowAny,
    /// Only these origins (`scheme://host[:port]`), compared ignoring ASCII case.
    AllowList(Vec<String>),
}

impl OriginPolicy {
    /// Whether `origin` (the header value, whitespace trimmed) is allowed.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::AllowAny => true,
            Self::AllowList(list) => {
                let origin = origin.trim_matches([' ', '\t']);
                list.iter()
                    .any(|allowed| allowed.eq_ignore_ascii_case(origin))
            }
        }
    }
}

/// An endpoint's handshake configuration.
///
/// The default matches `NetHttpBinding`: binary session encoding, buffered, subprotocol `soap`,
/// any origin, no authentication. WCF endpoints have one encoder; a soapws endpoint may accept
/// several and serves each connection with the one its `soap-content-type` names.
#[derive(Clone)]
pub struct EndpointConfig {
    encodings: Vec<MessageEncoding>,
    transfer_mode: TransferMode,
    subprotocol: Option<String>,
    origin_policy: OriginPolicy,
    auth: Option<AuthHook>,
}

impl EndpointConfig {
    /// An endpoint accepting `encoding`, otherwise with the defaults.
    pub fn new(encoding: MessageEncoding) -> Self {
        Self {
            encodings: vec![encoding],
            transfer_mode: TransferMode::Buffered,
            subprotocol: Some(SOAP_SUBPROTOCOL.to_owned()),
            origin_policy: OriginPolicy::AllowAny,
            auth: None,
        }
    }

    /// Also accepts `encoding` (after those already listed; listing one twice changes nothing).
    #[must_use]
    pub fn with_encoding(mut self, encoding: MessageEncoding) -> Self {
        if !self.encodings.contains(&encoding) {
            self.encodings.push(encoding);
        }
        self
    }

    /// Sets the transfer mode; binary clients must announce the same one.
    #[must_use]
    pub fn with_transfer_mode(mut self, mode: TransferMode) -> Self {
        self.transfer_mode = mode;
        self
    }

    /// Sets the required subprotocol; `None` means clients must offer none (WCF's
    /// `SubProtocol = null`).
    #[must_use]
    pub fn with_subprotocol(mut self, subprotocol: Option<&str>) -> Self {
        self.subprotocol = subprotocol.map(str::to_owned);
        self
    }

    /// Sets the `Origin` policy.
    #[must_use]
    pub fn with_origin_policy(mut self, policy: OriginPolicy) -> Self {
        self.origin_policy = policy;
        self
    }

    /// Sets the authentication hook.
    #[must_use]
    pub fn with_auth(
        mut self,
        hook: impl Fn(&RequestView) -> Result<(), Rejection> + Send + Sync + 'static,
    ) -> Self {
        self.auth = Some(Arc::new(hook));
        self
    }

    /// The accepted encodings, first one preferred (never empty).
    pub fn encodings(&self) -> &[MessageEncoding] {
        &self.encodings
    }

    /// The endpoint's preferred encoding: the first listed.
    pub fn preferred_encoding(&self) -> MessageEncoding {
        self.encodings
            .first()
            .copied()
            .unwrap_or(MessageEncoding::BinarySession)
    }

    /// The transfer mode.
    pub fn transfer_mode(&self) -> TransferMode {
        self.transfer_mode
    }

    /// The required subprotocol, if any.
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }

    /// The `Origin` policy.
    pub fn origin_policy(&self) -> &OriginPolicy {
        &self.origin_policy
    }

    /// Runs the authentication hook (`Ok` when there is none).
    pub fn authenticate(&self, request: &RequestView) -> Result<(), Rejection> {
        self.auth.as_ref().map_or(Ok(()), |hook| hook(request))
    }
}

impl Default for EndpointConfig {
    fn default() -> Self {
        Self::new(MessageEncoding::BinarySession)
    }
}

impl fmt::Debug for EndpointConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointConfig")
            .field("encodings", &self.encodings)
            .field("transfer_mode", &self.transfer_mode)
            .field("subprotocol", &self.subprotocol)
            .field("origin_policy", &self.origin_policy)
            .field("auth", &self.auth.as_ref().map(|_| "Fn"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_policy() {
        let list = OriginPolicy::AllowList(vec!["https://app.example".into()]);
        assert!(list.allows("https://APP.example"));
        assert!(list.allows(" https://app.example "));
        assert!(!list.allows("https://evil.example"));
        assert!(!list.allows("null"));
        assert!(OriginPolicy::AllowAny.allows("null"));
    }

    #[test]
    fn builder() {
        let config = EndpointConfig::new(MessageEncoding::Text)
            .with_encoding(MessageEncoding::BinarySession)
            .with_encoding(MessageEncoding::Text)
            .with_transfer_mode(TransferMode::Streamed)
            .with_subprotocol(None);
        assert_eq!(
            config.encodings(),
            [MessageEncoding::Text, MessageEncoding::BinarySession]
        );
        assert_eq!(config.preferred_encoding(), MessageEncoding::Text);
        assert_eq!(config.transfer_mode(), TransferMode::Streamed);
        assert_eq!(config.subprotocol(), None);
        assert!(format!("{config:?}").contains("auth: None"));
        let default = EndpointConfig::default();
        assert_eq!(default.encodings(), [MessageEncoding::BinarySession]);
        assert_eq!(default.subprotocol(), Some("soap"));
    }
}
