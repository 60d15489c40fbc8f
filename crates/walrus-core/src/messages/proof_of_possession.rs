//! Proofs of possession: a node proves that it holds the private key of its BLS public key
//! when it registers with the system.

use serde::{Deserialize, Serialize};

use super::{IntentType, MessageBody, ProtocolMessage, SignedMessage, sealed};
use crate::{
    ids::{Epoch, ObjectId},
    keys::{BlsKeyPair, BlsPublicKey},
};

/// The body of a proof of possession: the node's Sui address and its BLS public key.
///
/// BCS: `sui_address (32 bytes) || bls_public_key (48 bytes, no length prefix)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProofOfPossessionBody {
    /// The Sui address of the node operator.
    pub sui_address: ObjectId,
    /// The BLS public key whose possession is proven.
    pub bls_public_key: BlsPublicKey,
}

impl sealed::Sealed for ProofOfPossessionBody {}

impl MessageBody for ProofOfPossessionBody {
    const INTENT_TYPE: IntentType = IntentType::PROOF_OF_POSSESSION;
}

/// A proof-of-possession message (intent type `PROOF_OF_POSSESSION`, 87 bytes).
pub type ProofOfPossessionMsg = ProtocolMessage<ProofOfPossessionBody>;

impl ProofOfPossessionMsg {
    /// Creates the proof-of-possession message of `key_pair` for `sui_address` in `epoch`.
    pub fn for_key(epoch: Epoch, sui_address: ObjectId, key_pair: &BlsKeyPair) -> Self {
        Self::new(
            epoch,
            ProofOfPossessionBody {
                sui_address,
                bls_public_key: key_pair.public_key().clone(),
            },
        )
    }
}

/// A proof of possession signed with the BLS key it names.
pub type SignedProofOfPossession = SignedMessage<ProofOfPossessionBody>;
