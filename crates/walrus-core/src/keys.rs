//! BLS12-381 **min_pk** keys and signatures, as used by Walrus storage nodes.
//!
//! Public keys are compressed G1 points (48 bytes), signatures are compressed G2 points
//! (96 bytes), and private keys are 32-byte big-endian scalars. Signing uses the DST
//! `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_` over the raw message bytes (no prefix, no extra
//! hashing); this is exactly what `fastcrypto::bls12381::min_pk` does.
//!
//! Wire forms (matching `fastcrypto`'s serde helpers):
//! - BCS (and every non-human-readable format): a fixed-size byte array, **no length prefix**;
//! - JSON (and every human-readable format): a standard, padded base64 string.
//!
//! The key-file form of a key pair is `TaggedKeyPair`: the flag byte [`BLS_KEY_FLAG`] (`0x04`)
//! followed by the 32 secret-key bytes, encoded as standard padded base64.

use std::fmt;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use fastcrypto::{
    bls12381::min_pk::{
        BLS12381AggregateSignature, BLS12381KeyPair, BLS12381PrivateKey, BLS12381PublicKey,
        BLS12381Signature,
    },
    traits::{AggregateAuthenticator, KeyPair, Signer, ToFromBytes, VerifyingKey},
};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The key-file flag byte of a BLS12-381 key pair (`TaggedKeyPair`).
pub const BLS_KEY_FLAG: u8 = 0x04;
/// The key-file flag byte of a secp256r1 (network/TLS) key pair; recognised but not supported
/// by this crate.
pub const SECP256R1_KEY_FLAG: u8 = 0x02;

/// The errors returned when decoding BLS keys and signatures from bytes or text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlsDecodeError {
    /// The input has the wrong number of bytes.
    #[error("invalid {kind} length: expected {expected} bytes, got {actual}")]
    InvalidLength {
        /// What was being decoded.
        kind: &'static str,
        /// The required length in bytes.
        expected: usize,
        /// The length that was provided.
        actual: usize,
    },
    /// The bytes are not a valid compressed curve point of the right group.
    #[error("invalid {kind}: not a valid compressed BLS12-381 point")]
    InvalidPoint {
        /// What was being decoded.
        kind: &'static str,
    },
    /// The bytes are not a valid secret scalar (zero, or not below the group order).
    #[error("invalid BLS secret key: not a non-zero scalar below the group order")]
    InvalidSecretKey,
    /// The text is not valid standard (padded) base64.
    #[error("invalid base64 for {kind}")]
    InvalidBase64 {
        /// What was being decoded.
        kind: &'static str,
    },
    /// The key file uses a flag byte other than [`BLS_KEY_FLAG`].
    #[error("unsupported key-file flag byte {0:#04x}: expected {BLS_KEY_FLAG:#04x} (BLS12-381)")]
    UnsupportedKeyFlag(u8),
}

/// The error returned when a BLS signature (single or aggregate) does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature does not verify against the public key(s) and message.
    #[error("BLS signature verification failed")]
    InvalidSignature,
    /// An aggregate was requested over zero signatures or zero public keys.
    #[error("cannot aggregate or verify over an empty set of signatures or keys")]
    Empty,
}

fn decode_base64_fixed<const N: usize>(
    text: &str,
    kind: &'static str,
) -> Result<[u8; N], BlsDecodeError> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| BlsDecodeError::InvalidBase64 { kind })?;
    fixed_array(&bytes, kind)
}

fn fixed_array<const N: usize>(
    bytes: &[u8],
    kind: &'static str,
) -> Result<[u8; N], BlsDecodeError> {
    <[u8; N]>::try_from(bytes).map_err(|_| BlsDecodeError::InvalidLength {
        kind,
        expected: N,
        actual: bytes.len(),
    })
}

/// Serde helpers for fixed-size byte arrays: a tuple of `N` bytes (no length prefix) in binary
/// formats such as BCS, a standard padded base64 string in human-readable formats such as JSON.
pub(crate) mod fixed_bytes {
    use std::{fmt, marker::PhantomData};

    use base64::{Engine as _, engine::general_purpose::STANDARD};
    use serde::{
        Deserialize, Deserializer, Serializer,
        de::{self, SeqAccess, Visitor},
        ser::SerializeTuple,
    };

    /// Serializes `bytes` as a fixed-size tuple (binary) or base64 string (human-readable).
    pub(crate) fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&STANDARD.encode(bytes))
        } else {
            let mut tuple = serializer.serialize_tuple(N)?;
            for byte in bytes {
                tuple.serialize_element(byte)?;
            }
            tuple.end()
        }
    }

    struct ArrayVisitor<const N: usize>(PhantomData<[u8; N]>);

    impl<'de, const N: usize> Visitor<'de> for ArrayVisitor<N> {
        type Value = [u8; N];

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(formatter, "an array of {N} bytes")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = [0u8; N];
            for (index, slot) in out.iter_mut().enumerate() {
                *slot = seq
                    .next_element::<u8>()?
                    .ok_or_else(|| de::Error::invalid_length(index, &self))?;
            }
            Ok(out)
        }

        fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<Self::Value, E> {
            <[u8; N]>::try_from(value).map_err(|_| E::invalid_length(value.len(), &self))
        }
    }

    /// Deserializes the form written by [`serialize`].
    pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        deserializer: D,
    ) -> Result<[u8; N], D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            let bytes = STANDARD
                .decode(text.as_bytes())
                .map_err(|_| de::Error::custom("invalid standard base64"))?;
            <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| {
                de::Error::invalid_length(bytes.len(), &ArrayVisitor::<N>(PhantomData))
            })
        } else {
            deserializer.deserialize_tuple(N, ArrayVisitor::<N>(PhantomData))
        }
    }
}

/// Implements the shared boilerplate of a BLS point newtype: byte and base64 conversions,
/// `Display` (base64), `Debug`, and serde in the fixed-array/base64 forms.
macro_rules! bls_point_newtype {
    ($name:ident, $inner:ty, $len:expr, $kind:expr, $field:ident) => {
        impl $name {
            /// The length of the compressed encoding in bytes.
            pub const LENGTH: usize = $len;

            /// Decodes the compressed point from exactly [`Self::LENGTH`] bytes.
            ///
            /// This checks that the bytes encode a point on the curve, but (like the reference
            /// implementation) performs no subgroup check here; signature verification checks
            /// the signature's subgroup.
            pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsDecodeError> {
                let array: [u8; $len] = fixed_array(bytes, $kind)?;
                <$inner as ToFromBytes>::from_bytes(&array)
                    .map(Self)
                    .map_err(|_| BlsDecodeError::InvalidPoint { kind: $kind })
            }

            /// Returns the compressed encoding.
            pub fn to_bytes(&self) -> [u8; $len] {
                self.0.$field.to_bytes()
            }

            /// Decodes the point from standard padded base64.
            pub fn from_base64(text: &str) -> Result<Self, BlsDecodeError> {
                let array: [u8; $len] = decode_base64_fixed(text, $kind)?;
                Self::from_bytes(&array)
            }

            /// Returns the standard padded base64 encoding (the JSON form).
            pub fn to_base64(&self) -> String {
                STANDARD.encode(self.to_bytes())
            }

            /// Returns the underlying `fastcrypto` value.
            pub fn as_inner(&self) -> &$inner {
                &self.0
            }
        }

        impl From<$inner> for $name {
            fn from(value: $inner) -> Self {
                Self(value)
            }
        }

        impl From<$name> for $inner {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_base64())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_base64())
            }
        }

        impl std::str::FromStr for $name {
            type Err = BlsDecodeError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_base64(s)
            }
        }

        impl TryFrom<&[u8]> for $name {
            type Error = BlsDecodeError;

            fn try_from(value: &[u8]) -> Result<Self, Self::Error> {
                Self::from_bytes(value)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                fixed_bytes::serialize(&self.to_bytes(), serializer)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let bytes: [u8; $len] = fixed_bytes::deserialize(deserializer)?;
                Self::from_bytes(&bytes).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A BLS12-381 min_pk public key: a compressed G1 point (48 bytes).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlsPublicKey(BLS12381PublicKey);

bls_point_newtype!(
    BlsPublicKey,
    BLS12381PublicKey,
    48,
    "BLS public key",
    pubkey
);

impl BlsPublicKey {
    /// Verifies `signature` over the raw `message` bytes.
    pub fn verify(&self, message: &[u8], signature: &BlsSignature) -> Result<(), SignatureError> {
        self.0
            .verify(message, &signature.0)
            .map_err(|_| SignatureError::InvalidSignature)
    }

    /// Checks that the key is a valid, non-identity point of the prime-order subgroup.
    ///
    /// Committee keys are checked on chain through a proof of possession; call this on keys
    /// obtained from any other untrusted source.
    pub fn validate(&self) -> Result<(), BlsDecodeError> {
        self.0.validate().map_err(|_| BlsDecodeError::InvalidPoint {
            kind: "BLS public key",
        })
    }
}

/// A BLS12-381 min_pk signature: a compressed G2 point (96 bytes).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BlsSignature(BLS12381Signature);

bls_point_newtype!(BlsSignature, BLS12381Signature, 96, "BLS signature", sig);

/// An aggregate of BLS12-381 min_pk signatures over the same message: the sum of the G2
/// points, compressed (96 bytes). It has the same encoding as a single [`BlsSignature`].
#[derive(Clone, PartialEq, Eq)]
pub struct BlsAggregateSignature(BLS12381AggregateSignature);

bls_point_newtype!(
    BlsAggregateSignature,
    BLS12381AggregateSignature,
    96,
    "BLS aggregate signature",
    sig
);

impl BlsAggregateSignature {
    /// Aggregates signatures by adding the points, without validating them (as the reference
    /// does); validation happens at verification.
    ///
    /// Returns [`SignatureError::Empty`] for an empty input.
    pub fn aggregate<'a>(
        signatures: impl IntoIterator<Item = &'a BlsSignature>,
    ) -> Result<Self, SignatureError> {
        let inner: Vec<&BLS12381Signature> = signatures.into_iter().map(|s| &s.0).collect();
        if inner.is_empty() {
            return Err(SignatureError::Empty);
        }
        BLS12381AggregateSignature::aggregate(inner)
            .map(Self)
            .map_err(|_| SignatureError::InvalidSignature)
    }

    /// Verifies the aggregate against the public keys of all signers, which all signed the
    /// same `message`. The keys are aggregated and a single pairing check is performed.
    ///
    /// Returns [`SignatureError::Empty`] if `public_keys` is empty.
    pub fn verify<'a>(
        &self,
        public_keys: impl IntoIterator<Item = &'a BlsPublicKey>,
        message: &[u8],
    ) -> Result<(), SignatureError> {
        let keys: Vec<BLS12381PublicKey> =
            public_keys.into_iter().map(|key| key.0.clone()).collect();
        if keys.is_empty() {
            return Err(SignatureError::Empty);
        }
        self.0
            .verify(&keys, message)
            .map_err(|_| SignatureError::InvalidSignature)
    }
}

impl From<BlsSignature> for BlsAggregateSignature {
    fn from(signature: BlsSignature) -> Self {
        Self(signature.0.into())
    }
}

/// A BLS12-381 private key: a non-zero 32-byte big-endian scalar below the group order.
///
/// Its `Debug` output is redacted. It serializes (serde) as 32 fixed bytes in BCS and padded
/// base64 in JSON.
pub struct BlsPrivateKey(BLS12381PrivateKey);

impl BlsPrivateKey {
    /// The length of a private key in bytes.
    pub const LENGTH: usize = 32;

    /// Builds a private key from its 32 big-endian bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsDecodeError> {
        let array: [u8; 32] = fixed_array(bytes, "BLS private key")?;
        BLS12381PrivateKey::from_bytes(&array)
            .map(Self)
            .map_err(|_| BlsDecodeError::InvalidSecretKey)
    }

    /// Returns the 32 big-endian secret bytes. Handle with care.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.privkey.to_bytes()
    }

    /// Returns the corresponding public key.
    pub fn public_key(&self) -> BlsPublicKey {
        BlsPublicKey(BLS12381PublicKey::from(&self.0))
    }

    /// Signs the raw `message` bytes (deterministic).
    pub fn sign(&self, message: &[u8]) -> BlsSignature {
        BlsSignature(self.0.sign(message))
    }
}

impl Clone for BlsPrivateKey {
    fn clone(&self) -> Self {
        Self::from_bytes(&self.to_bytes()).expect("the bytes of a valid private key are valid")
    }
}

impl PartialEq for BlsPrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for BlsPrivateKey {}

impl fmt::Debug for BlsPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlsPrivateKey(<redacted>)")
    }
}

impl Serialize for BlsPrivateKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fixed_bytes::serialize(&self.to_bytes(), serializer)
    }
}

impl<'de> Deserialize<'de> for BlsPrivateKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes: [u8; 32] = fixed_bytes::deserialize(deserializer)?;
        Self::from_bytes(&bytes).map_err(serde::de::Error::custom)
    }
}

/// A BLS12-381 key pair: a private key and its public key.
///
/// Its `Debug` output shows only the public key.
pub struct BlsKeyPair {
    private: BlsPrivateKey,
    public: BlsPublicKey,
}

impl BlsKeyPair {
    /// Generates a fresh key pair from a cryptographically secure RNG (IKM-based key
    /// generation over 32 random bytes, as `fastcrypto` does).
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let pair = BLS12381KeyPair::generate(&mut FastcryptoRng(rng));
        let public = BlsPublicKey(pair.public().clone());
        let private = BlsPrivateKey(pair.private());
        Self { private, public }
    }

    /// Builds a key pair from the 32 big-endian secret-key bytes.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, BlsDecodeError> {
        BlsPrivateKey::from_bytes(bytes).map(Self::from)
    }

    /// Returns the private key.
    pub fn private_key(&self) -> &BlsPrivateKey {
        &self.private
    }

    /// Returns the public key.
    pub fn public_key(&self) -> &BlsPublicKey {
        &self.public
    }

    /// Signs the raw `message` bytes (deterministic).
    pub fn sign(&self, message: &[u8]) -> BlsSignature {
        self.private.sign(message)
    }

    /// Returns the `TaggedKeyPair` key-file text: standard padded base64 of
    /// `0x04 || secret key (32 bytes, big-endian)`.
    pub fn to_tagged_base64(&self) -> String {
        let mut bytes = Vec::with_capacity(1 + BlsPrivateKey::LENGTH);
        bytes.push(BLS_KEY_FLAG);
        bytes.extend_from_slice(&self.private.to_bytes());
        STANDARD.encode(bytes)
    }

    /// Parses the `TaggedKeyPair` key-file text written by [`Self::to_tagged_base64`].
    ///
    /// Surrounding whitespace (such as a trailing newline in a key file) is ignored. Any flag
    /// other than [`BLS_KEY_FLAG`] is rejected with [`BlsDecodeError::UnsupportedKeyFlag`].
    pub fn from_tagged_base64(text: &str) -> Result<Self, BlsDecodeError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| BlsDecodeError::InvalidBase64 {
                kind: "tagged key pair",
            })?;
        match bytes.split_first() {
            Some((&BLS_KEY_FLAG, secret)) => Self::from_secret_bytes(secret),
            Some((&flag, _)) => Err(BlsDecodeError::UnsupportedKeyFlag(flag)),
            None => Err(BlsDecodeError::InvalidLength {
                kind: "tagged key pair",
                expected: 1 + BlsPrivateKey::LENGTH,
                actual: 0,
            }),
        }
    }
}

impl From<BlsPrivateKey> for BlsKeyPair {
    fn from(private: BlsPrivateKey) -> Self {
        let public = private.public_key();
        Self { private, public }
    }
}

impl Clone for BlsKeyPair {
    fn clone(&self) -> Self {
        Self {
            private: self.private.clone(),
            public: self.public.clone(),
        }
    }
}

impl PartialEq for BlsKeyPair {
    fn eq(&self, other: &Self) -> bool {
        self.private == other.private
    }
}

impl Eq for BlsKeyPair {}

impl fmt::Debug for BlsKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlsKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// Adapts any `rand` CSPRNG to `fastcrypto`'s `AllowedRng`, which is only implemented for a
/// few concrete RNG types.
struct FastcryptoRng<'a, R>(&'a mut R);

impl<R: RngCore> RngCore for FastcryptoRng<'_, R> {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.0.try_fill_bytes(dest)
    }
}

impl<R: CryptoRng> CryptoRng for FastcryptoRng<'_, R> {}

impl<R: RngCore + CryptoRng> fastcrypto::traits::AllowedRng for FastcryptoRng<'_, R> {}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;

    const SECRET_HEX: &str = "1100000000000000000000000000000000000000000000000000000000000001";
    const PUBLIC_HEX: &str = "b879bcca1390cd1176276d7539a37c419b9731e458aea208148bef6e108c8daaea74247bd846be116e387ccfcf3a32da";

    fn key_pair() -> BlsKeyPair {
        BlsKeyPair::from_secret_bytes(&hex::decode(SECRET_HEX).expect("hex")).expect("valid key")
    }

    #[test]
    fn public_key_from_secret_matches_reference() {
        assert_eq!(hex::encode(key_pair().public_key().to_bytes()), PUBLIC_HEX);
    }

    #[test]
    fn tagged_key_pair_matches_reference() {
        let text = key_pair().to_tagged_base64();
        assert_eq!(text, "BBEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB");
        let parsed = BlsKeyPair::from_tagged_base64(&format!("{text}\n")).expect("parses");
        assert_eq!(parsed, key_pair());
    }

    #[test]
    fn tagged_key_pair_rejects_other_flags_and_lengths() {
        let mut bytes = vec![SECP256R1_KEY_FLAG];
        bytes.extend_from_slice(&[1u8; 32]);
        assert_eq!(
            BlsKeyPair::from_tagged_base64(&STANDARD.encode(&bytes)),
            Err(BlsDecodeError::UnsupportedKeyFlag(2))
        );
        assert!(matches!(
            BlsKeyPair::from_tagged_base64(&STANDARD.encode([BLS_KEY_FLAG, 1, 2])),
            Err(BlsDecodeError::InvalidLength { actual: 2, .. })
        ));
        assert!(BlsKeyPair::from_tagged_base64("").is_err());
        assert!(BlsKeyPair::from_tagged_base64("not base64!").is_err());
    }

    #[test]
    fn invalid_secret_keys_are_rejected() {
        assert_eq!(
            BlsPrivateKey::from_bytes(&[0u8; 32]),
            Err(BlsDecodeError::InvalidSecretKey)
        );
        assert_eq!(
            BlsPrivateKey::from_bytes(&[0xffu8; 32]),
            Err(BlsDecodeError::InvalidSecretKey)
        );
        assert!(matches!(
            BlsPrivateKey::from_bytes(&[1u8; 31]),
            Err(BlsDecodeError::InvalidLength {
                expected: 32,
                actual: 31,
                ..
            })
        ));
    }

    #[test]
    fn sign_and_verify() {
        let pair = BlsKeyPair::generate(&mut StdRng::seed_from_u64(7));
        let signature = pair.sign(b"hello");
        assert_eq!(pair.public_key().verify(b"hello", &signature), Ok(()));
        assert_eq!(
            pair.public_key().verify(b"hellO", &signature),
            Err(SignatureError::InvalidSignature)
        );
        let other = BlsKeyPair::generate(&mut StdRng::seed_from_u64(8));
        assert_ne!(other.public_key(), pair.public_key());
        assert!(other.public_key().verify(b"hello", &signature).is_err());
        assert_eq!(pair.public_key().validate(), Ok(()));
    }

    #[test]
    fn generation_is_reproducible_from_the_rng() {
        let a = BlsKeyPair::generate(&mut StdRng::seed_from_u64(1));
        let b = BlsKeyPair::generate(&mut StdRng::seed_from_u64(1));
        assert_eq!(a, b);
        assert_eq!(
            BlsKeyPair::from_secret_bytes(&a.private_key().to_bytes()).expect("valid"),
            a
        );
    }

    #[test]
    fn bcs_is_fixed_size_and_json_is_padded_base64() {
        let pair = key_pair();
        let public = pair.public_key().clone();
        let bcs_bytes = bcs::to_bytes(&public).expect("serializes");
        assert_eq!(hex::encode(&bcs_bytes), PUBLIC_HEX);
        assert_eq!(
            bcs::from_bytes::<BlsPublicKey>(&bcs_bytes).expect("decodes"),
            public
        );

        let json = serde_json::to_string(&public).expect("serializes");
        assert_eq!(json, format!("\"{}\"", STANDARD.encode(public.to_bytes())));
        assert_eq!(
            serde_json::from_str::<BlsPublicKey>(&json).expect("decodes"),
            public
        );

        let signature = pair.sign(b"m");
        let bcs_sig = bcs::to_bytes(&signature).expect("serializes");
        assert_eq!(bcs_sig.len(), 96);
        assert_eq!(
            bcs::from_bytes::<BlsSignature>(&bcs_sig).expect("decodes"),
            signature
        );
        let json_sig = serde_json::to_string(&signature).expect("serializes");
        assert!(json_sig.ends_with("=\"") || json_sig.len() == 2 + 128);
        assert_eq!(
            serde_json::from_str::<BlsSignature>(&json_sig).expect("decodes"),
            signature
        );

        let private_bcs = bcs::to_bytes(pair.private_key()).expect("serializes");
        assert_eq!(hex::encode(&private_bcs), SECRET_HEX);
        assert_eq!(
            &bcs::from_bytes::<BlsPrivateKey>(&private_bcs).expect("decodes"),
            pair.private_key()
        );
    }

    #[test]
    fn decoding_rejects_bad_lengths_and_points() {
        assert!(matches!(
            BlsPublicKey::from_bytes(&[0u8; 47]),
            Err(BlsDecodeError::InvalidLength {
                expected: 48,
                actual: 47,
                ..
            })
        ));
        assert!(matches!(
            BlsPublicKey::from_bytes(&[0x80u8; 48]),
            Err(BlsDecodeError::InvalidPoint { .. })
        ));
        assert!(bcs::from_bytes::<BlsPublicKey>(&[0u8; 47]).is_err());
        assert!(bcs::from_bytes::<BlsSignature>(&[0xffu8; 96]).is_err());
        assert!(serde_json::from_str::<BlsPublicKey>("\"AAAA\"").is_err());
        assert!(BlsSignature::from_base64("!!").is_err());
    }

    #[test]
    fn aggregate_verifies_against_all_keys() {
        let pairs: Vec<BlsKeyPair> = (0..3)
            .map(|seed| BlsKeyPair::generate(&mut StdRng::seed_from_u64(seed)))
            .collect();
        let signatures: Vec<BlsSignature> = pairs.iter().map(|p| p.sign(b"msg")).collect();
        let aggregate = BlsAggregateSignature::aggregate(&signatures).expect("non-empty");
        let keys: Vec<&BlsPublicKey> = pairs.iter().map(BlsKeyPair::public_key).collect();
        assert_eq!(aggregate.verify(keys.iter().copied(), b"msg"), Ok(()));
        assert!(aggregate.verify(keys.iter().copied(), b"other").is_err());
        assert!(
            aggregate
                .verify(keys.iter().copied().take(2), b"msg")
                .is_err()
        );
        assert_eq!(
            aggregate.verify(std::iter::empty(), b"msg"),
            Err(SignatureError::Empty)
        );
        assert_eq!(
            BlsAggregateSignature::aggregate(std::iter::empty()),
            Err(SignatureError::Empty)
        );
        let single = BlsAggregateSignature::from(signatures[0].clone());
        assert_eq!(single.to_bytes(), signatures[0].to_bytes());
        assert_eq!(single.verify([keys[0]], b"msg"), Ok(()));
    }
}
