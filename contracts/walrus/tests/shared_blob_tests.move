// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::shared_blob_tests;

use std::unit_test::{assert_eq, destroy};
use walrus::blob;
use walrus::encoding;
use walrus::shared_blob::{Self, SharedBlob};
use walrus::system::{Self, System};
use walrus::test_utils;

const ROOT_HASH: u256 = 0xBEEF;
const SIZE: u64 = 1_000;

fun setup(ctx: &mut TxContext): (System, SharedBlob) {
    let committee = test_utils::bls_committee(1, vector[3, 3, 2, 2]);
    let mut system = system::new_for_test(committee, 1_000_000_000, 10, 1, 10, ctx);
    let mut payment = test_utils::mint_frost(1_000_000, ctx);
    let encoded = encoding::encoded_blob_length(SIZE, encoding::rs2(), 10);
    let storage = system.reserve_space(encoded, 2, &mut payment, ctx);
    let blob_id = blob::derive_blob_id(ROOT_HASH, encoding::rs2(), SIZE);
    let mut blob = system.register_blob(
        storage,
        blob_id,
        ROOT_HASH,
        SIZE,
        encoding::rs2(),
        false,
        &mut payment,
        ctx,
    );
    let message = test_utils::blob_cert_message(1, blob_id);
    let signers = test_utils::all_signers(4);
    let signature = test_utils::bls_aggregate_sign(
        &test_utils::committee_sks(4),
        &signers,
        &message,
    );
    system.certify_blob(&mut blob, signature, test_utils::signers_to_bitmap(&signers), message);
    destroy(payment);
    let shared = shared_blob::new_for_test(blob, test_utils::mint_frost(15, ctx), ctx);
    (system, shared)
}

#[test]
fun anyone_can_fund_and_extend() {
    let ctx = &mut tx_context::dummy();
    let (mut system, mut shared) = setup(ctx);
    assert_eq!(shared.funds().value(), 15);
    shared.fund(test_utils::mint_frost(5, ctx));
    assert_eq!(shared.funds().value(), 20);
    // One unit at 10 FROST per epoch.
    shared.extend(&mut system, 2, ctx);
    assert_eq!(shared.funds().value(), 0);
    assert_eq!(shared.blob().end_epoch(), 5);
    destroy(shared);
    destroy(system);
}

#[test, expected_failure(abort_code = shared_blob::EInsufficientFunds)]
fun extend_without_funds_fails() {
    let ctx = &mut tx_context::dummy();
    let (mut system, mut shared) = setup(ctx);
    shared.extend(&mut system, 3, ctx);
    abort
}
