//! Optional client-side encryption: ChaCha20-Poly1305 with a 32-byte key from a key file or
//! derived from a passphrase with Argon2id.
//!
//! An encrypted blob is `header || ciphertext || tag (16 bytes)`. The header, which is also the
//! AEAD's associated data (so it cannot be altered), is:
//!
//! ```text
//! magic "WALENC" (6) | version u8 = 1 | kdf u8 (0 = key file, 1 = Argon2id passphrase)
//! [kdf 1 only: m_cost_kib u32 LE | t_cost u32 LE | p_cost u32 LE | salt (16)]
//! nonce (12)
//! ```
//!
//! Encryption and decryption work in place on the caller's buffer: beyond the blob itself they
//! need only the header and tag.
//!
//! A wrong key, a wrong passphrase, a truncated or a tampered blob all fail authentication and
//! give a typed error; garbage is never returned.

use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce, Tag};
use rand::RngCore;

/// The magic bytes at the start of every encrypted blob.
pub const MAGIC: &[u8; 6] = b"WALENC";
/// The current format version.
pub const VERSION: u8 = 1;
/// The length of a key in bytes.
pub const KEY_LENGTH: usize = 32;
const NONCE_LENGTH: usize = 12;
const TAG_LENGTH: usize = 16;
const SALT_LENGTH: usize = 16;
const KDF_KEY_FILE: u8 = 0;
const KDF_ARGON2ID: u8 = 1;
/// Upper bounds on Argon2 parameters read from a header (a hostile header must not make the
/// reader allocate gigabytes or spin for minutes).
const MAX_M_COST_KIB: u32 = 1024 * 1024;
const MAX_T_COST: u32 = 64;
const MAX_P_COST: u32 = 64;

/// Why encryption or decryption failed.
#[derive(Debug, thiserror::Error)]
pub enum EncryptionError {
    /// The data does not start with the encryption header.
    #[error("the blob is not encrypted (no WALENC header)")]
    NotEncrypted,
    /// The header names a format version this client does not know.
    #[error("unsupported encryption format version {0}")]
    UnsupportedVersion(u8),
    /// The header names an unknown key derivation.
    #[error("unknown key derivation {0} in the encryption header")]
    UnknownKdf(u8),
    /// The blob is shorter than its header and tag.
    #[error("the encrypted blob is truncated ({0} bytes)")]
    Truncated(usize),
    /// The blob was encrypted with a passphrase but a key file was given, or vice versa.
    #[error("the blob was encrypted with {expected}, but {given} was given")]
    KeyKindMismatch {
        /// What the header says.
        expected: &'static str,
        /// What the caller gave.
        given: &'static str,
    },
    /// Authentication failed.
    #[error("decryption failed: wrong key or passphrase, or the blob was altered")]
    WrongKeyOrTampered,
    /// The Argon2 parameters in the header are out of range.
    #[error("invalid passphrase parameters: {0}")]
    KdfParameters(String),
    /// A key file could not be read or written.
    #[error("key file {path}: {message}")]
    KeyFile {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The AEAD refused the input (it is larger than the cipher allows).
    #[error("encryption failed: {0}")]
    Cipher(String),
}

/// Where the encryption key comes from.
#[derive(Clone)]
pub enum KeySource {
    /// A raw 32-byte key (from a key file).
    Key([u8; KEY_LENGTH]),
    /// A passphrase; the key is derived with Argon2id and a random salt per blob.
    Passphrase(String),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secrets.
        match self {
            KeySource::Key(_) => f.write_str("KeySource::Key(..)"),
            KeySource::Passphrase(_) => f.write_str("KeySource::Passphrase(..)"),
        }
    }
}

impl KeySource {
    fn kind(&self) -> &'static str {
        match self {
            KeySource::Key(_) => "a key file",
            KeySource::Passphrase(_) => "a passphrase",
        }
    }
}

/// Argon2id parameters for passphrase keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Iterations.
    pub t_cost: u32,
    /// Parallelism.
    pub p_cost: u32,
}

impl Default for KdfParams {
    /// OWASP's recommended Argon2id setting (19 MiB, 2 iterations, 1 lane).
    fn default() -> Self {
        Self {
            m_cost_kib: 19 * 1024,
            t_cost: 2,
            p_cost: 1,
        }
    }
}

/// Generates a random key.
pub fn generate_key() -> [u8; KEY_LENGTH] {
    let mut key = [0u8; KEY_LENGTH];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

/// Writes a new random key to `path` as 64 hex digits (mode 0600 on Unix); fails if the file
/// exists.
pub fn generate_key_file(path: &Path) -> Result<[u8; KEY_LENGTH], EncryptionError> {
    let key = generate_key();
    let error = |message: String| EncryptionError::KeyFile {
        path: path.display().to_string(),
        message,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| error(e.to_string()))?;
    std::io::Write::write_all(&mut file, format!("{}\n", hex::encode(key)).as_bytes())
        .map_err(|e| error(e.to_string()))?;
    Ok(key)
}

/// Reads a key file: 64 hex digits (surrounding whitespace allowed) or exactly 32 raw bytes.
pub fn load_key_file(path: &Path) -> Result<[u8; KEY_LENGTH], EncryptionError> {
    let error = |message: String| EncryptionError::KeyFile {
        path: path.display().to_string(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| error(e.to_string()))?;
    parse_key(&bytes).ok_or_else(|| error("expected 64 hex digits or 32 raw bytes".to_owned()))
}

fn parse_key(bytes: &[u8]) -> Option<[u8; KEY_LENGTH]> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let text = text.trim();
        if text.len() == 2 * KEY_LENGTH
            && let Ok(decoded) = hex::decode(text)
        {
            return decoded.try_into().ok();
        }
    }
    bytes.try_into().ok()
}

/// True if `data` starts with the encryption magic.
pub fn is_encrypted(data: &[u8]) -> bool {
    data.starts_with(MAGIC)
}

/// Encrypts `data` in place with default passphrase parameters; see [`encrypt_with`].
pub fn encrypt(data: Vec<u8>, key: &KeySource) -> Result<Vec<u8>, EncryptionError> {
    encrypt_with(data, key, KdfParams::default())
}

/// Encrypts `data` in place (the buffer grows by the header and tag) with a fresh random nonce
/// (and salt, for a passphrase).
pub fn encrypt_with(
    mut data: Vec<u8>,
    key: &KeySource,
    params: KdfParams,
) -> Result<Vec<u8>, EncryptionError> {
    let mut nonce = [0u8; NONCE_LENGTH];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let mut header = Vec::with_capacity(64);
    header.extend_from_slice(MAGIC);
    header.push(VERSION);
    let key_bytes = match key {
        KeySource::Key(key) => {
            header.push(KDF_KEY_FILE);
            *key
        }
        KeySource::Passphrase(passphrase) => {
            let mut salt = [0u8; SALT_LENGTH];
            rand::rngs::OsRng.fill_bytes(&mut salt);
            header.push(KDF_ARGON2ID);
            header.extend_from_slice(&params.m_cost_kib.to_le_bytes());
            header.extend_from_slice(&params.t_cost.to_le_bytes());
            header.extend_from_slice(&params.p_cost.to_le_bytes());
            header.extend_from_slice(&salt);
            derive_key(passphrase, &salt, params)?
        }
    };
    header.extend_from_slice(&nonce);

    let length = data.len();
    data.reserve_exact(header.len() + TAG_LENGTH);
    data.resize(length + header.len(), 0);
    data.copy_within(0..length, header.len());
    data[..header.len()].copy_from_slice(&header);
    let cipher = ChaCha20Poly1305::new(&Key::from(key_bytes));
    let tag = cipher
        .encrypt_in_place_detached(&Nonce::from(nonce), &header, &mut data[header.len()..])
        .map_err(|e| EncryptionError::Cipher(e.to_string()))?;
    data.extend_from_slice(&tag);
    Ok(data)
}

/// Decrypts `data` in place (the buffer shrinks to the plaintext).
pub fn decrypt(mut data: Vec<u8>, key: &KeySource) -> Result<Vec<u8>, EncryptionError> {
    let header = parse_header(&data)?;
    let header_length = header.length;
    let key_bytes = match (&header.kdf, key) {
        (Kdf::KeyFile, KeySource::Key(key)) => *key,
        (Kdf::Argon2 { params, salt }, KeySource::Passphrase(passphrase)) => {
            derive_key(passphrase, salt, *params)?
        }
        (Kdf::KeyFile, given) => {
            return Err(EncryptionError::KeyKindMismatch {
                expected: "a key file",
                given: given.kind(),
            });
        }
        (Kdf::Argon2 { .. }, given) => {
            return Err(EncryptionError::KeyKindMismatch {
                expected: "a passphrase",
                given: given.kind(),
            });
        }
    };
    if data.len() < header_length + TAG_LENGTH {
        return Err(EncryptionError::Truncated(data.len()));
    }
    let nonce = header.nonce;
    let body_end = data.len() - TAG_LENGTH;
    let (head, rest) = data.split_at_mut(header_length);
    let (ciphertext, tag) = rest.split_at_mut(body_end - header_length);
    let tag: [u8; TAG_LENGTH] = (&*tag)
        .try_into()
        .map_err(|_| EncryptionError::Truncated(body_end))?;
    let cipher = ChaCha20Poly1305::new(&Key::from(key_bytes));
    cipher
        .decrypt_in_place_detached(&Nonce::from(nonce), head, ciphertext, &Tag::from(tag))
        .map_err(|_| EncryptionError::WrongKeyOrTampered)?;
    data.truncate(body_end);
    data.drain(..header_length);
    Ok(data)
}

enum Kdf {
    KeyFile,
    Argon2 {
        params: KdfParams,
        salt: [u8; SALT_LENGTH],
    },
}

struct Header {
    length: usize,
    kdf: Kdf,
    nonce: [u8; NONCE_LENGTH],
}

fn parse_header(data: &[u8]) -> Result<Header, EncryptionError> {
    if !data.starts_with(MAGIC) {
        if MAGIC.starts_with(data) && !data.is_empty() {
            return Err(EncryptionError::Truncated(data.len()));
        }
        return Err(EncryptionError::NotEncrypted);
    }
    let truncated = || EncryptionError::Truncated(data.len());
    let mut at = MAGIC.len();
    let version = *data.get(at).ok_or_else(truncated)?;
    if version != VERSION {
        return Err(EncryptionError::UnsupportedVersion(version));
    }
    at += 1;
    let kdf_id = *data.get(at).ok_or_else(truncated)?;
    at += 1;
    let mut take = |n: usize| -> Result<&[u8], EncryptionError> {
        let bytes = data.get(at..at + n).ok_or_else(truncated)?;
        at += n;
        Ok(bytes)
    };
    let kdf = match kdf_id {
        KDF_KEY_FILE => Kdf::KeyFile,
        KDF_ARGON2ID => {
            let mut u32_at = || -> Result<u32, EncryptionError> {
                let bytes: [u8; 4] = take(4)?.try_into().map_err(|_| truncated())?;
                Ok(u32::from_le_bytes(bytes))
            };
            let params = KdfParams {
                m_cost_kib: u32_at()?,
                t_cost: u32_at()?,
                p_cost: u32_at()?,
            };
            let salt: [u8; SALT_LENGTH] = take(SALT_LENGTH)?.try_into().map_err(|_| truncated())?;
            Kdf::Argon2 { params, salt }
        }
        other => return Err(EncryptionError::UnknownKdf(other)),
    };
    let nonce: [u8; NONCE_LENGTH] = take(NONCE_LENGTH)?.try_into().map_err(|_| truncated())?;
    Ok(Header {
        length: at,
        kdf,
        nonce,
    })
}

fn derive_key(
    passphrase: &str,
    salt: &[u8],
    params: KdfParams,
) -> Result<[u8; KEY_LENGTH], EncryptionError> {
    if params.m_cost_kib > MAX_M_COST_KIB
        || params.t_cost > MAX_T_COST
        || params.p_cost > MAX_P_COST
    {
        return Err(EncryptionError::KdfParameters(format!(
            "{params:?} exceeds the limits (m <= {MAX_M_COST_KIB} KiB, t <= {MAX_T_COST}, \
             p <= {MAX_P_COST})"
        )));
    }
    let argon_params = Params::new(
        params.m_cost_kib,
        params.t_cost,
        params.p_cost,
        Some(KEY_LENGTH),
    )
    .map_err(|e| EncryptionError::KdfParameters(e.to_string()))?;
    let mut key = [0u8; KEY_LENGTH];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| EncryptionError::KdfParameters(e.to_string()))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap Argon2 parameters so the tests stay fast.
    const FAST: KdfParams = KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };

    fn sample(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| u8::try_from(i % 251).expect("below 251"))
            .collect()
    }

    #[test]
    fn key_round_trip_for_several_sizes() {
        let key = KeySource::Key(generate_key());
        for len in [0, 1, 15, 16, 17, 1000, 100_000] {
            let plain = sample(len);
            let sealed = encrypt(plain.clone(), &key).expect("encrypts");
            assert!(is_encrypted(&sealed));
            assert_eq!(sealed.len(), len + 6 + 2 + 12 + 16);
            if len > 16 {
                assert_ne!(&sealed[20..20 + 16], &plain[..16], "ciphertext differs");
            }
            assert_eq!(decrypt(sealed, &key).expect("decrypts"), plain);
        }
    }

    #[test]
    fn passphrase_round_trip_and_fresh_salt() {
        let key = KeySource::Passphrase("correct horse battery staple".into());
        let plain = sample(5000);
        let a = encrypt_with(plain.clone(), &key, FAST).expect("encrypts");
        let b = encrypt_with(plain.clone(), &key, FAST).expect("encrypts");
        assert_ne!(a, b, "fresh salt and nonce every time");
        assert_eq!(decrypt(a, &key).expect("decrypts"), plain);
        assert_eq!(decrypt(b, &key).expect("decrypts"), plain);
    }

    #[test]
    fn wrong_key_is_an_error() {
        let sealed = encrypt(sample(100), &KeySource::Key([1; 32])).expect("encrypts");
        let error = decrypt(sealed, &KeySource::Key([2; 32])).expect_err("wrong key");
        assert!(
            matches!(error, EncryptionError::WrongKeyOrTampered),
            "{error}"
        );
    }

    #[test]
    fn wrong_passphrase_is_an_error() {
        let sealed = encrypt_with(sample(100), &KeySource::Passphrase("right".into()), FAST)
            .expect("encrypts");
        let error = decrypt(sealed, &KeySource::Passphrase("wrong".into())).expect_err("fails");
        assert!(
            matches!(error, EncryptionError::WrongKeyOrTampered),
            "{error}"
        );
    }

    #[test]
    fn key_kind_mismatch_is_named() {
        let sealed =
            encrypt_with(sample(10), &KeySource::Passphrase("p".into()), FAST).expect("encrypts");
        let error = decrypt(sealed, &KeySource::Key([0; 32])).expect_err("fails");
        assert!(
            error.to_string().contains("encrypted with a passphrase"),
            "{error}"
        );
        let sealed = encrypt(sample(10), &KeySource::Key([0; 32])).expect("encrypts");
        let error = decrypt(sealed, &KeySource::Passphrase("p".into())).expect_err("fails");
        assert!(matches!(error, EncryptionError::KeyKindMismatch { .. }));
    }

    #[test]
    fn truncated_ciphertext_is_an_error() {
        let key = KeySource::Key([9; 32]);
        let sealed = encrypt(sample(300), &key).expect("encrypts");
        for cut in [1, 15, 16, 17, 200] {
            let short = sealed[..sealed.len() - cut].to_vec();
            let error = decrypt(short, &key).expect_err("truncated");
            assert!(
                matches!(
                    error,
                    EncryptionError::WrongKeyOrTampered | EncryptionError::Truncated(_)
                ),
                "cut {cut}: {error}"
            );
        }
        // Shorter than the header.
        for len in [1, 5, 7, 10, 30] {
            let error = decrypt(sealed[..len].to_vec(), &key).expect_err("truncated");
            assert!(
                matches!(error, EncryptionError::Truncated(_)),
                "{len}: {error}"
            );
        }
    }

    #[test]
    fn tampering_anywhere_is_detected() {
        let key = KeySource::Key([3; 32]);
        let sealed = encrypt(sample(64), &key).expect("encrypts");
        // Flip one bit in the nonce, the body and the tag (the kdf byte changes the format).
        for position in [9, 20, 40, sealed.len() - 1] {
            let mut bad = sealed.clone();
            bad[position] ^= 1;
            assert!(decrypt(bad, &key).is_err(), "position {position}");
        }
    }

    #[test]
    fn unencrypted_and_unknown_formats_are_errors() {
        let key = KeySource::Key([0; 32]);
        assert!(matches!(
            decrypt(b"hello world, plain text".to_vec(), &key),
            Err(EncryptionError::NotEncrypted)
        ));
        assert!(matches!(
            decrypt(Vec::new(), &key),
            Err(EncryptionError::NotEncrypted)
        ));
        let mut sealed = encrypt(sample(10), &key).expect("encrypts");
        sealed[6] = 9;
        assert!(matches!(
            decrypt(sealed.clone(), &key),
            Err(EncryptionError::UnsupportedVersion(9))
        ));
        sealed[6] = VERSION;
        sealed[7] = 7;
        assert!(matches!(
            decrypt(sealed, &key),
            Err(EncryptionError::UnknownKdf(7))
        ));
    }

    #[test]
    fn hostile_kdf_parameters_are_rejected() {
        let key = KeySource::Passphrase("p".into());
        let mut sealed = encrypt_with(sample(10), &key, FAST).expect("encrypts");
        sealed[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            decrypt(sealed, &key),
            Err(EncryptionError::KdfParameters(_))
        ));
    }

    #[test]
    fn key_files_hex_and_raw() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("key");
        let key = generate_key_file(&path).expect("writes");
        assert_eq!(load_key_file(&path).expect("loads"), key);
        assert!(generate_key_file(&path).is_err(), "never overwrites");
        let raw = dir.path().join("raw");
        std::fs::write(&raw, [5u8; 32]).expect("write");
        assert_eq!(load_key_file(&raw).expect("loads"), [5u8; 32]);
        let bad = dir.path().join("bad");
        std::fs::write(&bad, "not a key").expect("write");
        assert!(load_key_file(&bad).is_err());
        assert!(load_key_file(&dir.path().join("missing")).is_err());
    }
}
