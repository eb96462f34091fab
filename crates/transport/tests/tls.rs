//! `wss://` with a self-signed certificate made by rcgen: trusted roots work, untrusted ones
//! fail with a TLS certificate error, and the server keeps serving after each failure.

mod common;

use std::sync::Arc;

use common::*;
use soapws_transport::handshake::MessageEncoding;
use soapws_transport::tls::{server_config, ClientTls};
use soapws_transport::{Client, ConnectError, ConnectionConfig, Server};

struct Cert {
    cert_pem: String,
    key_pem: String,
}

fn self_signed(names: &[&str]) -> Cert {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .expect("rcgen");
    Cert {
        cert_pem: cert.pem(),
        key_pem: signing_key.serialize_pem(),
    }
}

async fn tls_server(cert: &Cert) -> (Server, Arc<Seen>) {
    let (builder, seen) = builder(ConnectionConfig::default());
    let tls = server_config(cert.cert_pem.as_bytes(), cert.key_pem.as_bytes()).unwrap();
    (builder.tls(tls).bind("127.0.0.1:0").await.unwrap(), seen)
}

fn wss(server: &Server) -> String {
    format!("wss://localhost:{}/echo", server.local_addr().port())
}

async fn assert_wss_serving(server: &Server, cert: &Cert) {
    let client = Client::builder(wss(server))
        .tls(ClientTls::Roots(cert.cert_pem.clone().into_bytes()))
        .connect()
        .await
        .expect("a trusting client connects");
    let reply = client.call(request(ECHO, "still serving")).await.unwrap();
    assert_eq!(text_of(&reply), "still serving");
    client.close().await;
}

/// The failure is a rustls certificate error carried by the I/O error.
fn assert_certificate_error(result: Result<Client, ConnectError>) {
    match result {
        Err(ConnectError::Io(e)) => {
            let inner = e
                .get_ref()
                .and_then(|i| i.downcast_ref::<rustls::Error>())
                .unwrap_or_else(|| panic!("not a rustls error: {e:?}"));
            assert!(
                matches!(inner, rustls::Error::InvalidCertificate(_)),
                "{inner:?}"
            );
        }
        Err(e) => panic!("expected a TLS certificate error, got {e:?}"),
        Ok(_) => panic!("connected to a server with an untrusted certificate"),
    }
}

#[tokio::test]
async fn wss_request_reply_with_a_trusted_self_signed_certificate() {
    within(10.0, "test", async {
        let cert = self_signed(&["localhost"]);
        let (server, seen) = tls_server(&cert).await;
        for encoding in [MessageEncoding::BinarySession, MessageEncoding::Text] {
            let client = Client::builder(wss(&server))
                .encoding(encoding)
                .tls(ClientTls::Roots(cert.cert_pem.clone().into_bytes()))
                .connect()
                .await
                .unwrap();
            for i in 0..5 {
                let req = request(ECHO, format!("secure {i}"));
                let id = req.headers.message_id.clone().unwrap();
                let reply = client.call(req).await.unwrap();
                assert_eq!(reply.headers.relates_to.as_ref().unwrap().id, id);
                assert_eq!(text_of(&reply), format!("secure {i}"));
            }
            let fault = client.call(request("urn:echo/Fail", "x")).await.unwrap();
            assert!(fault.is_fault());
            client.close().await;
            assert_eq!(client.closed().await.code, Some(1000));
        }
        assert_eq!(seen.started.load(std::sync::atomic::Ordering::SeqCst), 12);
        server.shutdown().await;
    })
    .await
}

#[tokio::test]
async fn wss_fails_with_a_certificate_error_when_the_certificate_is_not_trusted() {
    within(20.0, "test", async {
        let cert = self_signed(&["localhost"]);
        let (server, _) = tls_server(&cert).await;

        // The system's roots do not know a fresh self-signed certificate.
        let result = Client::builder(wss(&server))
            .tls(ClientTls::SystemRoots)
            .connect()
            .await;
        assert_certificate_error(result);
        assert_wss_serving(&server, &cert).await;

        // Another certificate as the only root.
        let other = self_signed(&["localhost"]);
        let result = Client::builder(wss(&server))
            .tls(ClientTls::Roots(other.cert_pem.clone().into_bytes()))
            .connect()
            .await;
        assert_certificate_error(result);
        assert_wss_serving(&server, &cert).await;

        // The right root, but a name the certificate does not cover.
        let result = Client::builder(format!(
            "wss://127.0.0.1:{}/echo",
            server.local_addr().port()
        ))
        .tls(ClientTls::Roots(cert.cert_pem.clone().into_bytes()))
        .connect()
        .await;
        assert_certificate_error(result);
        assert_wss_serving(&server, &cert).await;

        // Plain ws:// to the TLS port fails (no 101), and the server goes on.
        let plain = within(
            12.0,
            "plain client against a TLS port",
            Client::connect(format!("ws://{}/echo", server.local_addr())),
        )
        .await;
        assert!(plain.is_err());
        assert_wss_serving(&server, &cert).await;
        server.shutdown().await;
    })
    .await
}

/// A `wss://` client against a plain server fails at once (the server answers the ClientHello
/// with a plain 400 instead of waiting 30 s for a head); the server keeps serving `ws://`.
#[tokio::test]
async fn wss_client_against_a_plain_server_fails() {
    within(3.0, "wss:// client against a ws:// server", async {
        let cert = self_signed(&["localhost"]);
        let (server, _) = common::server(ConnectionConfig::default()).await;
        let result = Client::builder(format!(
            "wss://localhost:{}/echo",
            server.local_addr().port()
        ))
        .tls(ClientTls::Roots(cert.cert_pem.into_bytes()))
        .connect()
        .await;
        match result {
            Err(ConnectError::Io(e)) => assert!(
                e.get_ref()
                    .is_some_and(|i| i.downcast_ref::<rustls::Error>().is_some()),
                "{e:?}"
            ),
            Err(e) => panic!("expected a TLS error, got {e:?}"),
            Ok(_) => panic!("a TLS connection to a plain server"),
        }
        assert_serving(server.local_addr()).await;
        server.shutdown().await;
    })
    .await
}
