//! Serving the REST API over TLS (rustls with ring), HTTP/2 and HTTP/1.1 negotiated by ALPN.
//!
//! With `tls: network_key` the node serves a self-signed certificate whose key is its Ed25519
//! network key, the key it registered on chain as `network_public_key`. Peers and clients do not
//! check names or authorities: they pin the on-chain key
//! ([`walrus_node_api::tls::PinnedKeyVerifier`]). `tls: pem` serves a certificate chain from
//! files instead (for a certificate from a public CA, in front of clients that do not pin).

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
    build_server_config(certificates, key)
}

/// The DER prefix of an Ed25519 PKCS#8 v1 private key (RFC 8410); the 32-byte seed follows.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The PKCS#8 DER of the Ed25519 key with this seed.
fn ed25519_pkcs8(seed: &[u8; 32]) -> Vec<u8> {
    let mut der = ED25519_PKCS8_PREFIX.to_vec();
    der.extend_from_slice(seed);
    der
}

/// A self-signed certificate (DER) for the Ed25519 key with this seed, naming `names`
/// (IP addresses become IP subject alternative names).
pub fn network_key_certificate(
    seed: &[u8; 32],
    names: Vec<String>,
) -> Result<CertificateDer<'static>, String> {
    let pkcs8 = rustls::pki_types::PrivatePkcs8KeyDer::from(ed25519_pkcs8(seed));
    let key_pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8, &rcgen::PKCS_ED25519)
        .map_err(|e| format!("network key: {e}"))?;
    let mut params = rcgen::CertificateParams::new(names).map_err(|e| e.to_string())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "walrus storage node");
    let certificate = params.self_signed(&key_pair).map_err(|e| e.to_string())?;
    Ok(certificate.der().clone())
}

/// The server config for a self-signed certificate of the network key (seed) naming `names`.
pub fn network_key_server_config(
    seed: &[u8; 32],
    names: Vec<String>,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let certificate = network_key_certificate(seed, names)?;
    let key = PrivateKeyDer::Pkcs8(ed25519_pkcs8(seed).into());
    build_server_config(vec![certificate], key)
}

fn build_server_config(
    certificates: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, String> {
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
            // Like `into_make_service_with_connect_info`: handlers may extract the peer address.
            let app = app.layer(axum::Extension(axum::extract::ConnectInfo(peer)));
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
    use walrus_node_api::tls::{NetworkPublicKey, pinned_http_client};

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

    fn public_key(seed: [u8; 32]) -> NetworkPublicKey {
        let key = walrus_sui::wallet::Wallet::from_seed(seed).public_key();
        NetworkPublicKey::from_on_chain(key.as_bytes()).expect("32 bytes")
    }

    #[tokio::test]
    async fn clients_pinned_to_the_network_key_connect_and_others_refuse() {
        let seed = [11; 32];
        let config =
            network_key_server_config(&seed, vec!["127.0.0.1".to_owned()]).expect("config");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let url = format!("https://{}/ping", listener.local_addr().expect("address"));
        let app = Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
        let cancel = CancellationToken::new();
        let server = tokio::spawn(serve(listener, app, config, cancel.clone()));
        let timeout = std::time::Duration::from_secs(10);

        // Pinned to the node's key: HTTP/2 over TLS.
        let client = pinned_http_client(public_key(seed), timeout, timeout).expect("client");
        let response = client.get(&url).send().await.expect("request");
        assert_eq!(response.version(), reqwest::Version::HTTP_2);
        assert_eq!(response.text().await.expect("body"), "pong");

        // Pinned to another key: refused, and the error says why.
        let other = public_key([12; 32]);
        let client = pinned_http_client(other, timeout, timeout).expect("client");
        let error = client.get(&url).send().await.expect_err("wrong key");
        let message = walrus_node_api::tls::error_chain(&error);
        assert!(
            message.contains("not for its on-chain network public key")
                && message.contains(&other.to_string())
                && message.contains(&public_key(seed).to_string()),
            "{message}"
        );

        // An ordinary client does not trust the self-signed certificate either.
        assert!(reqwest::get(&url).await.is_err());
        cancel.cancel();
        server.await.expect("server task");
    }
}
