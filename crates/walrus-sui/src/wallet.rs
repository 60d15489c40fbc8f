//! A signing wallet: Ed25519 keys in a keystore file, with Sui addresses.
//!
//! **Keystore file format** (the same as the Sui CLI's `sui.keystore`, so keys move between the
//! two): a JSON array of strings, one per key, each the standard Base64 (with padding) of
//! `flag ‖ private key`, where `flag` is the signature scheme byte (`0x00` = Ed25519, the only
//! scheme accepted here) and the private key is the 32-byte Ed25519 seed:
//!
//! ```json
//! ["AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6"]
//! ```
//!
//! The address of a key is `Blake2b256(0x00 ‖ 32-byte public key)`, as Sui derives it. Files are
//! written atomically (temporary file + rename) with mode `0600` on Unix.

use std::fmt;
use std::path::{Path, PathBuf};

use sui_crypto::SuiSigner;
use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::{Address, Ed25519PublicKey, Transaction, UserSignature};

/// Errors of the keystore and signer.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// The keystore file could not be read or written.
    #[error("keystore {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The keystore is not a JSON array of strings.
    #[error("keystore {path} is not a JSON array of base64 keys: {source}")]
    Format {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// An entry is not a Base64 Ed25519 key with flag `0x00`.
    #[error("invalid key entry {index}: {message}")]
    InvalidKey {
        /// The entry's position in the file.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// No key of the keystore has this address.
    #[error("no key for address {0}")]
    UnknownAddress(Address),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Signing(String),
}

/// The Sui address of an Ed25519 public key: `Blake2b256(0x00 ‖ public key)`.
pub fn derive_address(public_key: &Ed25519PublicKey) -> Address {
    public_key.derive_address()
}

/// One Ed25519 key with its Sui address; signs transactions.
#[derive(Clone, PartialEq, Eq)]
pub struct Wallet {
    key: Ed25519PrivateKey,
    address: Address,
}

impl fmt::Debug for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wallet")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// Wraps a private key.
    pub fn new(key: Ed25519PrivateKey) -> Self {
        let address = derive_address(&key.public_key());
        Self { key, address }
    }

    /// A fresh random key (OS randomness).
    pub fn generate() -> Self {
        Self::new(Ed25519PrivateKey::generate(rand::rngs::OsRng))
    }

    /// A key from its 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self::new(Ed25519PrivateKey::new(seed))
    }

    /// A key from a keystore entry (Base64 of `0x00 ‖ seed`).
    pub fn from_base64(entry: &str) -> Result<Self, WalletError> {
        Ed25519PrivateKey::from_base64(entry)
            .map(Self::new)
            .map_err(|e| WalletError::InvalidKey {
                index: 0,
                message: e.to_string(),
            })
    }

    /// The keystore entry of this key (Base64 of `0x00 ‖ seed`).
    pub fn to_base64(&self) -> String {
        self.key.to_base64()
    }

    /// The Sui address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The public key.
    pub fn public_key(&self) -> Ed25519PublicKey {
        self.key.public_key()
    }

    /// The private key.
    pub fn private_key(&self) -> &Ed25519PrivateKey {
        &self.key
    }

    /// Signs a transaction (intent-prefixed Blake2b digest, as Sui verifies it).
    pub fn sign_transaction(
        &self,
        transaction: &Transaction,
    ) -> Result<UserSignature, WalletError> {
        self.key
            .sign_transaction(transaction)
            .map_err(|e| WalletError::Signing(e.to_string()))
    }
}

/// A set of keys, optionally backed by a keystore file.
#[derive(Debug, Clone, Default)]
pub struct Keystore {
    path: Option<PathBuf>,
    keys: Vec<Wallet>,
}

impl Keystore {
    /// An empty in-memory keystore.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// Loads a keystore file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, WalletError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| WalletError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut keystore = Self::from_json(&text).map_err(|e| match e {
            WalletError::Format { source, .. } => WalletError::Format {
                path: path.to_owned(),
                source,
            },
            other => other,
        })?;
        keystore.path = Some(path.to_owned());
        Ok(keystore)
    }

    /// Loads a keystore file, or creates an empty one (not yet written) if it does not exist.
    pub fn load_or_create(path: impl AsRef<Path>) -> Result<Self, WalletError> {
        let path = path.as_ref();
        if path.exists() {
            Self::load(path)
        } else {
            Ok(Self {
                path: Some(path.to_owned()),
                keys: Vec::new(),
            })
        }
    }

    /// Parses the keystore JSON.
    pub fn from_json(text: &str) -> Result<Self, WalletError> {
        let entries: Vec<String> =
            serde_json::from_str(text).map_err(|source| WalletError::Format {
                path: PathBuf::new(),
                source,
            })?;
        let keys = entries
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                Wallet::from_base64(entry).map_err(|e| match e {
                    WalletError::InvalidKey { message, .. } => {
                        WalletError::InvalidKey { index, message }
                    }
                    other => other,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { path: None, keys })
    }

    /// The keystore JSON (a pretty-printed array of Base64 entries).
    pub fn to_json(&self) -> String {
        let entries: Vec<String> = self.keys.iter().map(Wallet::to_base64).collect();
        serde_json::to_string_pretty(&entries).expect("a list of strings always encodes")
    }

    /// The backing file, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Writes the keystore to its file (no-op for an in-memory keystore).
    pub fn save(&self) -> Result<(), WalletError> {
        match &self.path {
            Some(path) => self.save_to(path),
            None => Ok(()),
        }
    }

    /// Writes the keystore to `path` atomically, readable only by the owner on Unix.
    pub fn save_to(&self, path: impl AsRef<Path>) -> Result<(), WalletError> {
        let path = path.as_ref();
        let io = |source| WalletError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, self.to_json()).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Generates a new key, adds it and returns its address (call [`Self::save`] to persist).
    pub fn generate(&mut self) -> Address {
        self.add(Wallet::generate())
    }

    /// Adds a key (ignored if already present) and returns its address.
    pub fn add(&mut self, wallet: Wallet) -> Address {
        let address = wallet.address();
        if self.get(&address).is_none() {
            self.keys.push(wallet);
        }
        address
    }

    /// The addresses of all keys, in file order.
    pub fn addresses(&self) -> Vec<Address> {
        self.keys.iter().map(Wallet::address).collect()
    }

    /// The key of `address`.
    pub fn get(&self, address: &Address) -> Option<&Wallet> {
        self.keys.iter().find(|k| &k.address == address)
    }

    /// The key of `address`, or an error.
    pub fn wallet(&self, address: &Address) -> Result<Wallet, WalletError> {
        self.get(address)
            .cloned()
            .ok_or(WalletError::UnknownAddress(*address))
    }

    /// The first key (the default signer), if any.
    pub fn first(&self) -> Option<&Wallet> {
        self.keys.first()
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the keystore has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use base64::Engine as _;

    use super::*;

    // Sui keytool vector (also used by the Sui TypeScript SDK's keypair tests): the keystore
    // entry of the key derived from the "film crazy soon …" mnemonic, its public key and address.
    const VECTOR_ENTRY: &str = "AN0JMHpDum3BhrVwnkylH0/HGRHBQ/fO/8+MYOawO8j6";
    const VECTOR_PUBLIC_KEY: &str = "ImR/7u82MGC9QgWhZxoV8QoSNnZZGLG19jjYLzPPxGk=";
    const VECTOR_ADDRESS: &str =
        "0xa2d14fad60c56049ecf75246a481934691214ce413e6a8ae2fe6834c173a6133";

    #[test]
    fn sui_keytool_vector_address() {
        let wallet = Wallet::from_base64(VECTOR_ENTRY).unwrap();
        let public_key = base64::engine::general_purpose::STANDARD
            .decode(VECTOR_PUBLIC_KEY)
            .unwrap();
        assert_eq!(wallet.public_key().as_bytes(), public_key.as_slice());
        assert_eq!(wallet.address(), Address::from_hex(VECTOR_ADDRESS).unwrap());
        assert_eq!(wallet.to_base64(), VECTOR_ENTRY);
    }

    #[test]
    fn address_is_blake2b_of_flag_and_public_key() {
        let wallet = Wallet::from_seed([7; 32]);
        let mut input = vec![0u8];
        input.extend_from_slice(wallet.public_key().as_bytes());
        let hash = blake2b_simd::Params::new().hash_length(32).hash(&input);
        assert_eq!(wallet.address().as_bytes(), hash.as_bytes());
    }

    #[test]
    fn keystore_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("sui.keystore");
        let mut keystore = Keystore::load_or_create(&path).unwrap();
        assert!(keystore.is_empty());
        let a = keystore.generate();
        let b = keystore.add(Wallet::from_base64(VECTOR_ENTRY).unwrap());
        assert_eq!(keystore.add(Wallet::from_base64(VECTOR_ENTRY).unwrap()), b);
        keystore.save().unwrap();

        let loaded = Keystore::load(&path).unwrap();
        assert_eq!(loaded.addresses(), vec![a, b]);
        assert_eq!(loaded.wallet(&a).unwrap(), keystore.wallet(&a).unwrap());
        assert_eq!(loaded.first().unwrap().address(), a);
        assert!(matches!(
            loaded.wallet(&Address::ZERO),
            Err(WalletError::UnknownAddress(_))
        ));
        let text = std::fs::read_to_string(&path).unwrap();
        let entries: Vec<String> = serde_json::from_str(&text).unwrap();
        assert_eq!(entries[1], VECTOR_ENTRY);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn bad_keystores_are_rejected() {
        assert!(matches!(
            Keystore::from_json("{}"),
            Err(WalletError::Format { .. })
        ));
        // A secp256k1 flag (0x01) is not accepted.
        let mut bytes = vec![1u8];
        bytes.extend_from_slice(&[3; 32]);
        let entry = base64::engine::general_purpose::STANDARD.encode(bytes);
        let json = serde_json::to_string(&vec![VECTOR_ENTRY.to_owned(), entry]).unwrap();
        assert!(matches!(
            Keystore::from_json(&json),
            Err(WalletError::InvalidKey { index: 1, .. })
        ));
    }

    #[test]
    fn debug_does_not_leak_the_key() {
        let wallet = Wallet::from_base64(VECTOR_ENTRY).unwrap();
        let debug = format!("{wallet:?}");
        assert!(!debug.contains(VECTOR_ENTRY));
        assert!(debug.contains("a2d14fad"));
    }
}
