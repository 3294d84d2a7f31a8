//! Real TLS handshakes with a self-signed server on 127.0.0.1, as a LAN terminal presents one.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::routing::get;
use biometric_core::{
    Engine, Error, Method, Operation, RetryPolicy, TlsOptions, TransportKind, decode_bytes,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A self-signed certificate for IP 127.0.0.1 and its key, made for these tests only.
const CERT: &[u8] = include_bytes!("../fixtures/loopback-cert.pem");
const KEY: &[u8] = include_bytes!("../fixtures/loopback-key.pem");

/// Serves `GET /version` over TLS on a free loopback port; returns the base URL.
async fn tls_server() -> String {
    tls_server_counting(Arc::default()).await
}

/// Like [`tls_server`], counting the TCP connections it accepts.
async fn tls_server_counting(accepted: Arc<AtomicUsize>) -> String {
    biometric_core::ensure_crypto_provider();
    let provider = rustls::crypto::CryptoProvider::get_default()
        .expect("installed just above")
        .clone();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(CERT).unwrap()],
            PrivateKeyDer::from_pem_slice(KEY).unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let app = Router::new().route("/version", get(|| async { "1.1.69" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            accepted.fetch_add(1, Ordering::SeqCst);
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to serve.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(app);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    format!("https://{address}/")
}

async fn fetch(base: &str, tls: TlsOptions) -> Result<Vec<u8>, Error> {
    let engine = Engine::builder(base)
        .http(|h| h.tls(tls))
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()?;
    let op = Operation::with_decoder("test.version", Method::GET, "version", decode_bytes);
    engine.execute(op).await.map(|body| body.to_vec())
}

#[tokio::test]
async fn an_unknown_self_signed_certificate_is_refused() {
    let base = tls_server().await;

    let err = fetch(&base, TlsOptions::default()).await.unwrap_err();

    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(
        err.is_connect(),
        "a refused certificate means nothing was sent: {err:?}"
    );
}

#[tokio::test]
async fn a_refused_certificate_is_permanent_and_never_retried() {
    let accepted = Arc::new(AtomicUsize::new(0));
    let base = tls_server_counting(accepted.clone()).await;
    let engine = Engine::builder(base)
        .http(|h| h.retry(RetryPolicy::default().max_attempts(5)))
        .build()
        .unwrap();

    let op = Operation::with_decoder("test.version", Method::GET, "version", decode_bytes);
    let err = engine.execute(op).await.unwrap_err();

    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(transport.kind(), TransportKind::Tls, "{err:?}");
    assert!(err.is_unsent(), "the handshake failed: nothing was sent");
    // A refused connection is retried; a refused certificate would be refused again.
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "one handshake, no retry"
    );
}

#[tokio::test]
async fn the_device_certificate_can_be_added_to_the_platform_roots_or_pinned() {
    let base = tls_server().await;

    let merged = TlsOptions::default()
        .add_root_certificate_pem(CERT)
        .unwrap();
    let pinned = TlsOptions::default()
        .add_root_certificate_pem(CERT)
        .unwrap()
        .only_added_roots();

    assert_eq!(fetch(&base, merged).await.unwrap(), b"1.1.69");
    assert_eq!(fetch(&base, pinned).await.unwrap(), b"1.1.69");
}

#[tokio::test]
async fn pinning_another_certificate_refuses_this_one() {
    let base = tls_server().await;
    let other = include_bytes!("../fixtures/device-self-signed.pem");

    let err = fetch(
        &base,
        TlsOptions::default()
            .add_root_certificate_pem(other)
            .unwrap()
            .only_added_roots(),
    )
    .await
    .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}

#[tokio::test]
async fn the_danger_switch_accepts_any_certificate() {
    let base = tls_server().await;

    let body = fetch(
        &base,
        TlsOptions::default().danger_accept_invalid_certificates(),
    )
    .await
    .unwrap();
    assert_eq!(body, b"1.1.69");
}
