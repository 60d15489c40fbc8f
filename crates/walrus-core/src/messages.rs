//! Signed protocol messages and BLS certificates.
//!
//! Every message a storage node signs is a [`ProtocolMessage`]: a 7-byte header (an
//! [`Intent`] of `[intent_type, version 0, app id 3]` followed by the epoch as `u32` LE) and a
//! body whose type fixes the intent type. The BCS bytes of the whole message are what is signed
//! (see [`crate::keys`]) and what certificates carry.
//!
//! - [`Confirmation`] (`BLOB_CERT`, intent type 1): a node has stored a blob's slivers.
//! - [`InvalidBlobIdMsg`] (`INVALID_BLOB_ID`, 2): a node attests that a blob is inconsistent.
//! - [`SyncShardMsg`] (`SYNC_SHARD`, 3): a node requests slivers of a shard from another node.
//! - [`ProofOfPossessionMsg`] (`PROOF_OF_POSSESSION`, 0): a node proves it owns its BLS key.
//! - [`ChallengeVerdictMsg`] (`CHALLENGE_VERDICT`, 16, ours): a challenger's verdict on whether
//!   a node answered its storage challenges.
//!
//! A [`SignedMessage`] pairs the serialized bytes with one signature, and a
//! [`ProtocolMessageCertificate`] pairs them with an aggregate signature and the signer
//! indices. Decoding always enforces the exact intent of the expected message type.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, de::DeserializeOwned};

use crate::{bft, ids::Epoch};

mod bytes_serde;
pub mod certificate;
pub mod challenge;
pub mod invalid_blob_id;
pub mod proof_of_possession;
pub mod signed;
pub mod storage_confirmation;
pub mod sync_shard;

pub use certificate::{
    BitmapError, CertificateBuildError, CertificateDecodeError, CertificateVerificationError,
    ChallengeVerdictCertificate, ConfirmationCertificate, InvalidBlobCertificate,
    ProtocolMessageCertificate, signers_from_bitmap, signers_to_bitmap,
};
pub use challenge::{ChallengeVerdict, ChallengeVerdictMsg, SignedChallengeVerdict};
pub use invalid_blob_id::{InvalidBlobIdAttestation, InvalidBlobIdMsg, SignedInvalidBlobIdMsg};
pub use proof_of_possession::{
    ProofOfPossessionBody, ProofOfPossessionMsg, SignedProofOfPossession,
};
pub use signed::{MessageVerificationError, SignedMessage};
pub use storage_confirmation::{
    BlobPersistenceConfirmation, BlobPersistenceType, Confirmation, SignedStorageConfirmation,
    StorageConfirmation,
};
pub use sync_shard::{SignedSyncShardRequest, SliverAxis, SyncShardMsg, SyncShardRequest};

/// The type of a protocol message: the first byte of every signed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IntentType(pub u8);

impl IntentType {
    /// A proof of possession of a BLS key (node registration).
    pub const PROOF_OF_POSSESSION: Self = Self(0);
    /// A storage confirmation, aggregated into a blob certificate.
    pub const BLOB_CERT: Self = Self(1);
    /// An attestation that a blob ID is invalid (inconsistently encoded).
    pub const INVALID_BLOB_ID: Self = Self(2);
    /// A shard-sync request between storage nodes (off-chain only).
    pub const SYNC_SHARD: Self = Self(3);
    /// A deny-list update.
    pub const DENY_LIST_UPDATE: Self = Self(4);
    /// A deletion of a deny-listed blob.
    pub const DENY_LIST_BLOB_DELETED: Self = Self(5);
    /// A protocol-version update.
    pub const PROTOCOL_VERSION: Self = Self(6);
    /// A storage-challenge verdict (ours; not in the reference system).
    pub const CHALLENGE_VERDICT: Self = Self(16);
}

impl fmt::Display for IntentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The version of a message intent; only version 0 exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IntentVersion(pub u8);

impl IntentVersion {
    /// Version 0, the only version in use.
    pub const V0: Self = Self(0);
}

/// The application of a message intent; Walrus storage messages use app id 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IntentAppId(pub u8);

impl IntentAppId {
    /// The Walrus storage application.
    pub const STORAGE: Self = Self(3);
}

/// The 3-byte intent at the start of every protocol message: `[type, version, app id]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Intent {
    /// The message type.
    pub r#type: IntentType,
    /// The intent version (always [`IntentVersion::V0`] for valid messages).
    pub version: IntentVersion,
    /// The application (always [`IntentAppId::STORAGE`] for valid messages).
    pub app_id: IntentAppId,
}

impl Intent {
    /// The length of an encoded intent in bytes.
    pub const LENGTH: usize = 3;

    /// Returns the Walrus storage intent (version 0, app id 3) for the message type.
    pub const fn storage(r#type: IntentType) -> Self {
        Self {
            r#type,
            version: IntentVersion::V0,
            app_id: IntentAppId::STORAGE,
        }
    }

    /// Returns the three encoded bytes `[type, version, app id]`.
    pub const fn to_bytes(self) -> [u8; Self::LENGTH] {
        [self.r#type.0, self.version.0, self.app_id.0]
    }

    /// Reads an intent from its three encoded bytes.
    pub const fn from_bytes(bytes: [u8; Self::LENGTH]) -> Self {
        Self {
            r#type: IntentType(bytes[0]),
            version: IntentVersion(bytes[1]),
            app_id: IntentAppId(bytes[2]),
        }
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "(type {}, version {}, app {})",
            self.r#type.0, self.version.0, self.app_id.0
        )
    }
}

/// Which certificate weight a message type needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateThreshold {
    /// Signers must hold at least `n - f` shards (equivalently `3w >= 2n + 1`).
    Quorum,
    /// Signers must include at least one correct node, checked as on chain: `3w >= n + 1`.
    OneCorrect,
}

impl CertificateThreshold {
    /// Returns true if `weight` shards out of `n_shards` reach this threshold.
    pub fn is_reached(self, weight: u16, n_shards: u16) -> bool {
        match self {
            Self::Quorum => bft::is_quorum(weight, n_shards),
            Self::OneCorrect => bft::is_one_correct_on_chain(weight, n_shards),
        }
    }

    /// Returns the minimum weight that reaches this threshold for `n_shards` shards.
    pub fn required_weight(self, n_shards: u16) -> u16 {
        match self {
            Self::Quorum => bft::min_n_correct(n_shards),
            // The least w with 3w >= n + 1, i.e. ceil((n + 1) / 3) <= 21846.
            Self::OneCorrect => {
                let required = (u32::from(n_shards) + 1).div_ceil(3);
                u16::try_from(required).expect("ceil((u16::MAX + 1) / 3) fits in u16")
            }
        }
    }
}

mod sealed {
    /// Prevents implementations of [`super::MessageBody`] outside this module, so that every
    /// body is known to serialize infallibly with BCS.
    pub trait Sealed {}
}

/// The body of a protocol message; its type fixes the intent type of the message.
///
/// This trait is sealed: the bodies are the ones defined in this module.
pub trait MessageBody:
    sealed::Sealed + Serialize + DeserializeOwned + Clone + PartialEq + fmt::Debug
{
    /// The intent type of messages with this body.
    const INTENT_TYPE: IntentType;
    /// The weight a certificate over messages with this body needs.
    const CERTIFICATE_THRESHOLD: CertificateThreshold = CertificateThreshold::Quorum;

    /// Returns the full intent of messages with this body.
    fn intent() -> Intent {
        Intent::storage(Self::INTENT_TYPE)
    }
}

/// The errors returned when decoding a protocol message from its BCS bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageDecodeError {
    /// The input is shorter than the 7-byte header.
    #[error("message too short: {len} bytes, the header alone is 7")]
    TooShort {
        /// The length of the input in bytes.
        len: usize,
    },
    /// The intent is not the one required by the expected message type.
    #[error("invalid intent: expected {expected}, got {actual}")]
    InvalidIntent {
        /// The intent of the expected message type.
        expected: Intent,
        /// The intent found in the message.
        actual: Intent,
    },
    /// The body is malformed, or bytes are left over after it.
    #[error("malformed message body: {0}")]
    Bcs(#[from] bcs::Error),
}

/// A protocol message: an intent, the epoch of the signer, and a body.
///
/// BCS: `intent (3 bytes) || epoch (u32 LE) || body`. The intent always matches the body type:
/// [`ProtocolMessage::new`] sets it, and deserialization rejects any other intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtocolMessage<T> {
    intent: Intent,
    epoch: Epoch,
    message_contents: T,
}

/// The length of the header (intent and epoch) of every protocol message.
pub const MESSAGE_HEADER_LENGTH: usize = Intent::LENGTH + 4;

impl<T: MessageBody> ProtocolMessage<T> {
    /// Creates a message for `epoch` with the intent of `T`.
    pub fn new(epoch: Epoch, message_contents: T) -> Self {
        Self {
            intent: T::intent(),
            epoch,
            message_contents,
        }
    }

    /// Returns the intent of the message.
    pub fn intent(&self) -> Intent {
        self.intent
    }

    /// Returns the epoch of the message.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// Returns the body of the message.
    pub fn contents(&self) -> &T {
        &self.message_contents
    }

    /// Consumes the message and returns its body.
    pub fn into_contents(self) -> T {
        self.message_contents
    }

    /// Returns the BCS bytes of the message: the bytes that are signed.
    pub fn to_bcs(&self) -> Vec<u8> {
        bcs::to_bytes(self).expect("message bodies are sealed and serialize infallibly with BCS")
    }

    /// Decodes a message from its BCS bytes, enforcing the intent of `T` and rejecting any
    /// trailing bytes.
    pub fn from_bcs(bytes: &[u8]) -> Result<Self, MessageDecodeError> {
        if bytes.len() < MESSAGE_HEADER_LENGTH {
            return Err(MessageDecodeError::TooShort { len: bytes.len() });
        }
        let actual = Intent::from_bytes([bytes[0], bytes[1], bytes[2]]);
        if actual != T::intent() {
            return Err(MessageDecodeError::InvalidIntent {
                expected: T::intent(),
                actual,
            });
        }
        Ok(bcs::from_bytes(bytes)?)
    }

    /// Signs the BCS bytes of this message with `key_pair`.
    pub fn sign(&self, key_pair: &crate::keys::BlsKeyPair) -> SignedMessage<T> {
        let serialized = self.to_bcs();
        let signature = key_pair.sign(&serialized);
        SignedMessage::new(serialized, signature)
    }
}

/// The shape that is deserialized before the intent is checked.
#[derive(Deserialize)]
#[serde(rename = "ProtocolMessage")]
struct UncheckedProtocolMessage<T> {
    intent: Intent,
    epoch: Epoch,
    message_contents: T,
}

impl<'de, T: MessageBody> Deserialize<'de> for ProtocolMessage<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let unchecked = UncheckedProtocolMessage::<T>::deserialize(deserializer)?;
        if unchecked.intent != T::intent() {
            return Err(serde::de::Error::custom(format!(
                "invalid intent: expected {}, got {}",
                T::intent(),
                unchecked.intent
            )));
        }
        Ok(Self {
            intent: unchecked.intent,
            epoch: unchecked.epoch,
            message_contents: unchecked.message_contents,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::BlobId;

    #[test]
    fn header_layout() {
        let message = InvalidBlobIdMsg::new(0x0102_0304, InvalidBlobIdAttestation(BlobId([7; 32])));
        let bytes = message.to_bcs();
        assert_eq!(&bytes[..7], &[2, 0, 3, 4, 3, 2, 1]);
        assert_eq!(bytes.len(), 39);
    }

    #[test]
    fn decoding_enforces_every_intent_byte() {
        let bytes = InvalidBlobIdMsg::new(5, InvalidBlobIdAttestation(BlobId([7; 32]))).to_bcs();
        for (position, value) in [(0, 1u8), (1, 1), (2, 0)] {
            let mut tampered = bytes.clone();
            tampered[position] = value;
            let error = InvalidBlobIdMsg::from_bcs(&tampered).expect_err("wrong intent");
            assert!(
                matches!(error, MessageDecodeError::InvalidIntent { actual, .. }
                    if actual.to_bytes()[position] == value),
                "{error:?}"
            );
            // The serde path enforces the intent too.
            assert!(bcs::from_bytes::<InvalidBlobIdMsg>(&tampered).is_err());
        }
        assert_eq!(
            InvalidBlobIdMsg::from_bcs(&bytes[..6]),
            Err(MessageDecodeError::TooShort { len: 6 })
        );
        assert!(matches!(
            InvalidBlobIdMsg::from_bcs(&bytes[..38]),
            Err(MessageDecodeError::Bcs(_))
        ));
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            InvalidBlobIdMsg::from_bcs(&long),
            Err(MessageDecodeError::Bcs(bcs::Error::RemainingInput))
        );
        // A confirmation is not an invalid-blob message, even though the body would parse.
        let confirmation = Confirmation::new(
            5,
            BlobPersistenceConfirmation {
                blob_id: BlobId([7; 32]),
                blob_type: BlobPersistenceType::Permanent,
            },
        );
        assert!(matches!(
            InvalidBlobIdMsg::from_bcs(&confirmation.to_bcs()),
            Err(MessageDecodeError::InvalidIntent { .. })
        ));
    }

    #[test]
    fn thresholds() {
        for n in [1u16, 4, 7, 10, 100, 1000, u16::MAX] {
            for threshold in [
                CertificateThreshold::Quorum,
                CertificateThreshold::OneCorrect,
            ] {
                let required = threshold.required_weight(n);
                assert!(threshold.is_reached(required, n), "{threshold:?} n = {n}");
                assert!(
                    !threshold.is_reached(required - 1, n),
                    "{threshold:?} n = {n}"
                );
            }
        }
        assert_eq!(CertificateThreshold::OneCorrect.required_weight(4), 2);
        assert_eq!(CertificateThreshold::Quorum.required_weight(4), 3);
    }
}
