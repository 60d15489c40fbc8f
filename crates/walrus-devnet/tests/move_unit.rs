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
    use walrus_sui::objects::Blob;

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
}

mod encoding_tests {
    use walrus_devnet::natives::encoding::encoded_blob_length;
    use walrus_sui::errors::EncodingError as E;

    use super::assert_abort;

    #[test]
    fn unknown_encoding_fails() {
        assert_abort(
            encoded_blob_length(1, 2, 10),
            "encoding",
            E::EInvalidEncodingType as u64,
        );
    }

    #[test]
    fn too_large_blob_fails() {
        assert_abort(
            encoded_blob_length(u64::MAX / 2, 1, 10),
            "encoding",
            E::EBlobTooLarge as u64,
        );
    }

    #[test]
    fn zero_shards_fails() {
        assert_abort(
            encoded_blob_length(1, 1, 0),
            "encoding",
            E::EZeroShards as u64,
        );
    }
}
