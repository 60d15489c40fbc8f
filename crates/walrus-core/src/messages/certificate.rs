//! Certificates: one message signed by enough of the committee, with an aggregate signature.

use std::{fmt, marker::PhantomData};

use serde::{Deserialize, Serialize};

use super::{
    BlobPersistenceConfirmation, InvalidBlobIdAttestation, MessageBody, MessageDecodeError,
    ProtocolMessage, SignedMessage, bytes_serde,
};
use crate::{
    ids::Epoch,
    keys::{BlsAggregateSignature, BlsDecodeError, BlsPublicKey, BlsSignature, SignatureError},
};

/// The errors returned when converting between signer indices and an on-chain signer bitmap.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BitmapError {
    /// The bitmap has more bytes than `ceil(n_members / 8)`.
    #[error("signer bitmap too long: {len} bytes, at most {max_len} for the committee")]
    BitmapTooLong {
        /// The length of the bitmap in bytes.
        len: usize,
        /// The maximum length for the committee.
        max_len: usize,
    },
    /// A signer index (or a set bit) is not below the number of committee members.
    #[error("signer {signer} out of range for a committee of {n_members} members")]
    SignerOutOfRange {
        /// The offending signer index.
        signer: usize,
        /// The number of committee members.
        n_members: usize,
    },
    /// A signer index appears twice.
    #[error("duplicate signer {0}")]
    DuplicateSigner(u16),
}

/// Returns the on-chain signer bitmap of `signers` for a committee of `n_members` members:
/// `ceil(n_members / 8)` bytes where bit `i % 8` (least significant first) of byte `i / 8` is set
/// if member `i` signed.
pub fn signers_to_bitmap(signers: &[u16], n_members: usize) -> Result<Vec<u8>, BitmapError> {
    let mut bitmap = vec![0u8; n_members.div_ceil(8)];
    for &signer in signers {
        let index = usize::from(signer);
        if index >= n_members {
            return Err(BitmapError::SignerOutOfRange {
                signer: index,
                n_members,
            });
        }
        let mask = 1u8 << (index % 8);
        let byte = &mut bitmap[index / 8];
        if *byte & mask != 0 {
            return Err(BitmapError::DuplicateSigner(signer));
        }
        *byte |= mask;
    }
    Ok(bitmap)
}

/// Parses an on-chain signer bitmap for a committee of `n_members` members into increasing
/// signer indices.
///
/// As on chain, the bitmap may be shorter than `ceil(n_members / 8)` bytes (missing bytes are
/// non-signers) but not longer, and bits beyond the last member must be zero.
pub fn signers_from_bitmap(bitmap: &[u8], n_members: usize) -> Result<Vec<u16>, BitmapError> {
    let max_len = n_members.div_ceil(8);
    if bitmap.len() > max_len {
        return Err(BitmapError::BitmapTooLong {
            len: bitmap.len(),
            max_len,
        });
    }
    let mut signers = Vec::new();
    for (byte_index, &byte) in bitmap.iter().enumerate() {
        for bit in 0..8 {
            if byte & (1 << bit) == 0 {
                continue;
            }
            let index = byte_index * 8 + bit;
            let signer = u16::try_from(index)
                .ok()
                .filter(|_| index < n_members)
                .ok_or(BitmapError::SignerOutOfRange {
                    signer: index,
                    n_members,
                })?;
            signers.push(signer);
        }
    }
    Ok(signers)
}

/// The errors returned when building a certificate from signed messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateBuildError {
    /// No signed messages were given.
    #[error("cannot build a certificate from zero signed messages")]
    NoSignatures,
    /// A signed message carries bytes that differ from the first one's.
    #[error("the message signed by {signer} differs from the other signed messages")]
    MessageMismatch {
        /// The index of the signer whose message differs.
        signer: u16,
    },
    /// The same signer index appears twice.
    #[error("duplicate signer {0}")]
    DuplicateSigner(u16),
    /// The signatures could not be aggregated.
    #[error("signature aggregation failed: {0}")]
    Aggregation(#[from] SignatureError),
}

/// The errors returned when decoding a certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateDecodeError {
    /// The bytes are not a BCS-encoded certificate (including an invalid signature point).
    #[error("malformed certificate: {0}")]
    Bcs(#[from] bcs::Error),
    /// The signature of a TypeScript-SDK certificate has the wrong length or is not a point.
    #[error("invalid certificate signature: {0}")]
    Signature(#[from] BlsDecodeError),
}

/// The errors returned when verifying a certificate against a committee.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateVerificationError {
    /// The message does not decode as the expected message type (including a wrong intent).
    #[error(transparent)]
    Decode(#[from] MessageDecodeError),
    /// The message is for another epoch.
    #[error("wrong epoch: expected {expected}, got {actual}")]
    WrongEpoch {
        /// The epoch the verifier expected.
        expected: Epoch,
        /// The epoch in the message.
        actual: Epoch,
    },
    /// The message body is not the expected one.
    #[error("the certified message differs from the expected message")]
    ContentsMismatch,
    /// The certificate has no signers.
    #[error("the certificate has no signers")]
    NoSigners,
    /// A signer index is not below the number of committee members.
    #[error("signer {signer} out of range for a committee of {n_members} members")]
    SignerOutOfRange {
        /// The offending signer index.
        signer: u16,
        /// The number of committee members.
        n_members: usize,
    },
    /// A signer index appears twice.
    #[error("duplicate signer {0}")]
    DuplicateSigner(u16),
    /// The committee's shard weights do not add up to its number of shards.
    #[error("invalid committee: member weights sum to {total_weight}, expected {n_shards} shards")]
    InvalidCommittee {
        /// The sum of the members' weights.
        total_weight: u64,
        /// The number of shards the committee should hold.
        n_shards: u16,
    },
    /// The signers hold too few shards for this kind of certificate.
    #[error("not enough signer weight: {weight} shards, {required} required")]
    QuorumNotReached {
        /// The number of shards held by the signers.
        weight: u16,
        /// The number of shards required.
        required: u16,
    },
    /// The aggregate signature does not verify under the signers' aggregated public key.
    #[error("invalid aggregate signature")]
    InvalidSignature,
}

/// A protocol message certified by several committee members: the BCS message bytes, the
/// indices of the signers in the committee's member list, and the aggregate of their signatures.
///
/// BCS: `ULEB128 count || u16 LE signers || ULEB128 length || message || signature (96 bytes)`.
/// JSON: `{"signers":[...],"serializedMessage":"<base64>","signature":"<base64>"}`.
///
/// The TypeScript SDK writes the signature as a length-prefixed byte vector instead
/// (`... || 0x60 || signature`); see [`Self::to_sdk_bcs`] and [`Self::from_sdk_bcs`].
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound = "")]
pub struct ProtocolMessageCertificate<T> {
    /// The indices of the signers in the committee's member list, in signing order.
    pub signers: Vec<u16>,
    /// The BCS bytes of the certified [`ProtocolMessage<T>`].
    #[serde(with = "bytes_serde")]
    pub serialized_message: Vec<u8>,
    /// The aggregate of the signers' signatures over `serialized_message`.
    pub signature: BlsAggregateSignature,
    #[serde(skip)]
    message_type: PhantomData<fn() -> T>,
}

/// A certificate over a storage confirmation; certifies a blob on chain (quorum `n - f`).
pub type ConfirmationCertificate = ProtocolMessageCertificate<BlobPersistenceConfirmation>;

/// A certificate over an invalid-blob attestation; invalidates a blob ID on chain (needs one
/// correct node: `3w >= n + 1`).
pub type InvalidBlobCertificate = ProtocolMessageCertificate<InvalidBlobIdAttestation>;

/// A certificate of a storage-challenge verdict (quorum of challengers, target excluded on chain).
pub type ChallengeVerdictCertificate = ProtocolMessageCertificate<super::ChallengeVerdict>;

/// The TypeScript-SDK layout of a certificate: the signature is a length-prefixed vector.
#[derive(Serialize, Deserialize)]
struct SdkCertificate {
    signers: Vec<u16>,
    #[serde(with = "bytes_serde")]
    serialized_message: Vec<u8>,
    #[serde(with = "bytes_serde")]
    signature: Vec<u8>,
}

impl<T> ProtocolMessageCertificate<T> {
    /// Assembles a certificate from its parts, without checking them.
    pub fn new(
        signers: Vec<u16>,
        serialized_message: Vec<u8>,
        signature: BlsAggregateSignature,
    ) -> Self {
        Self {
            signers,
            serialized_message,
            signature,
            message_type: PhantomData,
        }
    }

    /// Builds a certificate from `(signer index, signed message)` pairs, keeping the given signer
    /// order and aggregating the signatures.
    ///
    /// All messages must carry identical bytes and no signer may appear twice. The individual
    /// signatures are not verified here; verify them first, or verify the certificate.
    pub fn from_signed_messages<'a>(
        signed_messages: impl IntoIterator<Item = (u16, &'a SignedMessage<T>)>,
    ) -> Result<Self, CertificateBuildError>
    where
        T: 'a,
    {
        let mut signers: Vec<u16> = Vec::new();
        let mut signatures: Vec<&BlsSignature> = Vec::new();
        let mut serialized_message: Option<&[u8]> = None;
        for (signer, signed) in signed_messages {
            match serialized_message {
                None => serialized_message = Some(&signed.serialized_message),
                Some(first) if first != signed.serialized_message.as_slice() => {
                    return Err(CertificateBuildError::MessageMismatch { signer });
                }
                Some(_) => {}
            }
            if signers.contains(&signer) {
                return Err(CertificateBuildError::DuplicateSigner(signer));
            }
            signers.push(signer);
            signatures.push(&signed.signature);
        }
        let serialized_message = serialized_message.ok_or(CertificateBuildError::NoSignatures)?;
        let signature = BlsAggregateSignature::aggregate(signatures)?;
        Ok(Self::new(signers, serialized_message.to_vec(), signature))
    }

    /// Returns the BCS encoding of the certificate (the reference Rust layout, signature
    /// without a length prefix).
    ///
    /// # Panics
    ///
    /// Panics if the message or the signer list exceeds BCS's limit of 2^31 elements.
    pub fn to_bcs(&self) -> Vec<u8> {
        bcs::to_bytes(self).expect("BCS only fails on sequences over 2^31 elements")
    }

    /// Decodes a certificate from its BCS encoding (reference Rust layout). The message is not
    /// decoded and nothing is verified.
    pub fn from_bcs(bytes: &[u8]) -> Result<Self, CertificateDecodeError> {
        Ok(bcs::from_bytes(bytes)?)
    }

    /// Returns the encoding used by the TypeScript SDK: like [`Self::to_bcs`], but the
    /// signature is written as a length-prefixed byte vector (`0x60 || 96 bytes`).
    ///
    /// # Panics
    ///
    /// Panics if the message or the signer list exceeds BCS's limit of 2^31 elements.
    pub fn to_sdk_bcs(&self) -> Vec<u8> {
        let sdk = SdkCertificate {
            signers: self.signers.clone(),
            serialized_message: self.serialized_message.clone(),
            signature: self.signature.to_bytes().to_vec(),
        };
        bcs::to_bytes(&sdk).expect("BCS only fails on sequences over 2^31 elements")
    }

    /// Decodes the TypeScript-SDK encoding written by [`Self::to_sdk_bcs`]. The signature
    /// vector must hold exactly 96 bytes.
    pub fn from_sdk_bcs(bytes: &[u8]) -> Result<Self, CertificateDecodeError> {
        let sdk: SdkCertificate = bcs::from_bytes(bytes)?;
        let signature = BlsAggregateSignature::from_bytes(&sdk.signature)?;
        Ok(Self::new(sdk.signers, sdk.serialized_message, signature))
    }

    /// Returns the on-chain signer bitmap for a committee of `n_members` members.
    pub fn signers_bitmap(&self, n_members: usize) -> Result<Vec<u8>, BitmapError> {
        signers_to_bitmap(&self.signers, n_members)
    }

    /// Checks the signers against `committee` (members in committee order, as `(public key,
    /// shard weight)`), checks that their weight reaches `threshold` out of `n_shards`, and
    /// verifies the aggregate signature over the message bytes.
    ///
    /// Returns the signers' total weight. This does not decode the message; prefer
    /// [`Self::verify`], which also checks the intent, epoch and contents.
    pub fn verify_signers_and_signature(
        &self,
        committee: &[(BlsPublicKey, u16)],
        n_shards: u16,
        threshold: super::CertificateThreshold,
    ) -> Result<u16, CertificateVerificationError> {
        let total_weight: u64 = committee.iter().map(|(_, weight)| u64::from(*weight)).sum();
        if n_shards == 0 || total_weight != u64::from(n_shards) {
            return Err(CertificateVerificationError::InvalidCommittee {
                total_weight,
                n_shards,
            });
        }
        if self.signers.is_empty() {
            return Err(CertificateVerificationError::NoSigners);
        }
        let mut seen = vec![false; committee.len()];
        let mut weight: u64 = 0;
        let mut keys: Vec<&BlsPublicKey> = Vec::with_capacity(self.signers.len());
        for &signer in &self.signers {
            let index = usize::from(signer);
            let (key, member_weight) =
                committee
                    .get(index)
                    .ok_or(CertificateVerificationError::SignerOutOfRange {
                        signer,
                        n_members: committee.len(),
                    })?;
            if std::mem::replace(&mut seen[index], true) {
                return Err(CertificateVerificationError::DuplicateSigner(signer));
            }
            weight += u64::from(*member_weight);
            keys.push(key);
        }
        // No duplicates and a total of `n_shards`, so the weight fits in a u16.
        let weight = u16::try_from(weight).unwrap_or(u16::MAX);
        if !threshold.is_reached(weight, n_shards) {
            return Err(CertificateVerificationError::QuorumNotReached {
                weight,
                required: threshold.required_weight(n_shards),
            });
        }
        self.signature
            .verify(keys, &self.serialized_message)
            .map_err(|_| CertificateVerificationError::InvalidSignature)?;
        Ok(weight)
    }
}

impl<T: MessageBody> ProtocolMessageCertificate<T> {
    /// Decodes the certified message, enforcing the intent of `T`. Nothing is verified.
    pub fn decode_message(&self) -> Result<ProtocolMessage<T>, MessageDecodeError> {
        ProtocolMessage::from_bcs(&self.serialized_message)
    }

    /// Verifies the certificate against `committee` (the members in committee order, each as
    /// `(public key, shard weight)`) holding `n_shards` shards:
    ///
    /// 1. the message decodes as a `ProtocolMessage<T>` with the intent of `T`;
    /// 2. its epoch is `expected_epoch` and its contents are `expected`;
    /// 3. every signer is a distinct, in-range member index;
    /// 4. the signers' shard weight reaches `T::CERTIFICATE_THRESHOLD` (a quorum of `n - f`
    ///    for confirmations, `3w >= n + 1` for invalid-blob attestations);
    /// 5. the aggregate signature verifies under the signers' aggregated public key.
    ///
    /// Returns the decoded message.
    pub fn verify(
        &self,
        committee: &[(BlsPublicKey, u16)],
        n_shards: u16,
        expected_epoch: Epoch,
        expected: &T,
    ) -> Result<ProtocolMessage<T>, CertificateVerificationError> {
        let message = self.decode_message()?;
        if message.epoch() != expected_epoch {
            return Err(CertificateVerificationError::WrongEpoch {
                expected: expected_epoch,
                actual: message.epoch(),
            });
        }
        if message.contents() != expected {
            return Err(CertificateVerificationError::ContentsMismatch);
        }
        self.verify_signers_and_signature(committee, n_shards, T::CERTIFICATE_THRESHOLD)?;
        Ok(message)
    }
}

impl<T> Clone for ProtocolMessageCertificate<T> {
    fn clone(&self) -> Self {
        Self::new(
            self.signers.clone(),
            self.serialized_message.clone(),
            self.signature.clone(),
        )
    }
}

impl<T> PartialEq for ProtocolMessageCertificate<T> {
    fn eq(&self, other: &Self) -> bool {
        self.signers == other.signers
            && self.serialized_message == other.serialized_message
            && self.signature == other.signature
    }
}

impl<T> Eq for ProtocolMessageCertificate<T> {}

impl<T> fmt::Debug for ProtocolMessageCertificate<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProtocolMessageCertificate")
            .field("signers", &self.signers)
            .field("serialized_message", &hex::encode(&self.serialized_message))
            .field("signature", &self.signature)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;
    use crate::{
        ids::BlobId,
        keys::BlsKeyPair,
        messages::{BlobPersistenceType, Confirmation, InvalidBlobIdMsg},
    };

    struct Setup {
        pairs: Vec<BlsKeyPair>,
        committee: Vec<(BlsPublicKey, u16)>,
        n_shards: u16,
    }

    /// Four members holding 1, 2, 3 and 4 shards (n = 10, f = 3, quorum 7, validity 4).
    fn setup() -> Setup {
        let pairs: Vec<BlsKeyPair> = (0..4)
            .map(|seed| BlsKeyPair::generate(&mut StdRng::seed_from_u64(seed)))
            .collect();
        let committee = pairs
            .iter()
            .zip([1u16, 2, 3, 4])
            .map(|(pair, weight)| (pair.public_key().clone(), weight))
            .collect();
        Setup {
            pairs,
            committee,
            n_shards: 10,
        }
    }

    fn confirmation(epoch: Epoch) -> Confirmation {
        Confirmation::for_blob(epoch, BlobId([5; 32]), BlobPersistenceType::Permanent)
    }

    fn certificate(
        setup: &Setup,
        signers: &[u16],
        message: &Confirmation,
    ) -> ConfirmationCertificate {
        let signed: Vec<_> = signers
            .iter()
            .map(|&i| (i, message.sign(&setup.pairs[usize::from(i)])))
            .collect();
        ConfirmationCertificate::from_signed_messages(signed.iter().map(|(i, s)| (*i, s)))
            .expect("valid")
    }

    #[test]
    fn quorum_by_shard_weight() {
        let setup = setup();
        let message = confirmation(3);
        // Members 2 and 3 hold 7 shards: a quorum, with only 2 of 4 nodes.
        let cert = certificate(&setup, &[3, 2], &message);
        assert_eq!(
            cert.verify(&setup.committee, setup.n_shards, 3, message.contents()),
            Ok(message.clone())
        );
        // Members 0, 1 and 3 hold 7 shards too.
        let cert = certificate(&setup, &[0, 1, 3], &message);
        assert!(
            cert.verify(&setup.committee, setup.n_shards, 3, message.contents())
                .is_ok()
        );
        // Members 0, 1 and 2 hold only 6 shards despite being 3 of 4 nodes.
        let cert = certificate(&setup, &[0, 1, 2], &message);
        assert_eq!(
            cert.verify(&setup.committee, setup.n_shards, 3, message.contents()),
            Err(CertificateVerificationError::QuorumNotReached {
                weight: 6,
                required: 7
            })
        );
    }

    #[test]
    fn wrong_epoch_and_message() {
        let setup = setup();
        let message = confirmation(3);
        let cert = certificate(&setup, &[2, 3], &message);
        assert_eq!(
            cert.verify(&setup.committee, setup.n_shards, 4, message.contents()),
            Err(CertificateVerificationError::WrongEpoch {
                expected: 4,
                actual: 3
            })
        );
        let other = Confirmation::for_blob(3, BlobId([6; 32]), BlobPersistenceType::Permanent);
        assert_eq!(
            cert.verify(&setup.committee, setup.n_shards, 3, other.contents()),
            Err(CertificateVerificationError::ContentsMismatch)
        );
        // The message bytes were swapped after signing: contents match, signature does not.
        let mut swapped = cert.clone();
        swapped.serialized_message = other.to_bcs();
        assert_eq!(
            swapped.verify(&setup.committee, setup.n_shards, 3, other.contents()),
            Err(CertificateVerificationError::InvalidSignature)
        );
        // An invalid-blob certificate is not a confirmation certificate.
        let invalid = InvalidBlobIdMsg::for_blob(3, BlobId([5; 32]));
        let mut wrong_intent = cert.clone();
        wrong_intent.serialized_message = invalid.to_bcs();
        assert!(matches!(
            wrong_intent.verify(&setup.committee, setup.n_shards, 3, message.contents()),
            Err(CertificateVerificationError::Decode(
                MessageDecodeError::InvalidIntent { .. }
            ))
        ));
    }

    #[test]
    fn signer_checks() {
        let setup = setup();
        let message = confirmation(3);
        let mut cert = certificate(&setup, &[2, 3], &message);
        cert.signers = vec![2, 3, 2];
        assert_eq!(
            cert.verify(&setup.committee, setup.n_shards, 3, message.contents()),
            Err(CertificateVerificationError::DuplicateSigner(2))
        );
        cert.signers = vec![2, 4];
        assert_eq!(
            cert.verify(&setup.committee, setup.n_shards, 3, message.contents()),
            Err(CertificateVerificationError::SignerOutOfRange {
                signer: 4,
                n_members: 4
            })
        );
        cert.signers = vec![];
        assert_eq!(
            cert.verify(&setup.committee, setup.n_shards, 3, message.contents()),
            Err(CertificateVerificationError::NoSigners)
        );
        // Right weight, wrong signer set for the aggregate.
        cert.signers = vec![0, 1, 3];
        assert_eq!(
            cert.verify(&setup.committee, setup.n_shards, 3, message.contents()),
            Err(CertificateVerificationError::InvalidSignature)
        );
        // A committee whose weights do not add up to n.
        let cert = certificate(&setup, &[2, 3], &message);
        assert_eq!(
            cert.verify(&setup.committee, 11, 3, message.contents()),
            Err(CertificateVerificationError::InvalidCommittee {
                total_weight: 10,
                n_shards: 11
            })
        );
    }

    #[test]
    fn tampered_signature_is_rejected() {
        let setup = setup();
        let message = confirmation(3);
        let cert = certificate(&setup, &[2, 3], &message);
        // A valid point that is not the right aggregate.
        let mut tampered = cert.clone();
        tampered.signature = setup.pairs[2].sign(&message.to_bcs()).into();
        assert_eq!(
            tampered.verify(&setup.committee, setup.n_shards, 3, message.contents()),
            Err(CertificateVerificationError::InvalidSignature)
        );
        // Flipped bits: either no longer a point, or a point that does not verify.
        let mut bytes = cert.to_bcs();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        if let Ok(flipped) = ConfirmationCertificate::from_bcs(&bytes) {
            assert_eq!(
                flipped.verify(&setup.committee, setup.n_shards, 3, message.contents()),
                Err(CertificateVerificationError::InvalidSignature)
            );
        }
    }

    #[test]
    fn invalid_blob_certificate_needs_one_correct_node() {
        let setup = setup();
        let message = InvalidBlobIdMsg::for_blob(3, BlobId([5; 32]));
        let signed: Vec<_> = [3u16]
            .iter()
            .map(|&i| (i, message.sign(&setup.pairs[3])))
            .collect();
        // Member 3 holds 4 shards = f + 1 of n = 10.
        let cert =
            InvalidBlobCertificate::from_signed_messages(signed.iter().map(|(i, s)| (*i, s)))
                .expect("valid");
        assert_eq!(
            cert.verify(&setup.committee, setup.n_shards, 3, message.contents()),
            Ok(message.clone())
        );
        // Member 2 holds 3 shards = f: not enough.
        let signed = message.sign(&setup.pairs[2]);
        let cert = InvalidBlobCertificate::from_signed_messages([(2, &signed)]).expect("valid");
        assert_eq!(
            cert.verify(&setup.committee, setup.n_shards, 3, message.contents()),
            Err(CertificateVerificationError::QuorumNotReached {
                weight: 3,
                required: 4
            })
        );
    }

    #[test]
    fn building_rejects_mismatches_and_duplicates() {
        let setup = setup();
        let a = confirmation(3).sign(&setup.pairs[0]);
        let b = confirmation(4).sign(&setup.pairs[1]);
        assert_eq!(
            ConfirmationCertificate::from_signed_messages([(0, &a), (1, &b)]),
            Err(CertificateBuildError::MessageMismatch { signer: 1 })
        );
        assert_eq!(
            ConfirmationCertificate::from_signed_messages([(0, &a), (0, &a)]),
            Err(CertificateBuildError::DuplicateSigner(0))
        );
        assert_eq!(
            ConfirmationCertificate::from_signed_messages(std::iter::empty()),
            Err(CertificateBuildError::NoSignatures)
        );
    }

    #[test]
    fn bitmaps() {
        assert_eq!(signers_to_bitmap(&[0, 1, 3], 4), Ok(vec![0x0b]));
        assert_eq!(signers_to_bitmap(&[8, 0], 9), Ok(vec![0x01, 0x01]));
        assert_eq!(signers_to_bitmap(&[], 17), Ok(vec![0, 0, 0]));
        assert_eq!(
            signers_to_bitmap(&[4], 4),
            Err(BitmapError::SignerOutOfRange {
                signer: 4,
                n_members: 4
            })
        );
        assert_eq!(
            signers_to_bitmap(&[1, 1], 4),
            Err(BitmapError::DuplicateSigner(1))
        );
        assert_eq!(signers_from_bitmap(&[0x0b], 4), Ok(vec![0, 1, 3]));
        assert_eq!(signers_from_bitmap(&[0x01, 0x01], 9), Ok(vec![0, 8]));
        // Shorter than the committee: missing bytes are non-signers.
        assert_eq!(signers_from_bitmap(&[0x03], 20), Ok(vec![0, 1]));
        assert_eq!(signers_from_bitmap(&[], 20), Ok(vec![]));
        assert_eq!(
            signers_from_bitmap(&[0x01, 0x00], 8),
            Err(BitmapError::BitmapTooLong { len: 2, max_len: 1 })
        );
        assert_eq!(
            signers_from_bitmap(&[0x10], 4),
            Err(BitmapError::SignerOutOfRange {
                signer: 4,
                n_members: 4
            })
        );
        for n in [1usize, 7, 8, 9, 100] {
            let signers: Vec<u16> = (0..u16::try_from(n).expect("small")).step_by(3).collect();
            let bitmap = signers_to_bitmap(&signers, n).expect("in range");
            assert_eq!(bitmap.len(), n.div_ceil(8));
            assert_eq!(signers_from_bitmap(&bitmap, n), Ok(signers));
        }
        let setup = setup();
        let cert = certificate(&setup, &[3, 0, 1], &confirmation(1));
        assert_eq!(cert.signers_bitmap(4), Ok(vec![0x0b]));
    }

    #[test]
    fn bcs_sdk_and_json_forms() {
        let setup = setup();
        let cert = certificate(&setup, &[0, 3], &confirmation(21));
        let bcs_bytes = cert.to_bcs();
        assert_eq!(&bcs_bytes[..6], &[2, 0, 0, 3, 0, 40]);
        assert_eq!(bcs_bytes.len(), 6 + 40 + 96);
        assert_eq!(
            ConfirmationCertificate::from_bcs(&bcs_bytes),
            Ok(cert.clone())
        );

        let sdk = cert.to_sdk_bcs();
        assert_eq!(sdk.len(), bcs_bytes.len() + 1);
        assert_eq!(sdk[6 + 40], 96);
        assert_eq!(
            ConfirmationCertificate::from_sdk_bcs(&sdk),
            Ok(cert.clone())
        );
        assert!(ConfirmationCertificate::from_sdk_bcs(&bcs_bytes).is_err());
        assert!(ConfirmationCertificate::from_bcs(&sdk).is_err());

        let json = serde_json::to_string(&cert).expect("json");
        assert!(
            json.starts_with("{\"signers\":[0,3],\"serializedMessage\":\""),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<ConfirmationCertificate>(&json).expect("json"),
            cert
        );
    }
}
