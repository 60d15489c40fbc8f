//! Serving the REST API over TLS (rustls with ring), HTTP/2 and HTTP/1.1 negotiated by ALPN,
//! and self-signed certificates for a node's network key.

use std::{path::Path, sync::Arc};

use axum::Router;
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
    service::TowerToHyperService,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

/// Builds the server config from a PEM certificate chain and a PEM private key.
pub fn server_config(
    certificate_path: &Path,
    key_path: &Path,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let certificates: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(certificate_path)
            .map_err(|e| format!("{}: {e}", certificate_path.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", certificate_path.display()))?;
    if certificates.is_empty() {
        return Err(format!("{}: no certificate", certificate_path.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key_path)
        .map_err(|e| format!("{}: {e}", key_path.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|e| e.to_string())?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A self-signed certificate (PEM) and its new P-256 private key (PEM) for `names`.
pub fn self_signed(names: Vec<String>) -> Result<(String, String), String> {
    let key_pair =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| e.to_string())?;
    let params = rcgen::CertificateParams::new(names).map_err(|e| e.to_string())?;
    let certificate = params.self_signed(&key_pair).map_err(|e| e.to_string())?;
    Ok((certificate.pem(), key_pair.serialize_pem()))
}

/// Accepts TLS connections on `listener` and serves `app` on each until cancelled.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: Arc<rustls::ServerConfig>,
    cancel: CancellationToken,
) {
    let acceptor = TlsAcceptor::from(config);
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let tls = match acceptor.accept(stream).await {
                Ok(tls) => tls,
                Err(error) => {
                    tracing::debug!(%peer, %error, "TLS handshake failed");
                    return;
                }
            };
            let service = TowerToHyperService::new(app);
            let builder = auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection(TokioIo::new(tls), service);
            tokio::select! {
                () = cancel.cancelled() => {}
                result = connection => {
                    if let Err(error) = result {
                        tracing::debug!(%peer, %error, "connection error");
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_https_with_a_self_signed_certificate() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (certificate, key) =
            self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).expect("generates");
        let certificate_path = dir.path().join("cert.pem");
        let key_path = dir.path().join("key.pem");
        std::fs::write(&certificate_path, &certificate).expect("writes");
        std::fs::write(&key_path, &key).expect("writes");
        let config = server_config(&certificate_path, &key_path).expect("loads");
        assert!(server_config(&key_path, &key_path).is_err());

        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let address = listener.local_addr().expect("address");
        let app = Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
        let cancel = CancellationToken::new();
        let server = tokio::spawn(serve(listener, app, config, cancel.clone()));
        let client = reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(certificate.as_bytes()).expect("certificate"),
            )
            .build()
            .expect("client");
        let body = client
            .get(format!("https://localhost:{}/ping", address.port()))
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("body");
        assert_eq!(body, "pong");
        let plain = reqwest::get(format!("http://127.0.0.1:{}/ping", address.port())).await;
        assert!(plain.is_err() || !plain.expect("response").status().is_success());
        cancel.cancel();
        server.await.expect("server task");
    }
}
