//! The fixed world the targets verify against: one blob encoded for a small committee, the
//! committee's BLS keys, a signed storage confirmation and a quorum certificate over it.

use std::sync::OnceLock;

use walrus_core::{
    BlobId, BlsKeyPair, BlsPublicKey, Epoch,
    encoding::{EncodedBlob, EncodingConfig, PrimarySliver, SecondarySliver, encode_with_metadata},
    messages::{
        BlobPersistenceType, Confirmation, ConfirmationCertificate, SignedStorageConfirmation,
    },
    metadata::{BlobMetadataWithId, VerifiedBlobMetadataWithId},
};

/// The committee's shard count.
pub const N_SHARDS: u16 = 10;

/// The shard weight of each committee member (summing to [`N_SHARDS`]).
pub const WEIGHTS: [u16; 4] = [3, 3, 2, 2];

/// The epoch of the fixture's messages.
pub const EPOCH: Epoch = 7;

/// The blob, its encoding, and signatures over it.
#[derive(Debug)]
pub struct Fixture {
    /// The blob's bytes.
    pub blob: Vec<u8>,
    /// The blob encoded for [`N_SHARDS`] shards.
    pub encoded: EncodedBlob,
    /// The members' key pairs, in committee order.
    pub keys: Vec<BlsKeyPair>,
    /// The committee as certificate verification takes it.
    pub committee: Vec<(BlsPublicKey, u16)>,
    /// Member 0's confirmation of the blob (permanent) in [`EPOCH`].
    pub confirmation: SignedStorageConfirmation,
    /// A certificate of members 0, 1 and 2 (weight 8 of 10) over the same confirmation.
    pub certificate: ConfirmationCertificate,
}

impl Fixture {
    /// The verified metadata of the blob.
    pub fn metadata(&self) -> &VerifiedBlobMetadataWithId {
        &self.encoded.metadata
    }

    /// The unverified metadata, as it travels.
    pub fn metadata_with_id(&self) -> BlobMetadataWithId {
        BlobMetadataWithId {
            blob_id: *self.blob_id(),
            metadata: self.metadata().metadata().clone(),
        }
    }

    /// The blob ID.
    pub fn blob_id(&self) -> &BlobId {
        self.encoded.blob_id()
    }

    /// The true primary sliver of index `index`, if in range.
    pub fn primary(&self, index: u16) -> Option<&PrimarySliver> {
        self.encoded
            .sliver_pairs
            .get(usize::from(index))
            .map(|pair| &pair.primary)
    }

    /// The true secondary sliver of index `index`, if in range (pair `n - 1 - index`).
    pub fn secondary(&self, index: u16) -> Option<&SecondarySliver> {
        let pair = N_SHARDS.checked_sub(index)?.checked_sub(1)?;
        self.encoded
            .sliver_pairs
            .get(usize::from(pair))
            .map(|pair| &pair.secondary)
    }
}

/// The blob's bytes: deterministic, not all equal, and long enough for several symbols per sliver.
fn blob_bytes() -> Vec<u8> {
    (0u32..1500)
        .map(|i| u8::try_from((i * 131 + 17) % 251).unwrap_or(0))
        .collect()
}

fn build() -> Fixture {
    let config = EncodingConfig::new(N_SHARDS).expect("10 shards is a valid committee size");
    let blob = blob_bytes();
    let encoded = encode_with_metadata(&config, &blob).expect("a 1500-byte blob is encodable");
    let keys: Vec<BlsKeyPair> = (1u8..=4)
        .map(|i| {
            BlsKeyPair::from_secret_bytes(&[i; 32]).expect("small constant scalars are valid keys")
        })
        .collect();
    let committee = keys
        .iter()
        .zip(WEIGHTS)
        .map(|(key, weight)| (key.public_key().clone(), weight))
        .collect();
    let message =
        Confirmation::for_blob(EPOCH, *encoded.blob_id(), BlobPersistenceType::Permanent).to_bcs();
    let signed: Vec<SignedStorageConfirmation> = keys
        .iter()
        .map(|key| SignedStorageConfirmation::new(message.clone(), key.sign(&message)))
        .collect();
    let certificate = ConfirmationCertificate::from_signed_messages(
        signed.iter().take(3).zip(0u16..).map(|(s, i)| (i, s)),
    )
    .expect("three signatures over the same bytes aggregate");
    Fixture {
        blob,
        encoded,
        keys,
        committee,
        confirmation: signed[0].clone(),
        certificate,
    }
}

/// The shared fixture, built on first use.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build)
}
