//! TLS (`wss://`) with rustls: a server certificate from PEM, client roots from the system or
//! from PEM, or a verifier of your own.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A TLS setting that could not be built.
#[derive(Debug, thiserror::Error)]
#[error("TLS: {0}")]
pub struct TlsError(pub String);

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server TLS configuration from a PEM certificate chain and a PEM private key.
pub fn server_config(
    cert_chain_pem: &[u8],
    private_key_pem: &[u8],
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_chain_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError(format!("certificate: {e}")))?;
    if certs.is_empty() {
        return Err(TlsError("no certificate in the PEM data".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(private_key_pem)
        .map_err(|e| TlsError(format!("private key: {e}")))?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError(e.to_string()))?;
    Ok(Arc::new(config))
}

/// Which server certificates a client trusts.
#[derive(Clone)]
pub enum ClientTls {
    /// The operating system's root certificates.
    SystemRoots,
    /// These root certificates (PEM).
    Roots(Vec<u8>),
    /// A verifier of your own (e.g. certificate pinning).
    Verifier(Arc<dyn rustls::client::danger::ServerCertVerifier>),
}

impl ClientTls {
    /// The rustls client configuration.
    pub fn config(&self) -> Result<Arc<rustls::ClientConfig>, TlsError> {
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(e.to_string()))?;
        let config = match self {
            Self::Verifier(v) => builder
                .dangerous()
                .with_custom_certificate_verifier(v.clone())
                .with_no_client_auth(),
            Self::SystemRoots | Self::Roots(_) => {
                let mut roots = rustls::RootCertStore::empty();
                match self {
                    Self::Roots(pem) => {
                        for cert in CertificateDer::pem_slice_iter(pem) {
                            let cert =
                                cert.map_err(|e| TlsError(format!("root certificate: {e}")))?;
                            roots.add(cert).map_err(|e| TlsError(e.to_string()))?;
                        }
                    }
                    _ => {
                        for cert in rustls_native_certs::load_native_certs().certs {
                            let _ = roots.add(cert);
                        }
                    }
                }
                builder.with_root_certificates(roots).with_no_client_auth()
            }
        };
        Ok(Arc::new(config))
    }
}
