//! Invalid-blob attestations: a node attests that a blob ID is inconsistently encoded.

use serde::{Deserialize, Serialize};

use super::{
    CertificateThreshold, IntentType, MessageBody, ProtocolMessage, SignedMessage, sealed,
};
use crate::ids::BlobId;

/// The body of an invalid-blob attestation: the invalid blob ID (32 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InvalidBlobIdAttestation(pub BlobId);

impl sealed::Sealed for InvalidBlobIdAttestation {}

impl MessageBody for InvalidBlobIdAttestation {
    const INTENT_TYPE: IntentType = IntentType::INVALID_BLOB_ID;
    /// On chain, `invalidate_blob_id` only needs one correct node (`3w >= n + 1`).
    const CERTIFICATE_THRESHOLD: CertificateThreshold = CertificateThreshold::OneCorrect;
}

/// An invalid-blob attestation (intent type `INVALID_BLOB_ID`, 39 bytes).
pub type InvalidBlobIdMsg = ProtocolMessage<InvalidBlobIdAttestation>;

impl InvalidBlobIdMsg {
    /// Creates an attestation that `blob_id` is invalid, in `epoch`.
    pub fn for_blob(epoch: crate::ids::Epoch, blob_id: BlobId) -> Self {
        Self::new(epoch, InvalidBlobIdAttestation(blob_id))
    }

    /// Returns the attested blob ID.
    pub fn blob_id(&self) -> BlobId {
        self.contents().0
    }
}

/// An invalid-blob attestation signed by one storage node.
pub type SignedInvalidBlobIdMsg = SignedMessage<InvalidBlobIdAttestation>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let message = InvalidBlobIdMsg::for_blob(21, BlobId([7; 32]));
        assert_eq!(
            hex::encode(message.to_bcs()),
            format!("02000315000000{}", "07".repeat(32))
        );
        assert_eq!(message.blob_id(), BlobId([7; 32]));
    }
}
