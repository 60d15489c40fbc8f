//! Blob metadata: the encoding type, the unencoded length and the Merkle roots of every sliver
//! pair, from which the blob ID is derived.

use serde::{Deserialize, Serialize};

use crate::{
    encoding::{Axis, EncodingConfig, EncodingError},
    ids::{BlobId, SliverPairIndex},
    merkle::{self, Node},
};

/// The erasure-coding scheme of a blob. Only RS2 (Reed-Solomon RedStuff) exists.
///
/// BCS is the single byte `0x01` (variant 0, the retired RaptorQ scheme, is rejected); JSON is
/// `"RS2"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "EncodingTypeForSerde", into = "EncodingTypeForSerde")]
pub enum EncodingType {
    /// RedStuff over Reed-Solomon codes in GF(2^16).
    #[default]
    RS2,
}

impl EncodingType {
    /// The on-chain `u8` of the encoding type.
    pub fn as_u8(self) -> u8 {
        match self {
            EncodingType::RS2 => 1,
        }
    }
}

impl TryFrom<u8> for EncodingType {
    type Error = MetadataError;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            1 => Ok(EncodingType::RS2),
            other => Err(MetadataError::UnsupportedEncodingType(other)),
        }
    }
}

impl std::fmt::Display for EncodingType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedStuff/Reed-Solomon")
    }
}

impl std::str::FromStr for EncodingType {
    type Err = MetadataError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rs2" | "reed-solomon" | "redstuff/reed-solomon" => Ok(EncodingType::RS2),
            _ => Err(MetadataError::UnknownEncodingName(s.to_owned())),
        }
    }
}

/// The serde mirror of [`EncodingType`] with the retired variant 0 in place.
#[derive(Serialize, Deserialize)]
enum EncodingTypeForSerde {
    RedStuffRaptorQ,
    RS2,
}

impl TryFrom<EncodingTypeForSerde> for EncodingType {
    type Error = MetadataError;

    fn try_from(value: EncodingTypeForSerde) -> Result<Self, Self::Error> {
        match value {
            EncodingTypeForSerde::RedStuffRaptorQ => Err(MetadataError::UnsupportedEncodingType(0)),
            EncodingTypeForSerde::RS2 => Ok(EncodingType::RS2),
        }
    }
}

impl From<EncodingType> for EncodingTypeForSerde {
    fn from(value: EncodingType) -> Self {
        match value {
            EncodingType::RS2 => EncodingTypeForSerde::RS2,
        }
    }
}

/// Errors found when checking metadata.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// An encoding type other than RS2.
    #[error("unsupported encoding type {0}")]
    UnsupportedEncodingType(u8),
    /// An encoding name that is not recognised.
    #[error("unknown encoding type name {0:?}")]
    UnknownEncodingName(String),
    /// The number of sliver-pair hashes differs from the number of shards.
    #[error("metadata has {actual} sliver pair hashes but the committee has {expected} shards")]
    WrongNumberOfHashes {
        /// The number of shards.
        expected: u16,
        /// The number of hashes in the metadata.
        actual: usize,
    },
    /// The unencoded length cannot be encoded with this many shards.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    /// The blob ID recomputed from the metadata differs from the claimed one.
    #[error("blob ID mismatch: metadata gives {computed}, claimed {claimed}")]
    BlobIdMismatch {
        /// The blob ID the metadata hashes to.
        computed: BlobId,
        /// The blob ID that came with the metadata.
        claimed: BlobId,
    },
}

/// The Merkle roots of one sliver pair: primary sliver `i` and secondary sliver `n - 1 - i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SliverPairMetadata {
    /// The root over the expanded primary sliver.
    pub primary_hash: Node,
    /// The root over the expanded secondary sliver.
    pub secondary_hash: Node,
}

impl SliverPairMetadata {
    /// The hash of the sliver of this pair on `axis`.
    pub fn hash(&self, axis: Axis) -> &Node {
        match axis {
            Axis::Primary => &self.primary_hash,
            Axis::Secondary => &self.secondary_hash,
        }
    }

    /// The 64-byte leaf of this pair in the blob's root tree.
    fn leaf_input(&self) -> [u8; 64] {
        let mut leaf = [0u8; 64];
        leaf[..32].copy_from_slice(self.primary_hash.bytes());
        leaf[32..].copy_from_slice(self.secondary_hash.bytes());
        leaf
    }
}

/// Version 1 of blob metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobMetadataV1 {
    /// The encoding scheme.
    pub encoding_type: EncodingType,
    /// The blob's length in bytes before encoding.
    pub unencoded_length: u64,
    /// One entry per sliver pair, in pair order.
    pub hashes: Vec<SliverPairMetadata>,
}

/// Versioned blob metadata, as PUT to storage nodes (BCS variant byte first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlobMetadata {
    /// Version 1.
    V1(BlobMetadataV1),
}

impl BlobMetadata {
    /// Creates V1 metadata.
    pub fn new(
        encoding_type: EncodingType,
        unencoded_length: u64,
        hashes: Vec<SliverPairMetadata>,
    ) -> Self {
        Self::V1(BlobMetadataV1 {
            encoding_type,
            unencoded_length,
            hashes,
        })
    }

    fn v1(&self) -> &BlobMetadataV1 {
        match self {
            Self::V1(inner) => inner,
        }
    }

    /// The encoding scheme.
    pub fn encoding_type(&self) -> EncodingType {
        self.v1().encoding_type
    }

    /// The blob's length in bytes before encoding.
    pub fn unencoded_length(&self) -> u64 {
        self.v1().unencoded_length
    }

    /// The sliver-pair hashes in pair order.
    pub fn hashes(&self) -> &[SliverPairMetadata] {
        &self.v1().hashes
    }

    /// The Merkle root over the pair leaves `primary_hash || secondary_hash`.
    pub fn compute_root_hash(&self) -> Node {
        let leaves: Vec<[u8; 64]> = self.hashes().iter().map(|pair| pair.leaf_input()).collect();
        merkle::root(leaves.iter().map(|leaf| leaf.as_slice()))
    }

    /// The blob ID these metadata hash to.
    pub fn compute_blob_id(&self) -> BlobId {
        BlobId::from_root_hash(
            self.encoding_type(),
            self.unencoded_length(),
            &self.compute_root_hash(),
        )
    }

    /// The hash of the sliver of `axis` in pair `pair`, if the pair exists.
    pub fn sliver_hash(&self, pair: SliverPairIndex, axis: Axis) -> Option<&Node> {
        self.hashes()
            .get(pair.as_usize())
            .map(|entry| entry.hash(axis))
    }
}

impl BlobId {
    /// Derives a blob ID: `Blake2b256(encoding_type u8 || unencoded_length u64 LE || root)`.
    pub fn from_root_hash(encoding_type: EncodingType, unencoded_length: u64, root: &Node) -> Self {
        Self(merkle::blake2b256(&[
            &[encoding_type.as_u8()],
            &unencoded_length.to_le_bytes(),
            root.bytes(),
        ]))
    }
}

/// Metadata together with the blob ID it claims; the body of `GET /v1/blobs/{id}/metadata`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobMetadataWithId {
    /// The claimed blob ID.
    pub blob_id: BlobId,
    /// The metadata.
    pub metadata: BlobMetadata,
}

impl BlobMetadataWithId {
    /// Checks the metadata for a committee of `n_shards` shards: one hash per shard, an
    /// encodable length, and a blob ID that matches.
    pub fn verify(self, n_shards: u16) -> Result<VerifiedBlobMetadataWithId, MetadataError> {
        let actual = self.metadata.hashes().len();
        if actual != usize::from(n_shards) {
            return Err(MetadataError::WrongNumberOfHashes {
                expected: n_shards,
                actual,
            });
        }
        let config = EncodingConfig::new(n_shards)?;
        config.check_blob_size(self.metadata.unencoded_length())?;
        let computed = self.metadata.compute_blob_id();
        if computed != self.blob_id {
            return Err(MetadataError::BlobIdMismatch {
                computed,
                claimed: self.blob_id,
            });
        }
        Ok(VerifiedBlobMetadataWithId {
            inner: self,
            config,
        })
    }
}

/// Metadata whose blob ID, hash count and length have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBlobMetadataWithId {
    inner: BlobMetadataWithId,
    config: EncodingConfig,
}

impl VerifiedBlobMetadataWithId {
    /// Wraps metadata that the encoder itself produced.
    pub(crate) fn new_trusted(inner: BlobMetadataWithId, config: EncodingConfig) -> Self {
        Self { inner, config }
    }

    /// The blob ID.
    pub fn blob_id(&self) -> &BlobId {
        &self.inner.blob_id
    }

    /// The metadata.
    pub fn metadata(&self) -> &BlobMetadata {
        &self.inner.metadata
    }

    /// The encoding parameters for this metadata's shard count.
    pub fn config(&self) -> &EncodingConfig {
        &self.config
    }

    /// The symbol size of the blob.
    pub fn symbol_size(&self) -> u16 {
        self.config
            .symbol_size_for_blob(self.inner.metadata.unencoded_length())
            .expect("verified metadata has an encodable length")
            .get()
    }

    /// The metadata with its blob ID, for serialization.
    pub fn as_unverified(&self) -> &BlobMetadataWithId {
        &self.inner
    }

    /// Unwraps the metadata with its blob ID.
    pub fn into_unverified(self) -> BlobMetadataWithId {
        self.inner
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn encoding_type_forms() {
        assert_eq!(bcs::to_bytes(&EncodingType::RS2).expect("ok"), vec![1]);
        assert!(bcs::from_bytes::<EncodingType>(&[0]).is_err());
        assert!(bcs::from_bytes::<EncodingType>(&[2]).is_err());
        assert_eq!(
            bcs::from_bytes::<EncodingType>(&[1]).expect("ok"),
            EncodingType::RS2
        );
        assert_eq!(
            serde_json::to_string(&EncodingType::RS2).expect("ok"),
            "\"RS2\""
        );
        for name in ["rs2", " RS2 ", "Reed-Solomon", "redstuff/reed-solomon"] {
            assert_eq!(
                name.parse::<EncodingType>().expect("known"),
                EncodingType::RS2
            );
        }
        assert!("raptorq".parse::<EncodingType>().is_err());
        assert_eq!(EncodingType::RS2.to_string(), "RedStuff/Reed-Solomon");
    }

    #[test]
    fn verify_rejects_wrong_hash_count_and_id() {
        let metadata = BlobMetadata::new(
            EncodingType::RS2,
            5,
            vec![
                SliverPairMetadata {
                    primary_hash: Node::Empty,
                    secondary_hash: Node::Empty
                };
                4
            ],
        );
        let blob_id = metadata.compute_blob_id();
        let good = BlobMetadataWithId { blob_id, metadata };
        assert!(good.clone().verify(4).is_ok());
        assert!(matches!(
            good.clone().verify(5),
            Err(MetadataError::WrongNumberOfHashes {
                expected: 5,
                actual: 4
            })
        ));
        let mut bad = good.clone();
        bad.blob_id.0[0] ^= 1;
        assert!(matches!(
            bad.verify(4),
            Err(MetadataError::BlobIdMismatch { .. })
        ));
        let mut too_long = good;
        too_long.metadata = BlobMetadata::new(
            EncodingType::RS2,
            393_205,
            too_long.metadata.hashes().to_vec(),
        );
        too_long.blob_id = too_long.metadata.compute_blob_id();
        assert!(matches!(
            too_long.verify(4),
            Err(MetadataError::Encoding(_))
        ));
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = bcs::from_bytes::<BlobMetadata>(&bytes);
            let _ = bcs::from_bytes::<BlobMetadataWithId>(&bytes);
            if let Ok(metadata) = bcs::from_bytes::<BlobMetadataWithId>(&bytes) {
                let _ = metadata.verify(4);
            }
        }
    }
}
