//! TLS to storage nodes, authenticated by pinning: a node serves a self-signed certificate for
//! its Ed25519 network key, and a client accepts the certificate if and only if its
//! SubjectPublicKeyInfo holds the network public key the node registered on chain. No
//! certificate authority, name or validity period is involved; the handshake signature is still
//! checked against the certificate's key, so only the holder of the private key passes.

use std::{fmt, sync::Arc, time::Duration};

use rustls::{
    CertificateError, DigitallySignedStruct, OtherError, SignatureScheme,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::WebPkiSupportedAlgorithms,
    pki_types::{CertificateDer, ServerName, UnixTime},
};

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32 key bytes follow.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The Sui signature-scheme flag of Ed25519, which prefixes the key in the 33-byte on-chain form.
const ED25519_FLAG: u8 = 0x00;

/// Errors of the pinned TLS setup.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The on-chain bytes are not an Ed25519 network public key.
    #[error(
        "invalid network public key: expected 33 bytes (flag 0x00 and an Ed25519 key) or 32, got {len} bytes{flag}"
    )]
    InvalidKey {
        /// The length given.
        len: usize,
        /// A note on a wrong flag byte.
        flag: String,
    },
    /// rustls or reqwest refused the configuration.
    #[error("TLS client setup: {0}")]
    Setup(String),
}

/// A node's Ed25519 network public key: the key of its TLS certificate.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct NetworkPublicKey(pub [u8; 32]);

impl NetworkPublicKey {
    /// Parses the on-chain form: 33 bytes (the Ed25519 flag `0x00`, then the key), or the bare
    /// 32-byte key.
    pub fn from_on_chain(bytes: &[u8]) -> Result<Self, TlsError> {
        let key = match bytes {
            [ED25519_FLAG, key @ ..] if key.len() == 32 => key,
            key if key.len() == 32 => key,
            _ => {
                let flag = match bytes.first() {
                    Some(&flag) if bytes.len() == 33 => format!(" (flag {flag:#04x})"),
                    _ => String::new(),
                };
                return Err(TlsError::InvalidKey {
                    len: bytes.len(),
                    flag,
                });
            }
        };
        let mut array = [0; 32];
        array.copy_from_slice(key);
        Ok(Self(array))
    }

    /// The 33-byte on-chain form (`0x00` flag, then the key).
    pub fn to_on_chain(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(33);
        bytes.push(ED25519_FLAG);
        bytes.extend_from_slice(&self.0);
        bytes
    }

    /// The DER SubjectPublicKeyInfo of this key.
    pub fn spki_der(&self) -> Vec<u8> {
        let mut der = ED25519_SPKI_PREFIX.to_vec();
        der.extend_from_slice(&self.0);
        der
    }

    fn from_spki_der(der: &[u8]) -> Option<Self> {
        let key = der.strip_prefix(&ED25519_SPKI_PREFIX[..])?;
        let array: [u8; 32] = key.try_into().ok()?;
        Some(Self(array))
    }
}

impl fmt::Display for NetworkPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NetworkPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NetworkPublicKey({self})")
    }
}

/// The server's certificate is not for the pinned network public key.
///
/// Its `Debug` form is the message too: rustls reports certificate errors with `{:?}`.
#[derive(thiserror::Error)]
#[error(
    "the node's TLS certificate is not for its on-chain network public key {expected} (the certificate's key is {found})"
)]
pub struct PinMismatch {
    /// The on-chain key.
    pub expected: NetworkPublicKey,
    /// The certificate's key (hex of its SubjectPublicKeyInfo if it is not Ed25519).
    pub found: String,
}

impl fmt::Debug for PinMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A rustls server-certificate verifier that accepts exactly the certificates whose key is
/// the pinned network public key.
#[derive(Debug)]
pub struct PinnedKeyVerifier {
    key: NetworkPublicKey,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedKeyVerifier {
    /// A verifier pinned to `key`, checking handshake signatures with ring's algorithms.
    pub fn new(key: NetworkPublicKey) -> Self {
        Self {
            key,
            algorithms: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        }
    }
}

impl ServerCertVerifier for PinnedKeyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let certificate = webpki::EndEntityCert::try_from(end_entity)
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        let spki = certificate.subject_public_key_info();
        match NetworkPublicKey::from_spki_der(spki.as_ref()) {
            Some(found) if found == self.key => Ok(ServerCertVerified::assertion()),
            found => {
                let found = found.map_or_else(
                    || {
                        spki.as_ref()
                            .iter()
                            .map(|b| format!("{b:02x}"))
                            .collect::<String>()
                    },
                    |key| key.to_string(),
                );
                Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                    OtherError(Arc::new(PinMismatch {
                        expected: self.key,
                        found,
                    })),
                )))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A rustls client config (ring, HTTP/2 and HTTP/1.1 by ALPN) that trusts only `key`.
pub fn pinned_client_config(key: NetworkPublicKey) -> Result<rustls::ClientConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Setup(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedKeyVerifier::new(key)))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A `reqwest::Client` for one node: HTTPS only to a server holding `key`; plain `http://`
/// URLs are unaffected.
pub fn pinned_http_client(
    key: NetworkPublicKey,
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<reqwest::Client, TlsError> {
    reqwest::Client::builder()
        .use_preconfigured_tls(pinned_client_config(key)?)
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .build()
        .map_err(|e| TlsError::Setup(e.to_string()))
}

/// The message of `error` and of every error in its source chain, joined by `: ` (reqwest
/// hides the TLS reason, such as a [`PinMismatch`], in the chain).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_chain_forms() {
        let key = NetworkPublicKey([7; 32]);
        assert_eq!(key.to_on_chain().len(), 33);
        assert_eq!(
            NetworkPublicKey::from_on_chain(&key.to_on_chain()).expect("valid"),
            key
        );
        assert_eq!(
            NetworkPublicKey::from_on_chain(&[7; 32]).expect("valid"),
            key
        );
        let error = NetworkPublicKey::from_on_chain(&[2; 33]).expect_err("flag");
        assert!(error.to_string().contains("flag 0x02"), "{error}");
        assert!(NetworkPublicKey::from_on_chain(&[0; 31]).is_err());
        assert_eq!(NetworkPublicKey::from_spki_der(&key.spki_der()), Some(key));
    }
}
