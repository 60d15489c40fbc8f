//! Messages signed by a single storage node.

use std::{fmt, marker::PhantomData};

use serde::{Deserialize, Serialize};

use super::{MessageBody, MessageDecodeError, ProtocolMessage, bytes_serde};
use crate::{
    ids::Epoch,
    keys::{BlsPublicKey, BlsSignature},
};

/// The errors returned when verifying a signed message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageVerificationError {
    /// The message bytes do not decode as the expected message type.
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
    #[error("the message contents differ from the expected contents")]
    ContentsMismatch,
    /// The signature does not verify under the signer's public key.
    #[error("invalid signature")]
    InvalidSignature,
}

/// The BCS bytes of a [`ProtocolMessage<T>`] together with one BLS signature over them.
///
/// BCS: `ULEB128 length || message || signature (96 bytes)`.
/// JSON: `{"serializedMessage":"<base64>","signature":"<base64>"}` (standard padded base64).
///
/// The bytes are kept exactly as received; they are decoded (and the intent checked) only when
/// the message is verified or [`decoded`](Self::decode_message).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound = "")]
pub struct SignedMessage<T> {
    /// The BCS bytes of the signed [`ProtocolMessage<T>`].
    #[serde(with = "bytes_serde")]
    pub serialized_message: Vec<u8>,
    /// The signature over `serialized_message`.
    pub signature: BlsSignature,
    #[serde(skip)]
    message_type: PhantomData<fn() -> T>,
}

impl<T> SignedMessage<T> {
    /// Pairs serialized message bytes with a signature over them, without checking either.
    pub fn new(serialized_message: Vec<u8>, signature: BlsSignature) -> Self {
        Self {
            serialized_message,
            signature,
            message_type: PhantomData,
        }
    }

    /// Returns the BCS encoding of the signed message.
    ///
    /// # Panics
    ///
    /// Panics if the serialized message is longer than BCS's limit of 2^31 bytes.
    pub fn to_bcs(&self) -> Vec<u8> {
        bcs::to_bytes(self).expect("BCS only fails on byte strings over 2^31 bytes")
    }

    /// Decodes a signed message from its BCS encoding. The inner message is not decoded.
    pub fn from_bcs(bytes: &[u8]) -> Result<Self, bcs::Error> {
        bcs::from_bytes(bytes)
    }

    /// Verifies the signature over the serialized bytes, without decoding them.
    pub fn verify_signature(
        &self,
        public_key: &BlsPublicKey,
    ) -> Result<(), MessageVerificationError> {
        public_key
            .verify(&self.serialized_message, &self.signature)
            .map_err(|_| MessageVerificationError::InvalidSignature)
    }
}

impl<T: MessageBody> SignedMessage<T> {
    /// Decodes the signed message, enforcing the intent of `T`. The signature is not checked.
    pub fn decode_message(&self) -> Result<ProtocolMessage<T>, MessageDecodeError> {
        ProtocolMessage::from_bcs(&self.serialized_message)
    }

    /// Decodes the message (enforcing the intent), checks that it is for `epoch` and has the
    /// `expected` contents, then verifies the signature under `public_key`.
    ///
    /// Returns the decoded message on success.
    pub fn verify_signature_and_contents(
        &self,
        public_key: &BlsPublicKey,
        epoch: Epoch,
        expected: &T,
    ) -> Result<ProtocolMessage<T>, MessageVerificationError> {
        let message = self.decode_message()?;
        if message.epoch() != epoch {
            return Err(MessageVerificationError::WrongEpoch {
                expected: epoch,
                actual: message.epoch(),
            });
        }
        if message.contents() != expected {
            return Err(MessageVerificationError::ContentsMismatch);
        }
        self.verify_signature(public_key)?;
        Ok(message)
    }
}

impl<T> Clone for SignedMessage<T> {
    fn clone(&self) -> Self {
        Self::new(self.serialized_message.clone(), self.signature.clone())
    }
}

impl<T> PartialEq for SignedMessage<T> {
    fn eq(&self, other: &Self) -> bool {
        self.serialized_message == other.serialized_message && self.signature == other.signature
    }
}

impl<T> Eq for SignedMessage<T> {}

impl<T> fmt::Debug for SignedMessage<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedMessage")
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
        messages::{BlobPersistenceConfirmation, BlobPersistenceType, Confirmation},
    };

    fn confirmation(epoch: Epoch) -> Confirmation {
        Confirmation::for_blob(epoch, BlobId([3; 32]), BlobPersistenceType::Permanent)
    }

    #[test]
    fn verification_checks_epoch_contents_and_signature() {
        let pair = BlsKeyPair::generate(&mut StdRng::seed_from_u64(1));
        let signed = confirmation(4).sign(&pair);
        let expected = *confirmation(4).contents();
        assert_eq!(
            signed.verify_signature_and_contents(pair.public_key(), 4, &expected),
            Ok(confirmation(4))
        );
        assert_eq!(
            signed.verify_signature_and_contents(pair.public_key(), 5, &expected),
            Err(MessageVerificationError::WrongEpoch {
                expected: 5,
                actual: 4
            })
        );
        let other_contents = BlobPersistenceConfirmation {
            blob_id: BlobId([4; 32]),
            blob_type: BlobPersistenceType::Permanent,
        };
        assert_eq!(
            signed.verify_signature_and_contents(pair.public_key(), 4, &other_contents),
            Err(MessageVerificationError::ContentsMismatch)
        );
        let other_pair = BlsKeyPair::generate(&mut StdRng::seed_from_u64(2));
        assert_eq!(
            signed.verify_signature_and_contents(other_pair.public_key(), 4, &expected),
            Err(MessageVerificationError::InvalidSignature)
        );
        let mut wrong_intent = signed.clone();
        wrong_intent.serialized_message[0] = 2;
        assert!(matches!(
            wrong_intent.verify_signature_and_contents(pair.public_key(), 4, &expected),
            Err(MessageVerificationError::Decode(
                MessageDecodeError::InvalidIntent { .. }
            ))
        ));
    }

    #[test]
    fn bcs_and_json_round_trip() {
        let pair = BlsKeyPair::generate(&mut StdRng::seed_from_u64(1));
        let signed = confirmation(4).sign(&pair);
        let bytes = signed.to_bcs();
        assert_eq!(bytes, bcs::to_bytes(&signed).expect("bcs"));
        assert_eq!(bytes.len(), 1 + 40 + 96);
        assert_eq!(bytes[0], 40);
        assert_eq!(SignedMessage::from_bcs(&bytes), Ok(signed.clone()));
        let json = serde_json::to_string(&signed).expect("json");
        assert_eq!(
            serde_json::from_str::<SignedMessage<BlobPersistenceConfirmation>>(&json)
                .expect("json"),
            signed
        );
    }
}
