// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::system_tests;

use std::unit_test::{assert_eq, destroy};
use sui::event;
use walrus::blob::{Self, Blob};
use walrus::encoding;
use walrus::events::{BlobRegistered, BlobCertified, BlobDeleted, InvalidBlobID, PricesUpdated};
use walrus::system::{Self, System};
use walrus::test_utils;

const N_MEMBERS: u64 = 4;
const MIB: u64 = 1_048_576;
const STORAGE_PRICE: u64 = 5;
const WRITE_PRICE: u64 = 1;
const ROOT_HASH: u256 = 0xFEED;

fun new_system(ctx: &mut TxContext): System {
    let committee = test_utils::bls_committee(1, vector[3, 3, 2, 2]);
    system::new_for_test(committee, 1_000 * MIB, STORAGE_PRICE, WRITE_PRICE, 10, ctx)
}

fun blob_id(size: u64): u256 { blob::derive_blob_id(ROOT_HASH, encoding::rs2(), size) }

fun register(system: &mut System, size: u64, deletable: bool, ctx: &mut TxContext): Blob {
    let mut payment = test_utils::mint_frost(1_000_000, ctx);
    let encoded = encoding::encoded_blob_length(size, encoding::rs2(), system.n_shards());
    let storage = system.reserve_space(encoded, 3, &mut payment, ctx);
    let blob = system.register_blob(
        storage,
        blob_id(size),
        ROOT_HASH,
        size,
        encoding::rs2(),
        deletable,
        &mut payment,
        ctx,
    );
    destroy(payment);
    blob
}

fun certify(system: &System, blob: &mut Blob) {
    let message = if (blob.is_deletable()) {
        test_utils::deletable_blob_cert_message(system.epoch(), blob.blob_id(), blob.object_id())
    } else {
        test_utils::blob_cert_message(system.epoch(), blob.blob_id())
    };
    let signers = vector[true, true, true, false];
    let signature = test_utils::bls_aggregate_sign(
        &test_utils::committee_sks(N_MEMBERS),
        &signers,
        &message,
    );
    system.certify_blob(blob, signature, test_utils::signers_to_bitmap(&signers), message);
}

#[test]
fun reserve_space_pays_per_epoch_and_accounts_capacity() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    let mut payment = test_utils::mint_frost(1_000, ctx);
    let storage = system.reserve_space(3 * MIB + 1, 4, &mut payment, ctx);
    // 4 units per epoch at 5 FROST for 4 epochs.
    assert_eq!(payment.value(), 1_000 - 4 * 4 * STORAGE_PRICE);
    assert_eq!(storage.start_epoch(), 1);
    assert_eq!(storage.end_epoch(), 5);
    assert_eq!(system.used_capacity_size(), 3 * MIB + 1);
    assert_eq!(system.future_accounting().ring_lookup(3).used_capacity(), 3 * MIB + 1);
    assert_eq!(system.future_accounting().ring_lookup(3).rewards(), 4 * STORAGE_PRICE);
    assert_eq!(system.future_accounting().ring_lookup(4).used_capacity(), 0);
    assert_eq!(system.storage_cost(3 * MIB + 1, 4), 4 * 4 * STORAGE_PRICE);
    destroy(storage);
    destroy(payment);
    destroy(system);
}

#[test]
fun store_certify_delete_and_reuse_storage() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    let mut blob = register(&mut system, 10_000, true, ctx);
    assert_eq!(event::events_by_type<BlobRegistered>().length(), 1);
    certify(&system, &mut blob);
    assert_eq!(event::events_by_type<BlobCertified>().length(), 1);
    assert!(system.is_blob_available(&blob));
    let storage = system.delete_blob(blob);
    assert_eq!(event::events_by_type<BlobDeleted>().length(), 1);

    // The returned storage registers a new blob without buying space.
    let mut payment = test_utils::mint_frost(1_000, ctx);
    let size = 10_000;
    let reused = system.register_blob(
        storage,
        blob_id(size),
        ROOT_HASH,
        size,
        encoding::rs2(),
        false,
        &mut payment,
        ctx,
    );
    assert_eq!(reused.end_epoch(), 4);
    destroy(reused);
    destroy(payment);
    destroy(system);
}

#[test]
fun extend_with_payment_and_with_resource() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    let mut blob = register(&mut system, 10_000, false, ctx);
    certify(&system, &mut blob);
    let mut payment = test_utils::mint_frost(1_000_000, ctx);
    system.extend_blob(&mut blob, 2, &mut payment);
    assert_eq!(blob.end_epoch(), 6);
    let size = blob.storage().size();
    let extension = system.reserve_space_for_epochs(size, 6, 8, &mut payment, ctx);
    system.extend_blob_with_resource(&mut blob, extension);
    assert_eq!(blob.end_epoch(), 8);
    // Certification plus two extensions, all carrying the original certified epoch.
    assert_eq!(event::events_by_type<BlobCertified>().length(), 3);
    assert_eq!(*blob.certified_epoch(), option::some(1));
    destroy(payment);
    destroy(blob);
    destroy(system);
}

#[test]
fun invalidate_blob_id_with_f_plus_one() {
    let ctx = &mut tx_context::dummy();
    let system = new_system(ctx);
    let message = test_utils::invalid_blob_id_message(1, 77);
    let signers = vector[false, false, true, true];
    let signature = test_utils::bls_aggregate_sign(
        &test_utils::committee_sks(N_MEMBERS),
        &signers,
        &message,
    );
    let blob_id = system.invalidate_blob_id(
        signature,
        test_utils::signers_to_bitmap(&signers),
        message,
    );
    assert_eq!(blob_id, 77);
    assert_eq!(event::events_by_type<InvalidBlobID>().length(), 1);
    destroy(system);
}

#[test]
fun advance_epoch_pays_committee_by_shards() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    let mut subsidy = test_utils::mint_frost(1_003, ctx);
    let later = subsidy.split(3, ctx);
    system.add_subsidy(subsidy, 1);
    system.add_subsidy(later, 2);
    let next = test_utils::bls_committee(2, vector[5, 5]);
    let (nodes, mut rewards, to_slash) = system.advance_epoch(next, 2_000 * MIB, 7, 2, ctx);
    assert!(to_slash.is_empty());
    assert_eq!(
        nodes,
        vector[
            test_utils::node_id(0),
            test_utils::node_id(1),
            test_utils::node_id(2),
            test_utils::node_id(3),
        ],
    );
    // 1_002 FROST over 10 shards weighted 3, 3, 2, 2: 300, 300, 200, 200; the remainder 2 rolls
    // over.
    assert_eq!(rewards.pop_back().destroy_for_testing(), 200);
    assert_eq!(rewards.pop_back().destroy_for_testing(), 200);
    assert_eq!(rewards.pop_back().destroy_for_testing(), 300);
    assert_eq!(rewards.pop_back().destroy_for_testing(), 300);
    rewards.destroy_empty();
    assert_eq!(system.epoch(), 2);
    assert_eq!(system.n_shards(), 10);
    assert_eq!(system.total_capacity_size(), 2_000 * MIB);
    assert_eq!(system.storage_price_per_unit_size(), 7);
    assert_eq!(system.write_price_per_unit_size(), 2);
    // The later subsidy's share of epoch 2 plus the remainder.
    assert_eq!(system.future_accounting().ring_lookup(0).rewards(), 1 + 2);
    assert_eq!(event::events_by_type<PricesUpdated>().length(), 1);
    destroy(system);
}

// The capacity check runs in `storage_accounting` with the code `system` passes it.
#[
    test,
    expected_failure(
        abort_code = system::EStorageExceeded,
        location = walrus::storage_accounting,
    ),
]
fun reserve_beyond_capacity_fails() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    let mut payment = test_utils::mint_frost(1_000_000, ctx);
    let _storage = system.reserve_space(1_000 * MIB + 1, 1, &mut payment, ctx);
    abort
}

#[test, expected_failure(abort_code = system::EInvalidEpochsAhead)]
fun reserve_too_far_ahead_fails() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    let mut payment = test_utils::mint_frost(1_000_000, ctx);
    let _storage = system.reserve_space(MIB, 11, &mut payment, ctx);
    abort
}

#[test, expected_failure(abort_code = system::EInvalidResourceSize)]
fun reserve_zero_fails() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    let mut payment = test_utils::mint_frost(1_000_000, ctx);
    let _storage = system.reserve_space(0, 1, &mut payment, ctx);
    abort
}

#[test, expected_failure(abort_code = system::ENoCommittee)]
fun reserve_without_committee_fails() {
    let ctx = &mut tx_context::dummy();
    let committee = walrus::bls_aggregate::empty(0);
    let mut system = system::new_for_test(committee, 1_000, 1, 1, 10, ctx);
    let mut payment = test_utils::mint_frost(1_000_000, ctx);
    let _storage = system.reserve_space(1, 1, &mut payment, ctx);
    abort
}

#[test, expected_failure(abort_code = walrus::messages::EIncorrectEpoch)]
fun certificate_from_other_epoch_fails() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    let mut blob = register(&mut system, 10_000, false, ctx);
    let message = test_utils::blob_cert_message(2, blob.blob_id());
    let signers = test_utils::all_signers(N_MEMBERS);
    let signature = test_utils::bls_aggregate_sign(
        &test_utils::committee_sks(N_MEMBERS),
        &signers,
        &message,
    );
    system.certify_blob(&mut blob, signature, test_utils::signers_to_bitmap(&signers), message);
    abort
}

#[test, expected_failure(abort_code = blob::ENotCertified)]
fun extend_uncertified_fails() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    let mut blob = register(&mut system, 10_000, false, ctx);
    let mut payment = test_utils::mint_frost(1_000_000, ctx);
    system.extend_blob(&mut blob, 1, &mut payment);
    abort
}

#[test, expected_failure(abort_code = system::EWrongVersion)]
fun wrong_version_fails() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    system.set_version_for_test(2);
    system.epoch();
    abort
}

#[test, expected_failure(abort_code = system::EIncorrectCommittee)]
fun advance_to_wrong_epoch_fails() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    let (_nodes, _rewards, _to_slash) = system.advance_epoch(
        test_utils::bls_committee(3, vector[1]),
        0,
        1,
        1,
        ctx,
    );
    abort
}
