// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::blob_tests;

use std::unit_test::{assert_eq, destroy};
use walrus::blob::{Self, Blob};
use walrus::encoding;
use walrus::messages;
use walrus::metadata;
use walrus::storage_resource::create_for_test;
use walrus::test_utils;

const N_SHARDS: u16 = 10;
const ROOT_HASH: u256 = 0xC0FFEE;
const SIZE: u64 = 5_000;

fun blob_id(): u256 { blob::derive_blob_id(ROOT_HASH, encoding::rs2(), SIZE) }

fun new_blob(epoch: u32, end_epoch: u32, deletable: bool, ctx: &mut TxContext): Blob {
    let size = encoding::encoded_blob_length(SIZE, encoding::rs2(), N_SHARDS);
    let storage = create_for_test(0, end_epoch, size, ctx);
    blob::new_for_test(
        storage,
        blob_id(),
        ROOT_HASH,
        SIZE,
        encoding::rs2(),
        deletable,
        epoch,
        N_SHARDS,
        ctx,
    )
}

fun certify(blob: &mut Blob, epoch: u32) {
    let message = if (blob.is_deletable()) {
        test_utils::deletable_blob_cert_message(epoch, blob.blob_id(), blob.object_id())
    } else {
        test_utils::blob_cert_message(epoch, blob.blob_id())
    };
    let certified = messages::certified_message_for_test(message, epoch, N_SHARDS);
    blob.certify_for_test(epoch, certified.certify_blob_message());
}

#[test]
fun register_and_certify() {
    let ctx = &mut tx_context::dummy();
    let mut blob = new_blob(1, 5, false, ctx);
    assert_eq!(blob.blob_id(), blob_id());
    assert_eq!(blob.size(), SIZE);
    assert_eq!(blob.registered_epoch(), 1);
    assert_eq!(blob.end_epoch(), 5);
    assert_eq!(blob.encoding_type(), encoding::rs2());
    assert!(!blob.is_certified());
    assert!(!blob.is_available_at(1));
    certify(&mut blob, 1);
    assert_eq!(*blob.certified_epoch(), option::some(1));
    assert!(blob.is_available_at(4));
    assert!(!blob.is_available_at(5));
    assert!(blob.is_expired_at(5));
    blob.burn();
}

#[test]
fun deletable_blob_certifies_with_its_object_id() {
    let ctx = &mut tx_context::dummy();
    let mut blob = new_blob(0, 5, true, ctx);
    certify(&mut blob, 0);
    let storage = blob.delete(0);
    assert_eq!(storage.end_epoch(), 5);
    storage.destroy();
}

#[test]
fun attributes() {
    let ctx = &mut tx_context::dummy();
    let mut blob = new_blob(0, 5, false, ctx);
    let key = b"content-type".to_string();
    assert!(blob.attribute(&key).is_none());
    blob.insert_or_update_metadata_pair(key, b"text/plain".to_string());
    assert_eq!(blob.attribute(&key), option::some(b"text/plain".to_string()));
    blob.insert_or_update_metadata_pair(key, b"image/png".to_string());
    assert_eq!(blob.metadata().length(), 1);
    assert_eq!(blob.remove_metadata_pair_if_exists(&key), option::some(b"image/png".to_string()));
    assert!(blob.remove_metadata_pair_if_exists(&key).is_none());
    let old = blob.add_or_replace_metadata(metadata::new());
    assert!(old.is_some());
    let _ = blob.take_metadata();
    assert!(!blob.has_metadata());
    blob.burn();
}

#[test]
fun derive_blob_id_depends_on_every_input() {
    let id = blob::derive_blob_id(1, 1, 1);
    assert!(id != blob::derive_blob_id(2, 1, 1));
    assert!(id != blob::derive_blob_id(1, 1, 2));
    assert!(id != blob::derive_blob_id(1, 2, 1));
}

#[test, expected_failure(abort_code = blob::EResourceBounds)]
fun register_outside_storage_period_fails() {
    let ctx = &mut tx_context::dummy();
    let _blob = new_blob(5, 5, false, ctx);
    abort
}

#[test, expected_failure(abort_code = blob::EResourceSize)]
fun register_with_small_storage_fails() {
    let ctx = &mut tx_context::dummy();
    let storage = create_for_test(0, 5, 100, ctx);
    let _blob = blob::new_for_test(
        storage,
        blob_id(),
        ROOT_HASH,
        SIZE,
        encoding::rs2(),
        false,
        0,
        N_SHARDS,
        ctx,
    );
    abort
}

#[test, expected_failure(abort_code = blob::EInvalidBlobId)]
fun register_with_wrong_blob_id_fails() {
    let ctx = &mut tx_context::dummy();
    let storage = create_for_test(0, 5, 1_000_000, ctx);
    let _blob = blob::new_for_test(
        storage,
        blob_id() + 1,
        ROOT_HASH,
        SIZE,
        encoding::rs2(),
        false,
        0,
        N_SHARDS,
        ctx,
    );
    abort
}

#[test, expected_failure(abort_code = blob::EAlreadyCertified)]
fun certify_twice_fails() {
    let ctx = &mut tx_context::dummy();
    let mut blob = new_blob(0, 5, false, ctx);
    certify(&mut blob, 0);
    certify(&mut blob, 0);
    abort
}

#[test, expected_failure(abort_code = blob::EResourceBounds)]
fun certify_expired_fails() {
    let ctx = &mut tx_context::dummy();
    let mut blob = new_blob(0, 5, false, ctx);
    certify(&mut blob, 5);
    abort
}

#[test, expected_failure(abort_code = blob::EInvalidBlobObject)]
fun deletable_certificate_for_other_object_fails() {
    let ctx = &mut tx_context::dummy();
    let mut blob = new_blob(0, 5, true, ctx);
    let message = test_utils::deletable_blob_cert_message(0, blob_id(), test_utils::node_id(1));
    let certified = messages::certified_message_for_test(message, 0, N_SHARDS);
    blob.certify_for_test(0, certified.certify_blob_message());
    abort
}

#[test, expected_failure(abort_code = blob::EInvalidBlobPersistenceType)]
fun permanent_certificate_for_deletable_blob_fails() {
    let ctx = &mut tx_context::dummy();
    let mut blob = new_blob(0, 5, true, ctx);
    let message = test_utils::blob_cert_message(0, blob_id());
    let certified = messages::certified_message_for_test(message, 0, N_SHARDS);
    blob.certify_for_test(0, certified.certify_blob_message());
    abort
}

#[test, expected_failure(abort_code = blob::EBlobNotDeletable)]
fun delete_permanent_fails() {
    let ctx = &mut tx_context::dummy();
    let blob = new_blob(0, 5, false, ctx);
    destroy(blob.delete(0));
    abort
}

#[test, expected_failure(abort_code = blob::EDuplicateMetadata)]
fun duplicate_metadata_fails() {
    let ctx = &mut tx_context::dummy();
    let mut blob = new_blob(0, 5, false, ctx);
    blob.add_metadata(metadata::new());
    blob.add_metadata(metadata::new());
    abort
}

#[test, expected_failure(abort_code = blob::EMissingMetadata)]
fun take_missing_metadata_fails() {
    let ctx = &mut tx_context::dummy();
    let mut blob = new_blob(0, 5, false, ctx);
    let _ = blob.take_metadata();
    abort
}

#[test, expected_failure(abort_code = metadata::EKeyNotFound)]
fun remove_missing_key_fails() {
    let mut metadata = metadata::new();
    let (_, _) = metadata.remove(&b"absent".to_string());
    abort
}
