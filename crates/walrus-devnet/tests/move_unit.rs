//! The Move unit tests of `contracts/walrus/tests/*_tests.move`, run against the native
//! implementations: one Rust test per Move test, with the same module and test name and the same
//! checks (expected failures check the same module and abort code).

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use sui_sdk_types::{Address, Digest, Object};
use walrus_devnet::natives::{NResult, NativeCtx, NativeError, ObjectSource};

struct NoObjects;

impl ObjectSource for NoObjects {
    fn object(&self, _: &Address) -> Option<Object> {
        None
    }
}

fn with_ctx<T>(f: impl FnOnce(&mut NativeCtx<'_>) -> T) -> T {
    let mut ctx = NativeCtx::new(Address::ZERO, Digest::new([7; 32]), 0, &NoObjects);
    f(&mut ctx)
}

fn assert_abort<T: std::fmt::Debug>(result: NResult<T>, module: &str, code: u64) {
    match result {
        Err(NativeError::Abort {
            module: m, code: c, ..
        }) => assert_eq!((m, c), (module, code)),
        other => panic!("expected abort {module}::{code}, got {other:?}"),
    }
}

/// The Move `test_utils` helpers: deterministic BLS committees, certificates and node IDs.
mod test_utils {
    use walrus_core::{BlobId, BlsAggregateSignature, BlsKeyPair, ObjectId};
    use walrus_devnet::natives::NResult;
    use walrus_devnet::natives::system::{BLOB_CERT_MSG_TYPE, INVALID_BLOB_ID_MSG_TYPE};
    use walrus_sui::move_types::G1Element;
    use walrus_sui::objects::{BlsCommittee, BlsCommitteeMember};

    /// The key of test node `i` (secret `i + 1`, as `bls_sk`).
    pub fn bls_key(i: usize) -> BlsKeyPair {
        let mut secret = [0; 32];
        secret[24..].copy_from_slice(&(u64::try_from(i).unwrap() + 1).to_be_bytes());
        BlsKeyPair::from_secret_bytes(&secret).unwrap()
    }

    /// The node ID of test node `i` (IDs increase with `i`).
    pub fn node_id(i: u64) -> ObjectId {
        let mut id = [0; 32];
        id[24..].copy_from_slice(&(i + 1).to_be_bytes());
        ObjectId(id)
    }

    /// A committee at `epoch` with member `i` holding `weights[i]` shards.
    pub fn bls_committee(epoch: u32, weights: &[u16]) -> NResult<BlsCommittee> {
        let members = weights
            .iter()
            .enumerate()
            .map(|(i, weight)| BlsCommitteeMember {
                public_key: G1Element {
                    bytes: bls_key(i).public_key().to_bytes().to_vec(),
                },
                weight: *weight,
                node_id: node_id(u64::try_from(i).unwrap()),
            })
            .collect();
        walrus_devnet::natives::system::new_bls_committee(epoch, members)
    }

    /// The aggregate signature of `message` by the members whose flag is set.
    pub fn bls_aggregate_sign(signers: &[bool], message: &[u8]) -> Vec<u8> {
        let signatures: Vec<_> = signers
            .iter()
            .enumerate()
            .filter(|(_, signed)| **signed)
            .map(|(i, _)| bls_key(i).sign(message))
            .collect();
        BlsAggregateSignature::aggregate(&signatures)
            .unwrap()
            .to_bytes()
            .to_vec()
    }

    /// The bitmap of `signers` (bit `i` of byte `i / 8`).
    pub fn signers_to_bitmap(signers: &[bool]) -> Vec<u8> {
        let mut bitmap = vec![0u8; signers.len().div_ceil(8)];
        for (i, signed) in signers.iter().enumerate() {
            if *signed {
                bitmap[i / 8] |= 1 << (i % 8);
            }
        }
        bitmap
    }

    /// A blob ID from a Move `u256` literal (little-endian bytes).
    pub fn u256(value: u128) -> BlobId {
        let mut bytes = [0; 32];
        bytes[..16].copy_from_slice(&value.to_le_bytes());
        BlobId(bytes)
    }

    fn header(intent_type: u8, epoch: u32) -> Vec<u8> {
        let mut message = vec![intent_type, 0, 3];
        message.extend(epoch.to_le_bytes());
        message
    }

    /// A permanent blob certification message.
    pub fn blob_cert_message(epoch: u32, blob_id: BlobId) -> Vec<u8> {
        let mut message = header(BLOB_CERT_MSG_TYPE, epoch);
        message.extend(blob_id.0);
        message.push(0);
        message
    }

    /// A deletable blob certification message.
    pub fn deletable_blob_cert_message(epoch: u32, blob_id: BlobId, object: ObjectId) -> Vec<u8> {
        let mut message = header(BLOB_CERT_MSG_TYPE, epoch);
        message.extend(blob_id.0);
        message.push(1);
        message.extend(object.0);
        message
    }

    /// An invalid-blob-ID message.
    pub fn invalid_blob_id_message(epoch: u32, blob_id: BlobId) -> Vec<u8> {
        let mut message = header(INVALID_BLOB_ID_MSG_TYPE, epoch);
        message.extend(blob_id.0);
        message
    }
}

mod storage_resource_tests {
    use walrus_devnet::natives::storage_resource::*;
    use walrus_sui::errors::StorageResourceError as E;

    use super::*;

    #[test]
    fn split_by_epoch_keeps_front() {
        with_ctx(|ctx| {
            let mut storage = create_storage(0, 10, 1_000, ctx).unwrap();
            let back = split_by_epoch(&mut storage, 4, ctx).unwrap();
            assert_eq!((storage.start_epoch, storage.end_epoch), (0, 4));
            assert_eq!((back.start_epoch, back.end_epoch), (4, 10));
            assert_eq!(back.storage_size, 1_000);
            fuse_periods(&mut storage, back, ctx).unwrap();
            assert_eq!(storage.end_epoch, 10);
        });
    }

    #[test]
    fn split_by_size_keeps_requested_size() {
        with_ctx(|ctx| {
            let mut storage = create_storage(2, 5, 1_000, ctx).unwrap();
            let rest = split_by_size(&mut storage, 300, ctx).unwrap();
            assert_eq!(storage.storage_size, 300);
            assert_eq!(rest.storage_size, 700);
            assert_eq!((rest.start_epoch, rest.end_epoch), (2, 5));
            fuse_amount(&mut storage, rest, ctx).unwrap();
            assert_eq!(storage.storage_size, 1_000);
        });
    }

    #[test]
    fn fuse_periods_in_either_order() {
        with_ctx(|ctx| {
            let mut later = create_storage(5, 8, 64, ctx).unwrap();
            let earlier = create_storage(1, 5, 64, ctx).unwrap();
            assert!(can_fuse_periods(&later, &earlier));
            fuse_periods(&mut later, earlier, ctx).unwrap();
            assert_eq!((later.start_epoch, later.end_epoch), (1, 8));
        });
    }

    #[test]
    fn fuse_picks_amount_or_period() {
        with_ctx(|ctx| {
            let mut storage = create_storage(0, 3, 10, ctx).unwrap();
            let other = create_storage(0, 3, 5, ctx).unwrap();
            fuse(&mut storage, other, ctx).unwrap();
            assert_eq!(storage.storage_size, 15);
            let other = create_storage(3, 6, 15, ctx).unwrap();
            fuse(&mut storage, other, ctx).unwrap();
            assert_eq!(storage.end_epoch, 6);
            assert!(covers_epoch(&storage, 5));
            assert!(!covers_epoch(&storage, 6));
        });
    }

    #[test]
    fn split_by_epoch_at_start_fails() {
        with_ctx(|ctx| {
            let mut storage = create_storage(0, 10, 1_000, ctx).unwrap();
            assert_abort(
                split_by_epoch(&mut storage, 0, ctx),
                "storage_resource",
                E::EInvalidEpoch as u64,
            );
        });
    }

    #[test]
    fn split_by_size_too_large_fails() {
        with_ctx(|ctx| {
            let mut storage = create_storage(0, 10, 1_000, ctx).unwrap();
            assert_abort(
                split_by_size(&mut storage, 1_001, ctx),
                "storage_resource",
                E::EInvalidSplitSize as u64,
            );
        });
    }

    #[test]
    fn fuse_periods_with_different_sizes_fails() {
        with_ctx(|ctx| {
            let mut storage = create_storage(0, 5, 1_000, ctx).unwrap();
            let other = create_storage(5, 10, 999, ctx).unwrap();
            assert_abort(
                fuse_periods(&mut storage, other, ctx),
                "storage_resource",
                E::EIncompatibleAmount as u64,
            );
        });
    }

    #[test]
    fn fuse_periods_with_gap_fails() {
        with_ctx(|ctx| {
            let mut storage = create_storage(0, 5, 1_000, ctx).unwrap();
            let other = create_storage(6, 10, 1_000, ctx).unwrap();
            assert_abort(
                fuse_periods(&mut storage, other, ctx),
                "storage_resource",
                E::EIncompatibleEpochs as u64,
            );
        });
    }

    #[test]
    fn fuse_amount_with_different_periods_fails() {
        with_ctx(|ctx| {
            let mut storage = create_storage(0, 5, 1_000, ctx).unwrap();
            let other = create_storage(0, 6, 1_000, ctx).unwrap();
            assert_abort(
                fuse_amount(&mut storage, other, ctx),
                "storage_resource",
                E::EIncompatibleEpochs as u64,
            );
        });
    }

    #[test]
    fn empty_period_fails() {
        with_ctx(|ctx| {
            assert_abort(
                create_storage(5, 5, 1_000, ctx),
                "storage_resource",
                E::EInvalidEpochRange as u64,
            );
        });
    }
}

mod blob_tests {
    use walrus_core::{BlobId, ObjectId};
    use walrus_devnet::natives::blob::*;
    use walrus_devnet::natives::encoding::{RS2, encoded_blob_length};
    use walrus_devnet::natives::storage_resource::create_storage;
    use walrus_sui::errors::BlobError as E;
    use walrus_sui::move_types::VecMap;
    use walrus_sui::objects::{Blob, Metadata};

    use super::*;

    const N_SHARDS: u16 = 10;
    const SIZE: u64 = 5_000;

    fn root_hash() -> BlobId {
        let mut bytes = [0; 32];
        bytes[..3].copy_from_slice(&[0xEE, 0xFF, 0xC0]);
        BlobId(bytes)
    }

    fn blob_id() -> BlobId {
        derive_blob_id(root_hash(), RS2, SIZE)
    }

    fn new_blob(
        epoch: u32,
        end_epoch: u32,
        deletable: bool,
        ctx: &mut NativeCtx<'_>,
    ) -> NResult<Blob> {
        let size = encoded_blob_length(SIZE, RS2, N_SHARDS).unwrap();
        let storage = create_storage(0, end_epoch, size, ctx).unwrap();
        new(
            storage,
            blob_id(),
            root_hash(),
            SIZE,
            RS2,
            deletable,
            epoch,
            N_SHARDS,
            ctx,
        )
    }

    fn message(blob: &Blob, epoch: u32) -> CertifiedBlobMessage {
        CertifiedBlobMessage {
            epoch,
            blob_id: blob.blob_id,
            deletable_object: blob.deletable.then_some(blob.id.id),
        }
    }

    fn certify(blob: &mut Blob, epoch: u32, ctx: &mut NativeCtx<'_>) -> NResult<()> {
        let m = message(blob, epoch);
        certify_with_certified_msg(blob, epoch, m, ctx)
    }

    #[test]
    fn register_and_certify() {
        with_ctx(|ctx| {
            let mut blob = new_blob(1, 5, false, ctx).unwrap();
            assert_eq!(blob.blob_id, blob_id());
            assert_eq!(blob.size, SIZE);
            assert_eq!(blob.registered_epoch, 1);
            assert_eq!(end_epoch(&blob), 5);
            assert_eq!(blob.encoding_type, RS2);
            assert!(blob.certified_epoch.is_none());
            assert!(!is_available_at(&blob, 1));
            certify(&mut blob, 1, ctx).unwrap();
            assert_eq!(blob.certified_epoch, Some(1));
            assert!(is_available_at(&blob, 4));
            assert!(!is_available_at(&blob, 5));
            assert!(5 >= end_epoch(&blob));
            assert_eq!(ctx.events.len(), 2, "BlobRegistered and BlobCertified");
            burn(blob, ctx).unwrap();
        });
    }

    #[test]
    fn deletable_blob_certifies_with_its_object_id() {
        with_ctx(|ctx| {
            let mut blob = new_blob(0, 5, true, ctx).unwrap();
            certify(&mut blob, 0, ctx).unwrap();
            let storage = delete(blob, 0, ctx).unwrap();
            assert_eq!(storage.end_epoch, 5);
        });
    }

    #[test]
    fn derive_blob_id_depends_on_every_input() {
        let one = |x: u8| {
            let mut b = [0; 32];
            b[0] = x;
            BlobId(b)
        };
        let id = derive_blob_id(one(1), 1, 1);
        assert_ne!(id, derive_blob_id(one(2), 1, 1));
        assert_ne!(id, derive_blob_id(one(1), 1, 2));
        assert_ne!(id, derive_blob_id(one(1), 2, 1));
    }

    #[test]
    fn register_outside_storage_period_fails() {
        with_ctx(|ctx| {
            assert_abort(
                new_blob(5, 5, false, ctx),
                "blob",
                E::EResourceBounds as u64,
            )
        });
    }

    #[test]
    fn register_with_small_storage_fails() {
        with_ctx(|ctx| {
            let storage = create_storage(0, 5, 100, ctx).unwrap();
            let result = new(
                storage,
                blob_id(),
                root_hash(),
                SIZE,
                RS2,
                false,
                0,
                N_SHARDS,
                ctx,
            );
            assert_abort(result, "blob", E::EResourceSize as u64);
        });
    }

    #[test]
    fn register_with_wrong_blob_id_fails() {
        with_ctx(|ctx| {
            let storage = create_storage(0, 5, 1_000_000, ctx).unwrap();
            let mut wrong = blob_id();
            wrong.0[0] = wrong.0[0].wrapping_add(1);
            let result = new(
                storage,
                wrong,
                root_hash(),
                SIZE,
                RS2,
                false,
                0,
                N_SHARDS,
                ctx,
            );
            assert_abort(result, "blob", E::EInvalidBlobId as u64);
        });
    }

    #[test]
    fn certify_twice_fails() {
        with_ctx(|ctx| {
            let mut blob = new_blob(0, 5, false, ctx).unwrap();
            certify(&mut blob, 0, ctx).unwrap();
            assert_abort(
                certify(&mut blob, 0, ctx),
                "blob",
                E::EAlreadyCertified as u64,
            );
        });
    }

    #[test]
    fn certify_expired_fails() {
        with_ctx(|ctx| {
            let mut blob = new_blob(0, 5, false, ctx).unwrap();
            assert_abort(
                certify(&mut blob, 5, ctx),
                "blob",
                E::EResourceBounds as u64,
            );
        });
    }

    #[test]
    fn deletable_certificate_for_other_object_fails() {
        with_ctx(|ctx| {
            let mut blob = new_blob(0, 5, true, ctx).unwrap();
            let m = CertifiedBlobMessage {
                epoch: 0,
                blob_id: blob_id(),
                deletable_object: Some(ObjectId([1; 32])),
            };
            assert_abort(
                certify_with_certified_msg(&mut blob, 0, m, ctx),
                "blob",
                E::EInvalidBlobObject as u64,
            );
        });
    }

    #[test]
    fn permanent_certificate_for_deletable_blob_fails() {
        with_ctx(|ctx| {
            let mut blob = new_blob(0, 5, true, ctx).unwrap();
            let m = CertifiedBlobMessage {
                epoch: 0,
                blob_id: blob_id(),
                deletable_object: None,
            };
            assert_abort(
                certify_with_certified_msg(&mut blob, 0, m, ctx),
                "blob",
                E::EInvalidBlobPersistenceType as u64,
            );
        });
    }

    #[test]
    fn delete_permanent_fails() {
        with_ctx(|ctx| {
            let blob = new_blob(0, 5, false, ctx).unwrap();
            assert_abort(delete(blob, 0, ctx), "blob", E::EBlobNotDeletable as u64);
        });
    }

    fn empty_metadata() -> Metadata {
        Metadata {
            metadata: VecMap::default(),
        }
    }

    #[test]
    fn attributes() {
        with_ctx(|ctx| {
            let blob = new_blob(0, 5, false, ctx).unwrap();
            let key = "content-type";
            assert_eq!(attribute(&blob, key, ctx).unwrap(), None);
            insert_or_update_metadata_pair(&blob, key.into(), "text/plain".into(), ctx).unwrap();
            assert_eq!(
                attribute(&blob, key, ctx).unwrap().as_deref(),
                Some("text/plain")
            );
            insert_or_update_metadata_pair(&blob, key.into(), "image/png".into(), ctx).unwrap();
            assert_eq!(metadata(&blob, ctx).unwrap().metadata.contents.len(), 1);
            assert_eq!(
                remove_metadata_pair_if_exists(&blob, key, ctx)
                    .unwrap()
                    .as_deref(),
                Some("image/png")
            );
            assert_eq!(
                remove_metadata_pair_if_exists(&blob, key, ctx).unwrap(),
                None
            );
            let old = add_or_replace_metadata(&blob, empty_metadata(), ctx).unwrap();
            assert!(old.is_some());
            let _ = take_metadata(&blob, ctx).unwrap();
            assert!(!has_metadata(&blob, ctx));
            burn(blob, ctx).unwrap();
        });
    }

    #[test]
    fn duplicate_metadata_fails() {
        with_ctx(|ctx| {
            let blob = new_blob(0, 5, false, ctx).unwrap();
            add_metadata(&blob, empty_metadata(), ctx).unwrap();
            assert_abort(
                add_metadata(&blob, empty_metadata(), ctx),
                "blob",
                E::EDuplicateMetadata as u64,
            );
        });
    }

    #[test]
    fn take_missing_metadata_fails() {
        with_ctx(|ctx| {
            let blob = new_blob(0, 5, false, ctx).unwrap();
            assert_abort(
                take_metadata(&blob, ctx),
                "blob",
                E::EMissingMetadata as u64,
            );
        });
    }

    #[test]
    fn remove_missing_key_fails() {
        with_ctx(|ctx| {
            let blob = new_blob(0, 5, false, ctx).unwrap();
            add_metadata(&blob, empty_metadata(), ctx).unwrap();
            assert_abort(
                remove_metadata_pair(&blob, "absent", ctx),
                "metadata",
                walrus_sui::errors::MetadataError::EKeyNotFound as u64,
            );
        });
    }
}

/// `metadata` runs inside the blob attribute natives (`insert_or_update`, `get`, `remove`).
mod metadata_tests {
    use walrus_devnet::natives::blob::*;
    use walrus_devnet::natives::storage_resource::create_storage;
    use walrus_sui::move_types::VecMap;
    use walrus_sui::objects::Metadata;

    use super::*;

    #[test]
    fn insert_update_remove() {
        with_ctx(|ctx| {
            let storage = create_storage(0, 5, 1_000_000, ctx).unwrap();
            let root = walrus_core::BlobId([1; 32]);
            let blob = new(
                storage,
                derive_blob_id(root, 1, 10),
                root,
                10,
                1,
                false,
                0,
                10,
                ctx,
            )
            .unwrap();
            add_metadata(
                &blob,
                Metadata {
                    metadata: VecMap::default(),
                },
                ctx,
            )
            .unwrap();
            insert_or_update_metadata_pair(&blob, "a".into(), "1".into(), ctx).unwrap();
            insert_or_update_metadata_pair(&blob, "a".into(), "2".into(), ctx).unwrap();
            insert_or_update_metadata_pair(&blob, "b".into(), "3".into(), ctx).unwrap();
            assert_eq!(metadata(&blob, ctx).unwrap().metadata.contents.len(), 2);
            assert_eq!(attribute(&blob, "a", ctx).unwrap().as_deref(), Some("2"));
            let (key, value) = remove_metadata_pair(&blob, "b", ctx).unwrap();
            assert_eq!((key.as_str(), value.as_str()), ("b", "3"));
            assert_eq!(
                remove_metadata_pair_if_exists(&blob, "b", ctx).unwrap(),
                None
            );
            assert_eq!(metadata(&blob, ctx).unwrap().metadata.contents.len(), 1);
        });
    }
}

mod encoding_tests {
    use walrus_devnet::natives::encoding::{RS2, encoded_blob_length};
    use walrus_sui::errors::EncodingError as E;

    use super::assert_abort;

    #[test]
    fn encoded_length_vectors() {
        // n = 10: f = 3, 4 primary and 7 secondary symbols, symbol size 2.
        assert_eq!(encoded_blob_length(1, RS2, 10).unwrap(), 6_940);
        assert_eq!(encoded_blob_length(0, RS2, 10).unwrap(), 6_940);
        // n = 1000: 1 byte encodes to 66,034,000 bytes.
        assert_eq!(encoded_blob_length(1, RS2, 1000).unwrap(), 66_034_000);
    }

    #[test]
    fn symbol_size_rounds_up_to_even() {
        assert_eq!(encoded_blob_length(29, RS2, 10).unwrap(), 6_940);
        assert_eq!(
            encoded_blob_length(57, RS2, 10).unwrap(),
            10 * (11 * 4 + 640 + 32)
        );
    }

    #[test]
    fn unknown_encoding_fails() {
        assert_abort(
            encoded_blob_length(1, 0, 10),
            "encoding",
            E::EInvalidEncodingType as u64,
        );
    }

    #[test]
    fn too_large_blob_fails() {
        // 28 symbols of at most 65,534 bytes each.
        assert!(encoded_blob_length(28 * 65_534, RS2, 10).is_ok());
        assert_abort(
            encoded_blob_length(28 * 65_535 + 1, RS2, 10),
            "encoding",
            E::EBlobTooLarge as u64,
        );
    }

    #[test]
    fn zero_shards_fails() {
        assert_abort(
            encoded_blob_length(1, RS2, 0),
            "encoding",
            E::EZeroShards as u64,
        );
    }
}

mod messages_tests {
    use walrus_devnet::natives::system::{
        BLOB_CERT_MSG_TYPE, certify_blob_message, new_certified_message, persistence_object_id,
        proof_of_possession_bytes,
    };
    use walrus_sui::errors::MessagesError as E;

    use super::test_utils::*;
    use super::*;

    #[test]
    fn permanent_blob_certificate_parses() {
        let message = blob_cert_message(7, u256(0xABCD));
        let certified = new_certified_message(message, 7, 10).unwrap();
        assert_eq!(certified.intent_type, BLOB_CERT_MSG_TYPE);
        assert_eq!(certified.cert_epoch, 7);
        assert_eq!(certified.stake_support, 10);
        let blob = certify_blob_message(certified).unwrap();
        assert_eq!(blob.blob_id, u256(0xABCD));
        assert_eq!(blob.epoch, 7);
        assert!(blob.deletable_object.is_none());
    }

    #[test]
    fn deletable_blob_certificate_parses() {
        let object_id = node_id(42);
        let message = deletable_blob_cert_message(3, u256(99), object_id);
        let blob = certify_blob_message(new_certified_message(message, 3, 1).unwrap()).unwrap();
        assert_eq!(persistence_object_id(&blob).unwrap(), object_id);
    }

    #[test]
    fn invalid_blob_id_parses() {
        let message = invalid_blob_id_message(2, u256(1234));
        let certified = new_certified_message(message, 2, 1).unwrap();
        assert_eq!(certified.cert_epoch, 2);
        assert_eq!(
            walrus_devnet::natives::system::invalid_blob_id_message(&certified).unwrap(),
            u256(1234)
        );
    }

    #[test]
    fn proof_of_possession_layout() {
        let key: Vec<u8> = (0..48).collect();
        let mut sender = [0; 32];
        sender[31] = 1;
        let bytes = proof_of_possession_bytes(5, Address::new(sender), &key).unwrap();
        // [0, 0, 3] + epoch (4) + address (32) + key (48), no length prefix.
        assert_eq!(bytes.len(), 87);
        assert_eq!(bytes[0], 0);
        assert_eq!(bytes[2], 3);
        assert_eq!(bytes[3], 5);
        assert_eq!(bytes[39], 0);
        assert_eq!(bytes[86], 47);
    }

    #[test]
    fn wrong_epoch_fails() {
        assert_abort(
            new_certified_message(blob_cert_message(7, u256(1)), 8, 1),
            "messages",
            E::EIncorrectEpoch as u64,
        );
    }

    #[test]
    fn wrong_app_id_fails() {
        let mut message = blob_cert_message(7, u256(1));
        message[2] = 4;
        assert_abort(
            new_certified_message(message, 7, 1),
            "messages",
            E::EIncorrectAppId as u64,
        );
    }

    #[test]
    fn wrong_intent_version_fails() {
        let mut message = blob_cert_message(7, u256(1));
        message[1] = 1;
        assert_abort(
            new_certified_message(message, 7, 1),
            "messages",
            E::EIncorrectIntentVersion as u64,
        );
    }

    #[test]
    fn wrong_intent_type_fails() {
        let certified = new_certified_message(invalid_blob_id_message(7, u256(1)), 7, 1).unwrap();
        assert_abort(
            certify_blob_message(certified),
            "messages",
            E::EInvalidMsgType as u64,
        );
    }

    #[test]
    fn unknown_persistence_tag_fails() {
        let mut message = blob_cert_message(7, u256(1));
        message.pop();
        message.push(2);
        let certified = new_certified_message(message, 7, 1).unwrap();
        assert_abort(
            certify_blob_message(certified),
            "messages",
            E::EInvalidBlobPersistenceType as u64,
        );
    }

    #[test]
    fn deletable_certificate_without_object_id_fails() {
        let mut message = blob_cert_message(7, u256(1));
        message.pop();
        message.push(1);
        let certified = new_certified_message(message, 7, 1).unwrap();
        assert_abort(
            certify_blob_message(certified),
            "messages",
            E::EMessageTooShort as u64,
        );
    }

    #[test]
    fn short_message_fails() {
        assert_abort(
            new_certified_message(vec![1, 0, 3], 0, 1),
            "messages",
            E::EMessageTooShort as u64,
        );
    }

    #[test]
    fn short_pop_key_fails() {
        assert_abort(
            proof_of_possession_bytes(0, Address::ZERO, &[1, 2, 3]),
            "messages",
            E::EInvalidKeyLength as u64,
        );
    }

    #[test]
    fn permanent_has_no_object_id() {
        let certified = new_certified_message(blob_cert_message(7, u256(1)), 7, 1).unwrap();
        let blob = certify_blob_message(certified).unwrap();
        assert_abort(
            persistence_object_id(&blob),
            "messages",
            E::ENotDeletable as u64,
        );
    }
}

mod bls_aggregate_tests {
    use walrus_devnet::natives::system::{
        get_member_weight, is_one_correct_node, is_quorum, verify_quorum_in_epoch,
    };
    use walrus_sui::errors::BlsAggregateError as E;

    use super::test_utils::*;
    use super::*;

    #[test]
    fn quorum_certificate_verifies() {
        let committee = bls_committee(1, &[3, 3, 2, 2]).unwrap();
        assert_eq!(committee.n_shards, 10);
        assert_eq!(committee.members.len(), 4);
        let message = blob_cert_message(1, u256(5));
        // Members 0, 1 and 2 hold 8 of 10 shards: 3 * 8 >= 21.
        let signers = [true, true, true, false];
        let signature = bls_aggregate_sign(&signers, &message);
        let certified = verify_quorum_in_epoch(
            &committee,
            &signature,
            &signers_to_bitmap(&signers),
            message,
            true,
        )
        .unwrap();
        assert_eq!(certified.stake_support, 8);
    }

    #[test]
    fn one_correct_node_certificate_verifies() {
        let committee = bls_committee(1, &[3, 3, 2, 2]).unwrap();
        let message = invalid_blob_id_message(1, u256(5));
        // Member 3 alone holds 2 shards: not f+1 (3 * 2 < 11); members 2 and 3 hold 4: f+1.
        let signers = [false, false, true, true];
        let signature = bls_aggregate_sign(&signers, &message);
        let certified = verify_quorum_in_epoch(
            &committee,
            &signature,
            &signers_to_bitmap(&signers),
            message,
            false,
        )
        .unwrap();
        assert_eq!(certified.stake_support, 4);
    }

    #[test]
    fn thresholds_and_membership() {
        assert!(is_quorum(7, 10));
        assert!(!is_quorum(6, 10));
        assert!(is_one_correct_node(4, 10));
        assert!(!is_one_correct_node(3, 10));
        let committee = bls_committee(1, &[3, 3, 2, 2]).unwrap();
        assert!(committee.members.iter().any(|m| m.node_id == node_id(2)));
        assert_eq!(get_member_weight(&committee, &node_id(2)), 2);
        assert_eq!(get_member_weight(&committee, &node_id(9)), 0);
    }

    #[test]
    fn below_quorum_fails() {
        let committee = bls_committee(1, &[3, 3, 2, 2]).unwrap();
        let message = blob_cert_message(1, u256(5));
        let signers = [true, true, false, false];
        let signature = bls_aggregate_sign(&signers, &message);
        assert_abort(
            verify_quorum_in_epoch(
                &committee,
                &signature,
                &signers_to_bitmap(&signers),
                message,
                true,
            ),
            "bls_aggregate",
            E::ENotEnoughStake as u64,
        );
    }

    #[test]
    fn wrong_signer_set_fails() {
        let committee = bls_committee(1, &[3, 3, 2, 2]).unwrap();
        let message = blob_cert_message(1, u256(5));
        let signature = bls_aggregate_sign(&[true, true, true, false], &message);
        // The bitmap claims member 3 signed too.
        assert_abort(
            verify_quorum_in_epoch(&committee, &signature, &[0x0F], message, true),
            "bls_aggregate",
            E::ESigVerification as u64,
        );
    }

    #[test]
    fn long_bitmap_fails() {
        let committee = bls_committee(1, &[3, 3, 2, 2]).unwrap();
        assert_abort(
            verify_quorum_in_epoch(&committee, &[], &[0x0F, 0x00], vec![], true),
            "bls_aggregate",
            E::EInvalidBitmap as u64,
        );
    }

    #[test]
    fn bits_past_members_fail() {
        let committee = bls_committee(1, &[3, 3, 2, 2]).unwrap();
        assert_abort(
            verify_quorum_in_epoch(&committee, &[], &[0x1F], vec![], true),
            "bls_aggregate",
            E::EInvalidBitmap as u64,
        );
    }

    #[test]
    fn zero_weight_member_fails() {
        assert_abort(
            bls_committee(1, &[3, 0]),
            "bls_aggregate",
            E::EIncorrectCommittee as u64,
        );
    }
}

mod storage_accounting_tests {
    use walrus_devnet::natives::system::{
        increase_used_capacity_with, ring_lookup, ring_lookup_mut_in, ring_new, ring_pop_expand,
    };
    use walrus_sui::errors::StorageAccountingError as E;

    use super::*;

    #[test]
    fn pop_expand_rotates_epochs() {
        let mut ring = ring_new(0, 3).unwrap();
        assert_eq!(ring.length, 3);
        assert_eq!(ring_lookup(&ring, 2).unwrap().epoch, 2);
        increase_used_capacity_with(ring_lookup_mut_in(&mut ring, 1).unwrap(), 100, 1_000, 99)
            .unwrap();
        ring_lookup_mut_in(&mut ring, 0)
            .unwrap()
            .rewards_to_distribute
            .value += 7;
        let popped = ring_pop_expand(&mut ring).unwrap();
        assert_eq!(popped.epoch, 0);
        assert_eq!(popped.rewards_to_distribute.value, 7);
        assert_eq!(ring_lookup(&ring, 0).unwrap().epoch, 1);
        assert_eq!(ring_lookup(&ring, 0).unwrap().used_capacity, 100);
        assert_eq!(ring_lookup(&ring, 2).unwrap().epoch, 3);
        assert_eq!(ring_lookup(&ring, 2).unwrap().used_capacity, 0);
        assert_eq!(ring.ring_buffer.len(), 3);
    }

    #[test]
    fn lookup_past_length_fails() {
        let ring = ring_new(0, 3).unwrap();
        assert_abort(
            ring_lookup(&ring, 3),
            "storage_accounting",
            E::ETooFarInFuture as u64,
        );
    }

    #[test]
    fn zero_length_fails() {
        assert_abort(ring_new(0, 0), "storage_accounting", E::EZeroLength as u64);
    }

    #[test]
    fn capacity_overflow_uses_given_code() {
        let mut ring = ring_new(0, 3).unwrap();
        assert_abort(
            increase_used_capacity_with(
                ring_lookup_mut_in(&mut ring, 0).unwrap(),
                1_001,
                1_000,
                99,
            ),
            "storage_accounting",
            99,
        );
    }
}

mod events_tests {
    use walrus_core::BlobId;
    use walrus_sui::MoveStruct;
    use walrus_sui::events::{
        BlobRegistered, CommissionCollected, EpochChangeStart, NodeRetired,
        StakeWithdrawalRequested,
    };

    use super::test_utils::node_id;
    use super::*;

    fn count<T: MoveStruct>(ctx: &NativeCtx<'_>) -> usize {
        ctx.events
            .iter()
            .filter(|(tag, _)| *tag == walrus_devnet::framework::walrus_tag(T::MODULE, T::NAME))
            .count()
    }

    #[test]
    fn emitters_emit_one_event_each() {
        with_ctx(|ctx| {
            ctx.emit(&BlobRegistered {
                epoch: 1,
                blob_id: BlobId([2; 32]),
                size: 3,
                encoding_type: 1,
                end_epoch: 5,
                deletable: false,
                object_id: node_id(0),
            })
            .unwrap();
            ctx.emit(&EpochChangeStart { epoch: 2 }).unwrap();
            ctx.emit(&CommissionCollected {
                epoch: 2,
                node_id: node_id(0),
                amount: 10,
            })
            .unwrap();
            ctx.emit(&NodeRetired {
                epoch: 2,
                node_id: node_id(0),
                withdraw_epoch: 3,
            })
            .unwrap();
            ctx.emit(&StakeWithdrawalRequested {
                epoch: 2,
                node_id: node_id(0),
                staked_wal_id: node_id(1),
                amount: 10,
                withdraw_epoch: 3,
            })
            .unwrap();
            assert_eq!(count::<BlobRegistered>(ctx), 1);
            assert_eq!(count::<EpochChangeStart>(ctx), 1);
            assert_eq!(count::<CommissionCollected>(ctx), 1);
            assert_eq!(count::<NodeRetired>(ctx), 1);
            assert_eq!(count::<StakeWithdrawalRequested>(ctx), 1);
            // Each event is its Move struct's BCS.
            let (_, bytes) = &ctx.events[1];
            assert_eq!(bytes, &2u32.to_le_bytes().to_vec());
        });
    }
}

/// A `System` object with its inner state, driven through the registered natives (the same entry
/// points a PTB reaches).
mod system_harness {
    use std::collections::BTreeMap;

    use sui_sdk_types::{MoveStruct, ObjectData, Owner, TypeTag};
    use walrus_devnet::framework::{self, CoinData};
    use walrus_devnet::natives::coin::coin_value_of;
    use walrus_devnet::natives::system::{self, inner_field_id, inner_type, system_tag};
    use walrus_devnet::natives::{ObjVal, Value, obj_arg};
    use walrus_sui::move_types::Uid;
    use walrus_sui::objects::{BlsCommittee, System, SystemStateInnerV1};

    use super::*;

    pub const SYSTEM_ID: Address = Address::new([0x55; 32]);

    /// The live objects the natives read dynamic fields from.
    pub struct Objects(BTreeMap<Address, Object>);

    impl ObjectSource for Objects {
        fn object(&self, id: &Address) -> Option<Object> {
            self.0.get(id).cloned()
        }
    }

    /// `system::new_for_test`: the System object value and the store holding its inner state.
    pub fn new_system(
        committee: BlsCommittee,
        total_capacity_size: u64,
        storage_price: u64,
        write_price: u64,
        max_epochs_ahead: u32,
    ) -> (Value, Objects) {
        let inner = SystemStateInnerV1 {
            future_accounting: system::ring_new(committee.epoch, max_epochs_ahead).unwrap(),
            challenges: walrus_devnet::natives::challenges::new(committee.epoch, &[7; 32]),
            committee,
            total_capacity_size,
            used_capacity_size: 0,
            storage_price_per_unit_size: storage_price,
            write_price_per_unit_size: write_price,
        };
        let field_id = inner_field_id(SYSTEM_ID).unwrap();
        let contents = framework::field_contents(field_id, &system::VERSION, &inner).unwrap();
        let strukt = MoveStruct::new(
            framework::field_tag(TypeTag::U64, inner_type()),
            false,
            1,
            contents,
        )
        .unwrap();
        let field = Object::new(
            ObjectData::Struct(strukt),
            Owner::Object(SYSTEM_ID),
            Digest::ZERO,
            0,
        );
        let system = System {
            id: Uid {
                id: framework::to_object_id(SYSTEM_ID),
            },
            version: system::VERSION,
        };
        let value = Value::Obj(ObjVal::new(system_tag(), false, &system).unwrap());
        (value, Objects(BTreeMap::from([(field_id, field)])))
    }

    /// Calls the native `module::function` on `args` (mutated in place).
    pub fn call(
        ctx: &mut NativeCtx<'_>,
        module: &str,
        function: &str,
        args: &mut [Value],
    ) -> NResult<Vec<Value>> {
        let native = walrus_devnet::natives::lookup(&framework::walrus_package(), module, function)
            .unwrap_or_else(|| panic!("no native {module}::{function}"));
        (native.func)(ctx, &[], args)
    }

    /// The current inner state.
    pub fn inner(ctx: &mut NativeCtx<'_>) -> SystemStateInnerV1 {
        ctx.df_borrow(SYSTEM_ID, &TypeTag::U64, &system::VERSION)
            .unwrap()
    }

    /// A pure argument.
    pub fn pure<T: serde::Serialize>(value: &T) -> Value {
        Value::Pure(bcs::to_bytes(value).unwrap())
    }

    /// A `Coin<WAL>` of `amount` FROST (`test_utils::mint_frost`).
    pub fn mint_frost(ctx: &mut NativeCtx<'_>, amount: u64) -> Value {
        coin_value_of(ctx.fresh_id(), framework::wal_type(), amount).unwrap()
    }

    /// The value of a `Coin<WAL>`.
    pub fn coin_value(coin: &Value) -> u64 {
        obj_arg::<CoinData>(coin, 0, &framework::wal_coin_tag())
            .unwrap()
            .value
    }

    /// Decodes an object value into its mirror.
    pub fn decode<T: serde::de::DeserializeOwned>(value: &Value) -> T {
        match value {
            Value::Obj(obj) => bcs::from_bytes(&obj.contents).unwrap(),
            other => panic!("not an object: {other:?}"),
        }
    }

    /// The number of events of type `T` emitted so far.
    pub fn events<T: walrus_sui::MoveStruct>(ctx: &NativeCtx<'_>) -> usize {
        ctx.events
            .iter()
            .filter(|(tag, _)| *tag == framework::walrus_tag(T::MODULE, T::NAME))
            .count()
    }
}

mod system_tests {
    use sui_sdk_types::TypeTag;
    use walrus_core::BlobId;
    use walrus_devnet::natives::Value;
    use walrus_devnet::natives::blob::derive_blob_id;
    use walrus_devnet::natives::encoding::{RS2, encoded_blob_length};
    use walrus_devnet::natives::system::{advance_epoch, ring_lookup};
    use walrus_sui::errors::{BlobError, MessagesError, SystemError as E};
    use walrus_sui::events::{BlobCertified, BlobDeleted, BlobRegistered, InvalidBlobID};
    use walrus_sui::objects::{Blob, Storage};

    use super::system_harness::*;
    use super::test_utils::*;
    use super::*;

    const MIB: u64 = 1_048_576;
    const STORAGE_PRICE: u64 = 5;
    const WRITE_PRICE: u64 = 1;

    fn root_hash() -> BlobId {
        u256(0xFEED)
    }

    fn blob_id(size: u64) -> BlobId {
        derive_blob_id(root_hash(), RS2, size)
    }

    fn with_system<T>(f: impl FnOnce(&mut NativeCtx<'_>, &mut Value) -> T) -> T {
        let committee = bls_committee(1, &[3, 3, 2, 2]).unwrap();
        let (mut system, objects) =
            new_system(committee, 1_000 * MIB, STORAGE_PRICE, WRITE_PRICE, 10);
        let mut ctx = NativeCtx::new(Address::ZERO, Digest::new([7; 32]), 0, &objects);
        f(&mut ctx, &mut system)
    }

    fn reserve_space(
        ctx: &mut NativeCtx<'_>,
        system: &mut Value,
        amount: u64,
        epochs_ahead: u32,
        payment: &mut Value,
    ) -> NResult<Value> {
        let mut args = [
            system.clone(),
            pure(&amount),
            pure(&epochs_ahead),
            payment.clone(),
        ];
        let mut out = call(ctx, "system", "reserve_space", &mut args)?;
        *system = args[0].clone();
        *payment = args[3].clone();
        Ok(out.remove(0))
    }

    fn register_with(
        ctx: &mut NativeCtx<'_>,
        system: &mut Value,
        storage: Value,
        size: u64,
        deletable: bool,
        payment: &mut Value,
    ) -> NResult<Value> {
        let mut args = [
            system.clone(),
            storage,
            pure(&blob_id(size)),
            pure(&root_hash()),
            pure(&size),
            pure(&RS2),
            pure(&deletable),
            payment.clone(),
        ];
        let mut out = call(ctx, "system", "register_blob", &mut args)?;
        *payment = args[7].clone();
        Ok(out.remove(0))
    }

    fn register(ctx: &mut NativeCtx<'_>, system: &mut Value, size: u64, deletable: bool) -> Value {
        let mut payment = mint_frost(ctx, 1_000_000);
        let n_shards = inner(ctx).committee.n_shards;
        let encoded = encoded_blob_length(size, RS2, n_shards).unwrap();
        let storage = reserve_space(ctx, system, encoded, 3, &mut payment).unwrap();
        register_with(ctx, system, storage, size, deletable, &mut payment).unwrap()
    }

    fn certify(ctx: &mut NativeCtx<'_>, system: &Value, blob: &mut Value) -> NResult<()> {
        let decoded: Blob = decode(blob);
        let epoch = inner(ctx).committee.epoch;
        let message = if decoded.deletable {
            deletable_blob_cert_message(epoch, decoded.blob_id, decoded.id.id)
        } else {
            blob_cert_message(epoch, decoded.blob_id)
        };
        let signers = [true, true, true, false];
        let signature = bls_aggregate_sign(&signers, &message);
        let mut args = [
            system.clone(),
            blob.clone(),
            pure(&signature),
            pure(&signers_to_bitmap(&signers)),
            pure(&message),
        ];
        call(ctx, "system", "certify_blob", &mut args)?;
        *blob = args[1].clone();
        Ok(())
    }

    #[test]
    fn reserve_space_pays_per_epoch_and_accounts_capacity() {
        with_system(|ctx, system| {
            let mut payment = mint_frost(ctx, 1_000);
            let storage = reserve_space(ctx, system, 3 * MIB + 1, 4, &mut payment).unwrap();
            let storage: Storage = decode(&storage);
            // 4 units per epoch at 5 FROST for 4 epochs.
            assert_eq!(coin_value(&payment), 1_000 - 4 * 4 * STORAGE_PRICE);
            assert_eq!((storage.start_epoch, storage.end_epoch), (1, 5));
            let state = inner(ctx);
            assert_eq!(state.used_capacity_size, 3 * MIB + 1);
            let ring = &state.future_accounting;
            assert_eq!(ring_lookup(ring, 3).unwrap().used_capacity, 3 * MIB + 1);
            assert_eq!(
                ring_lookup(ring, 3).unwrap().rewards_to_distribute.value,
                4 * STORAGE_PRICE
            );
            assert_eq!(ring_lookup(ring, 4).unwrap().used_capacity, 0);
            let mut args = [system.clone(), pure(&(3 * MIB + 1)), pure(&4u32)];
            let cost = call(ctx, "system", "storage_cost", &mut args).unwrap();
            assert_eq!(
                cost,
                vec![Value::Typed(
                    TypeTag::U64,
                    bcs::to_bytes(&(4 * 4 * STORAGE_PRICE)).unwrap()
                )]
            );
        });
    }

    #[test]
    fn store_certify_delete_and_reuse_storage() {
        with_system(|ctx, system| {
            let mut blob = register(ctx, system, 10_000, true);
            assert_eq!(events::<BlobRegistered>(ctx), 1);
            certify(ctx, system, &mut blob).unwrap();
            assert_eq!(events::<BlobCertified>(ctx), 1);
            let mut args = [system.clone(), blob.clone()];
            let available = call(ctx, "system", "is_blob_available", &mut args).unwrap();
            assert_eq!(available, vec![Value::Typed(TypeTag::Bool, vec![1])]);
            let mut args = [system.clone(), blob];
            let storage = call(ctx, "system", "delete_blob", &mut args)
                .unwrap()
                .remove(0);
            assert_eq!(events::<BlobDeleted>(ctx), 1);

            // The returned storage registers a new blob without buying space.
            let mut payment = mint_frost(ctx, 1_000);
            let reused = register_with(ctx, system, storage, 10_000, false, &mut payment).unwrap();
            let reused: Blob = decode(&reused);
            assert_eq!(reused.storage.end_epoch, 4);
        });
    }

    #[test]
    fn extend_with_payment_and_with_resource() {
        with_system(|ctx, system| {
            let mut blob = register(ctx, system, 10_000, false);
            certify(ctx, system, &mut blob).unwrap();
            let mut payment = mint_frost(ctx, 1_000_000);
            let mut args = [system.clone(), blob, pure(&2u32), payment];
            call(ctx, "system", "extend_blob", &mut args).unwrap();
            let [_, extended, _, rest] = args;
            blob = extended;
            payment = rest;
            let decoded: Blob = decode(&blob);
            assert_eq!(decoded.storage.end_epoch, 6);
            let size = decoded.storage.storage_size;
            let mut args = [
                system.clone(),
                pure(&size),
                pure(&6u32),
                pure(&8u32),
                payment,
            ];
            let extension = call(ctx, "system", "reserve_space_for_epochs", &mut args)
                .unwrap()
                .remove(0);
            let mut args = [system.clone(), blob, extension];
            call(ctx, "system", "extend_blob_with_resource", &mut args).unwrap();
            let decoded: Blob = decode(&args[1]);
            assert_eq!(decoded.storage.end_epoch, 8);
            // Certification plus two extensions, all carrying the original certified epoch.
            assert_eq!(events::<BlobCertified>(ctx), 3);
            assert_eq!(decoded.certified_epoch, Some(1));
        });
    }

    #[test]
    fn invalidate_blob_id_with_f_plus_one() {
        with_system(|ctx, system| {
            let message = invalid_blob_id_message(1, u256(77));
            let signers = [false, false, true, true];
            let signature = bls_aggregate_sign(&signers, &message);
            let mut args = [
                system.clone(),
                pure(&signature),
                pure(&signers_to_bitmap(&signers)),
                pure(&message),
            ];
            let out = call(ctx, "system", "invalidate_blob_id", &mut args).unwrap();
            assert_eq!(out, vec![Value::Typed(TypeTag::U256, u256(77).0.to_vec())]);
            assert_eq!(events::<InvalidBlobID>(ctx), 1);
        });
    }

    #[test]
    fn advance_epoch_pays_committee_by_shards() {
        with_system(|ctx, system| {
            let subsidy = mint_frost(ctx, 1_000);
            let later = mint_frost(ctx, 3);
            let mut args = [system.clone(), subsidy, pure(&1u32)];
            call(ctx, "system", "add_subsidy", &mut args).unwrap();
            let mut args = [system.clone(), later, pure(&2u32)];
            call(ctx, "system", "add_subsidy", &mut args).unwrap();
            let next = bls_committee(2, &[5, 5]).unwrap();
            let decoded: walrus_sui::objects::System = decode(system);
            let payouts = advance_epoch(ctx, &decoded, next, 2_000 * MIB, 7, 2).unwrap();
            let (nodes, rewards) = (payouts.node_ids, payouts.rewards);
            assert!(payouts.to_slash.is_empty());
            assert_eq!(nodes, vec![node_id(0), node_id(1), node_id(2), node_id(3)]);
            // 1_002 FROST over 10 shards weighted 3, 3, 2, 2: 300, 300, 200, 200; the remainder 2
            // rolls over.
            assert_eq!(rewards, vec![300, 300, 200, 200]);
            let state = inner(ctx);
            assert_eq!(state.committee.epoch, 2);
            assert_eq!(state.committee.n_shards, 10);
            assert_eq!(state.total_capacity_size, 2_000 * MIB);
            assert_eq!(state.storage_price_per_unit_size, 7);
            assert_eq!(state.write_price_per_unit_size, 2);
            // The later subsidy's share of epoch 2 plus the remainder.
            assert_eq!(
                ring_lookup(&state.future_accounting, 0)
                    .unwrap()
                    .rewards_to_distribute
                    .value,
                1 + 2
            );
            assert_eq!(events::<walrus_sui::events::PricesUpdated>(ctx), 1);
        });
    }

    #[test]
    fn advance_to_wrong_epoch_fails() {
        with_system(|ctx, system| {
            let decoded: walrus_sui::objects::System = decode(system);
            assert_abort(
                advance_epoch(ctx, &decoded, bls_committee(3, &[1]).unwrap(), 0, 1, 1),
                "system",
                E::EIncorrectCommittee as u64,
            );
        });
    }

    #[test]
    fn reserve_beyond_capacity_fails() {
        with_system(|ctx, system| {
            let mut payment = mint_frost(ctx, 1_000_000);
            assert_abort(
                reserve_space(ctx, system, 1_000 * MIB + 1, 1, &mut payment),
                "storage_accounting",
                E::EStorageExceeded as u64,
            );
        });
    }

    #[test]
    fn reserve_too_far_ahead_fails() {
        with_system(|ctx, system| {
            let mut payment = mint_frost(ctx, 1_000_000);
            assert_abort(
                reserve_space(ctx, system, MIB, 11, &mut payment),
                "system",
                E::EInvalidEpochsAhead as u64,
            );
        });
    }

    #[test]
    fn reserve_zero_fails() {
        with_system(|ctx, system| {
            let mut payment = mint_frost(ctx, 1_000_000);
            assert_abort(
                reserve_space(ctx, system, 0, 1, &mut payment),
                "system",
                E::EInvalidResourceSize as u64,
            );
        });
    }

    #[test]
    fn reserve_without_committee_fails() {
        let committee = walrus_devnet::natives::system::new_bls_committee(0, vec![]).unwrap();
        let (mut system, objects) = new_system(committee, 1_000, 1, 1, 10);
        let mut ctx = NativeCtx::new(Address::ZERO, Digest::new([7; 32]), 0, &objects);
        let mut payment = mint_frost(&mut ctx, 1_000_000);
        assert_abort(
            reserve_space(&mut ctx, &mut system, 1, 1, &mut payment),
            "system",
            E::ENoCommittee as u64,
        );
    }

    #[test]
    fn certificate_from_other_epoch_fails() {
        with_system(|ctx, system| {
            let blob = register(ctx, system, 10_000, false);
            let decoded: Blob = decode(&blob);
            let message = blob_cert_message(2, decoded.blob_id);
            let signers = [true; 4];
            let signature = bls_aggregate_sign(&signers, &message);
            let mut args = [
                system.clone(),
                blob,
                pure(&signature),
                pure(&signers_to_bitmap(&signers)),
                pure(&message),
            ];
            assert_abort(
                call(ctx, "system", "certify_blob", &mut args),
                "messages",
                MessagesError::EIncorrectEpoch as u64,
            );
        });
    }

    #[test]
    fn extend_uncertified_fails() {
        with_system(|ctx, system| {
            let blob = register(ctx, system, 10_000, false);
            let payment = mint_frost(ctx, 1_000_000);
            let mut args = [system.clone(), blob, pure(&1u32), payment];
            assert_abort(
                call(ctx, "system", "extend_blob", &mut args),
                "blob",
                BlobError::ENotCertified as u64,
            );
        });
    }

    #[test]
    fn wrong_version_fails() {
        with_system(|ctx, system| {
            let mut decoded: walrus_sui::objects::System = decode(system);
            decoded.version = 2;
            let Value::Obj(obj) = system else {
                panic!("System is an object")
            };
            obj.contents = bcs::to_bytes(&decoded).unwrap();
            let mut args = [system.clone()];
            assert_abort(
                call(ctx, "system", "epoch", &mut args),
                "system",
                E::EWrongVersion as u64,
            );
        });
    }
}

/// The devnet runs `init::initialize_walrus` as part of genesis (`genesis::build`), which
/// creates and shares `System` and `Staking` from the configuration; invalid parameters are a
/// typed configuration error instead of an abort.
mod init_tests {
    use sui_sdk_types::{GenesisObject, Owner, TypeTag};
    use walrus_devnet::genesis::{self, GenesisError};
    use walrus_devnet::natives::system::inner_field_id;
    use walrus_devnet::{DevnetConfig, GenesisInfo};
    use walrus_sui::objects::{StakingInnerV1, SystemStateInnerV1};

    use super::*;

    fn build(
        n_shards: u16,
        max_epochs_ahead: u32,
    ) -> Result<(Vec<GenesisObject>, GenesisInfo), GenesisError> {
        let config = DevnetConfig {
            n_shards,
            max_epochs_ahead,
            ..DevnetConfig::default()
        };
        genesis::build(&config, 1_000)
    }

    fn find(objects: &[GenesisObject], id: Address) -> &GenesisObject {
        objects
            .iter()
            .find(|o| o.object_id() == id)
            .unwrap_or_else(|| panic!("no object {id}"))
    }

    /// The value of a `Field<u64, V>` object.
    fn field_value<V: serde::de::DeserializeOwned>(object: &GenesisObject) -> V {
        let sui_sdk_types::ObjectData::Struct(s) = object.data() else {
            panic!("not a struct")
        };
        bcs::from_bytes(&s.contents()[32 + 8..]).unwrap()
    }

    #[test]
    fn initialize_shares_system_and_staking() {
        let (objects, info) = build(100, 53).unwrap();
        assert!(matches!(
            find(&objects, info.system_object).owner(),
            Owner::Shared(_)
        ));
        assert!(matches!(
            find(&objects, info.staking_object).owner(),
            Owner::Shared(_)
        ));
        let system: SystemStateInnerV1 =
            field_value(find(&objects, inner_field_id(info.system_object).unwrap()));
        assert_eq!(system.future_accounting.length, 53);
        assert_eq!(system.used_capacity_size, 0);
        assert_eq!(system.committee.n_shards, 100);
        let staking_field = info
            .staking_object
            .derive_dynamic_child_id(&TypeTag::U64, &bcs::to_bytes(&1u64).unwrap());
        let staking: StakingInnerV1 = field_value(find(&objects, staking_field));
        assert_eq!(staking.n_shards, 100);
        assert_eq!(staking.first_epoch_start, 1_000);
        // Genesis also runs the first committee selection: both are at the same epoch.
        assert_eq!(system.committee.epoch, staking.epoch);
    }

    #[test]
    fn zero_shards_fails() {
        assert!(matches!(build(0, 53), Err(GenesisError::Config(_))));
    }

    #[test]
    fn too_many_epochs_ahead_fails() {
        assert!(build(10, 1_000).is_ok());
        assert!(matches!(build(10, 1_001), Err(GenesisError::Config(_))));
    }
}

/// The devnet mints WAL at genesis only (to the faucet, configured balances and the genesis
/// stake); it never exceeds the fixed supply.
mod wal_tests {
    use std::collections::BTreeMap;

    use sui_sdk_types::{ObjectData, Owner};
    use walrus_devnet::DevnetConfig;
    use walrus_devnet::framework::{self, CoinData};
    use walrus_devnet::genesis::{self, FROST_PER_WAL, GenesisInfo};
    use walrus_devnet::natives::coin::split_value;
    use walrus_devnet::natives::wal::{self, burn, total_supply};
    use walrus_sui::objects::{ProtectedTreasury, StakedWal};

    use super::*;

    /// `wal::wal` mints 5 billion WAL.
    const TOTAL_SUPPLY_WAL: u64 = 5_000_000_000;

    /// The genesis objects as live objects.
    struct Genesis(BTreeMap<Address, Object>);

    impl ObjectSource for Genesis {
        fn object(&self, id: &Address) -> Option<Object> {
            self.0.get(id).cloned()
        }
    }

    /// The devnet genesis (the devnet's `init`) and its shared `ProtectedTreasury`.
    fn genesis() -> (Genesis, GenesisInfo, ProtectedTreasury) {
        let (objects, info) = genesis::build(&DevnetConfig::default(), 1_000).unwrap();
        let live = Genesis(
            objects
                .iter()
                .map(|g| {
                    let object = Object::new(g.data().clone(), *g.owner(), Digest::ZERO, 0);
                    (object.object_id(), object)
                })
                .collect(),
        );
        let stored = live.0.get(&info.wal_treasury).unwrap();
        assert!(matches!(stored.owner(), Owner::Shared(_)));
        let strukt = stored.as_struct().unwrap();
        assert_eq!(*strukt.object_type(), wal::treasury_tag());
        let treasury = bcs::from_bytes(strukt.contents()).unwrap();
        (live, info, treasury)
    }

    /// The faucet's WAL coin (the publisher's coin of the Move test).
    fn faucet_coin(live: &Genesis, info: &GenesisInfo) -> CoinData {
        live.0
            .values()
            .find_map(|o| {
                let s = o.as_struct()?;
                (*s.object_type() == framework::wal_coin_tag()
                    && *o.owner() == Owner::Address(info.faucet.address))
                .then(|| bcs::from_bytes(s.contents()).unwrap())
            })
            .unwrap()
    }

    #[test]
    fn init_mints_whole_supply_to_publisher() {
        let (objects, _) = genesis::build(&DevnetConfig::default(), 1_000).unwrap();
        let wal_coin = framework::wal_coin_tag();
        let staked = framework::walrus_tag("staked_wal", "StakedWal");
        let mut minted: u64 = 0;
        for object in &objects {
            let ObjectData::Struct(s) = object.data() else {
                continue;
            };
            if *s.object_type() == wal_coin {
                minted += bcs::from_bytes::<CoinData>(s.contents()).unwrap().value;
            } else if *s.object_type() == staked {
                minted += bcs::from_bytes::<StakedWal>(s.contents())
                    .unwrap()
                    .principal
                    .value;
            }
        }
        assert!(minted > 0);
        assert!(minted <= TOTAL_SUPPLY_WAL * FROST_PER_WAL);
        // The treasury's supply is everything minted.
        let (live, info, treasury) = genesis();
        let mut ctx = NativeCtx::new(info.faucet.address, Digest::new([7; 32]), 0, &live);
        assert_eq!(total_supply(&mut ctx, &treasury).unwrap(), minted);
        // Nine decimals.
        assert_eq!(FROST_PER_WAL, 10u64.pow(9));
        assert_eq!(wal::DECIMALS, 9);
        assert_eq!(wal::FROST_PER_WAL, FROST_PER_WAL);
    }

    #[test]
    fn burn_reduces_supply() {
        let (live, info, treasury) = genesis();
        let mut ctx = NativeCtx::new(info.faucet.address, Digest::new([7; 32]), 0, &live);
        let mut coin = faucet_coin(&live, &info);
        let before = total_supply(&mut ctx, &treasury).unwrap();
        // `coin.split(1_000, ctx)`.
        let burnt = CoinData {
            id: framework::to_object_id(ctx.fresh_id()),
            value: split_value(&mut coin.value, 1_000).unwrap(),
        };
        burn(&mut ctx, &treasury, burnt).unwrap();
        assert_eq!(total_supply(&mut ctx, &treasury).unwrap(), before - 1_000);
        assert!(ctx.deleted.contains(&framework::to_address(burnt.id)));
    }
}

mod challenges_tests {
    use walrus_devnet::natives::Value;
    use walrus_devnet::natives::challenges::verdict_message_bytes;
    use walrus_devnet::natives::system::{advance_epoch, deposit_slashed, ring_lookup};
    use walrus_sui::errors::{BlsAggregateError, ChallengesError, SystemError};
    use walrus_sui::events::ChallengeVerdictRecorded;

    use super::system_harness::*;
    use super::test_utils::*;
    use super::*;

    const MIB: u64 = 1_048_576;

    /// Epoch 1, members 0..4 with 3, 3, 2, 2 shards.
    fn with_system<T>(f: impl FnOnce(&mut NativeCtx<'_>, &mut Value) -> T) -> T {
        let committee = bls_committee(1, &[3, 3, 2, 2]).unwrap();
        let (mut system, objects) = new_system(committee, 1_000 * MIB, 5, 1, 10);
        let mut ctx = NativeCtx::new(Address::ZERO, Digest::new([7; 32]), 0, &objects);
        f(&mut ctx, &mut system)
    }

    /// Submits the verdict on member `target` signed by `signers`.
    fn submit(
        ctx: &mut NativeCtx<'_>,
        system: &mut Value,
        epoch: u32,
        target: u64,
        passed: bool,
        signers: &[bool],
    ) -> NResult<()> {
        let target = node_id(target);
        let message = verdict_message_bytes(epoch, target, passed);
        let signature = bls_aggregate_sign(signers, &message);
        let mut args = [
            system.clone(),
            pure(&epoch),
            pure(&target),
            pure(&passed),
            pure(&signature),
            pure(&signers_to_bitmap(signers)),
        ];
        call(ctx, "system", "submit_challenge_verdict", &mut args)?;
        *system = args[0].clone();
        Ok(())
    }

    /// Pays `amount` into the current epoch and ends it with the same committee; returns the
    /// rewards in member order and the nodes to slash.
    fn end_epoch(
        ctx: &mut NativeCtx<'_>,
        system: &Value,
        amount: u64,
    ) -> (Vec<u64>, Vec<walrus_core::ObjectId>) {
        let subsidy = mint_frost(ctx, amount);
        let mut args = [system.clone(), subsidy, pure(&1u32)];
        call(ctx, "system", "add_subsidy", &mut args).unwrap();
        let epoch = inner(ctx).committee.epoch;
        let next = bls_committee(epoch + 1, &[3, 3, 2, 2]).unwrap();
        let decoded: walrus_sui::objects::System = decode(system);
        let payouts = advance_epoch(ctx, &decoded, next, 1_000 * MIB, 5, 1).unwrap();
        (payouts.rewards, payouts.to_slash)
    }

    #[test]
    fn verdict_message_layout() {
        let bytes = verdict_message_bytes(21, node_id(6), true);
        assert_eq!(bytes.len(), 40);
        assert_eq!(bytes[0], 16);
        assert_eq!(bytes[2], 3);
        assert_eq!(bytes[3], 21);
        assert_eq!(bytes[38], 7);
        assert_eq!(bytes[39], 1);
        // The same bytes as the node side's `ChallengeVerdictMsg`.
        let core = walrus_core::messages::ChallengeVerdictMsg::verdict(21, node_id(6), true);
        assert_eq!(core.to_bcs(), bytes);
    }

    #[test]
    fn quorum_verdict_is_recorded() {
        with_system(|ctx, system| {
            submit(ctx, system, 1, 0, false, &[false, true, true, true]).unwrap();
            let state = inner(ctx).challenges;
            assert_eq!(state.verdict(&node_id(0)), Some(false));
            assert_eq!(state.verdict(&node_id(1)), None);
            assert_eq!(events::<ChallengeVerdictRecorded>(ctx), 1);
        });
    }

    #[test]
    fn verdict_without_quorum_fails() {
        with_system(|ctx, system| {
            assert_abort(
                submit(ctx, system, 1, 0, false, &[false, true, true, false]),
                "bls_aggregate",
                BlsAggregateError::ENotEnoughStake as u64,
            );
        });
    }

    #[test]
    fn verdict_signed_by_target_fails() {
        with_system(|ctx, system| {
            assert_abort(
                submit(ctx, system, 1, 0, true, &[true, true, true, false]),
                "system",
                SystemError::ESelfChallenge as u64,
            );
        });
    }

    #[test]
    fn verdict_on_non_member_fails() {
        with_system(|ctx, system| {
            assert_abort(
                submit(ctx, system, 1, 9, false, &[true, true, true, true]),
                "system",
                SystemError::ENotCommitteeMember as u64,
            );
        });
    }

    #[test]
    fn verdict_for_other_epoch_fails() {
        with_system(|ctx, system| {
            assert_abort(
                submit(ctx, system, 2, 0, false, &[false, true, true, true]),
                "system",
                SystemError::EInvalidIdEpoch as u64,
            );
        });
    }

    #[test]
    fn duplicate_verdict_fails() {
        with_system(|ctx, system| {
            submit(ctx, system, 1, 0, false, &[false, true, true, true]).unwrap();
            assert_abort(
                submit(ctx, system, 1, 0, true, &[false, true, true, true]),
                "challenges",
                ChallengesError::EDuplicateVerdict as u64,
            );
        });
    }

    #[test]
    fn failing_node_earns_less_and_is_slashed_after_repeated_failures() {
        with_system(|ctx, system| {
            let seed_1 = inner(ctx).challenges.seed;
            assert_eq!(seed_1.len(), 32);

            // Epoch 1: node 0 fails, node 1 passes; node 0 keeps 3/4 of 300, 75 rolls over.
            submit(ctx, system, 1, 0, false, &[false, true, true, true]).unwrap();
            submit(ctx, system, 1, 1, true, &[true, false, true, true]).unwrap();
            let (rewards, to_slash) = end_epoch(ctx, system, 1_000);
            assert_eq!(rewards, vec![225, 300, 200, 200]);
            assert!(to_slash.is_empty());
            let state = inner(ctx);
            let record = state.challenges.record(&node_id(0)).unwrap().clone();
            assert_eq!(record.consecutive_failures, 1);
            assert_eq!(record.recent, vec![2]);
            assert_eq!(state.challenges.verdict(&node_id(0)), None);
            assert_ne!(state.challenges.seed, seed_1);
            assert_eq!(
                ring_lookup(&state.future_accounting, 0)
                    .unwrap()
                    .rewards_to_distribute
                    .value,
                75
            );

            // Epoch 2: node 0 fails again: 2/4 of 300, due for a slash, count restarts.
            submit(ctx, system, 2, 0, false, &[false, true, true, true]).unwrap();
            let (rewards, to_slash) = end_epoch(ctx, system, 925);
            assert_eq!(rewards, vec![150, 300, 200, 200]);
            assert_eq!(to_slash, vec![node_id(0)]);
            let record = inner(ctx).challenges.record(&node_id(0)).unwrap().clone();
            assert_eq!(record.consecutive_failures, 0);

            // Epoch 3: a pass pays in full.
            submit(ctx, system, 3, 0, true, &[false, true, true, true]).unwrap();
            let (rewards, to_slash) = end_epoch(ctx, system, 850);
            assert_eq!(rewards, vec![300, 300, 200, 200]);
            assert!(to_slash.is_empty());
            let record = inner(ctx).challenges.record(&node_id(0)).unwrap().clone();
            assert_eq!(record.recent, vec![2, 2, 1]);
        });
    }

    #[test]
    fn slashed_wal_goes_to_the_slashing_fund() {
        with_system(|ctx, system| {
            assert_eq!(inner(ctx).challenges.slashed_fund.value, 0);
            let decoded: walrus_sui::objects::System = decode(system);
            deposit_slashed(ctx, &decoded, 300).unwrap();
            deposit_slashed(ctx, &decoded, 0).unwrap();
            deposit_slashed(ctx, &decoded, 200).unwrap();
            assert_eq!(inner(ctx).challenges.slashed_fund.value, 500);
        });
    }
}
