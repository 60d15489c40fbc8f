//! Storage confirmations: a node attests that it stores a blob's slivers on all its shards.

use serde::{Deserialize, Serialize};

use super::{IntentType, MessageBody, ProtocolMessage, SignedMessage, sealed};
use crate::ids::{BlobId, ObjectId};

/// Whether a blob is permanent or deletable; deletable confirmations name the `Blob` object.
///
/// BCS: `00` for permanent, `01 || object_id (32 bytes)` for deletable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BlobPersistenceType {
    /// The blob cannot be deleted before its end epoch.
    Permanent,
    /// The blob can be deleted by its owner.
    Deletable {
        /// The ID of the Sui `Blob` object registered for this blob.
        object_id: ObjectId,
    },
}

/// The body of a storage confirmation: the blob ID and its persistence type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlobPersistenceConfirmation {
    /// The confirmed blob.
    pub blob_id: BlobId,
    /// Whether the confirmation is for a permanent blob or a specific deletable `Blob` object.
    pub blob_type: BlobPersistenceType,
}

impl sealed::Sealed for BlobPersistenceConfirmation {}

impl MessageBody for BlobPersistenceConfirmation {
    const INTENT_TYPE: IntentType = IntentType::BLOB_CERT;
}

/// A storage confirmation (intent type `BLOB_CERT`): 40 bytes for a permanent blob, 72 bytes for
/// a deletable one.
pub type Confirmation = ProtocolMessage<BlobPersistenceConfirmation>;

impl Confirmation {
    /// Creates a confirmation of `blob_id` with the given persistence type in `epoch`.
    pub fn for_blob(
        epoch: crate::ids::Epoch,
        blob_id: BlobId,
        blob_type: BlobPersistenceType,
    ) -> Self {
        Self::new(epoch, BlobPersistenceConfirmation { blob_id, blob_type })
    }
}

/// A storage confirmation signed by one storage node.
pub type SignedStorageConfirmation = SignedMessage<BlobPersistenceConfirmation>;

/// The response of a storage node to a confirmation request.
///
/// JSON: `{"signed":{"serializedMessage":"<base64>","signature":"<base64>"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StorageConfirmation {
    /// A confirmation signed by the node's BLS key.
    Signed(SignedStorageConfirmation),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permanent_and_deletable_layouts() {
        let blob_id = BlobId([7; 32]);
        let permanent = Confirmation::for_blob(21, blob_id, BlobPersistenceType::Permanent);
        let expected = format!("01000315000000{}00", "07".repeat(32));
        assert_eq!(hex::encode(permanent.to_bcs()), expected);

        let deletable = Confirmation::for_blob(
            21,
            blob_id,
            BlobPersistenceType::Deletable {
                object_id: ObjectId([0x2a; 32]),
            },
        );
        let bytes = deletable.to_bcs();
        assert_eq!(bytes.len(), 72);
        assert_eq!(
            hex::encode(&bytes),
            format!("01000315000000{}01{}", "07".repeat(32), "2a".repeat(32))
        );
        assert_eq!(Confirmation::from_bcs(&bytes), Ok(deletable));
    }

    #[test]
    fn unknown_persistence_type_is_rejected() {
        let mut bytes =
            Confirmation::for_blob(1, BlobId([1; 32]), BlobPersistenceType::Permanent).to_bcs();
        if let Some(last) = bytes.last_mut() {
            *last = 2;
        }
        assert!(Confirmation::from_bcs(&bytes).is_err());
    }
}
