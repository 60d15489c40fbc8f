// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// Helpers for the Walrus Move tests: BLS keys and signatures computed in Move, committees,
/// certificates and WAL.
#[test_only]
module walrus::test_utils;

use sui::bcs;
use sui::bls12381::{Self, Scalar};
use sui::coin::{Self, Coin};
use sui::group_ops::Element;
use wal::wal::WAL;
use walrus::bls_aggregate::{Self, BlsCommittee};
use walrus::messages;

/// 1 WAL in FROST.
public fun frost_per_wal(): u64 { 1_000_000_000 }

/// Mints `amount` FROST of WAL.
public fun mint_frost(amount: u64, ctx: &mut TxContext): Coin<WAL> {
    coin::mint_for_testing<WAL>(amount, ctx)
}

/// A deterministic BLS secret key.
public fun bls_sk(seed: u64): Element<Scalar> { bls12381::scalar_from_u64(seed + 1) }

/// The compressed public key of `sk`.
public fun bls_pk(sk: &Element<Scalar>): vector<u8> {
    *bls12381::g1_mul(sk, &bls12381::g1_generator()).bytes()
}

/// The min-pk signature of `message` by `sk`.
public fun bls_sign(sk: &Element<Scalar>, message: &vector<u8>): vector<u8> {
    *bls12381::g2_mul(sk, &bls12381::hash_to_g2(message)).bytes()
}

/// The aggregate signature of `message` by the keys whose bit is set in `signers`.
public fun bls_aggregate_sign(
    sks: &vector<Element<Scalar>>,
    signers: &vector<bool>,
    message: &vector<u8>,
): vector<u8> {
    let mut aggregate = bls12381::g2_identity();
    let mut i = 0;
    while (i < sks.length()) {
        if (signers[i]) {
            let sig = bls12381::g2_mul(&sks[i], &bls12381::hash_to_g2(message));
            aggregate = bls12381::g2_add(&aggregate, &sig);
        };
        i = i + 1;
    };
    *aggregate.bytes()
}

/// The bitmap for `signers` (bit `i` of byte `i / 8`).
public fun signers_to_bitmap(signers: &vector<bool>): vector<u8> {
    let mut bitmap = vector[];
    let mut i = 0;
    while (i < signers.length()) {
        if (i % 8 == 0) bitmap.push_back(0);
        if (signers[i]) {
            let last = bitmap.length() - 1;
            let byte = &mut bitmap[last];
            *byte = *byte | (1u8 << ((i % 8) as u8));
        };
        i = i + 1;
    };
    bitmap
}

/// The node ID of test node `i` (IDs increase with `i`).
public fun node_id(i: u64): ID { object::id_from_address(sui::address::from_u256((i as u256) + 1)) }

/// The secret keys of a test committee of `n` members.
public fun committee_sks(n: u64): vector<Element<Scalar>> {
    vector::tabulate!(n, |i| bls_sk(i))
}

/// A committee of `weights.length()` members at `epoch`, member `i` holding `weights[i]` shards
/// and key `bls_sk(i)`.
public fun bls_committee(epoch: u32, weights: vector<u16>): BlsCommittee {
    let mut members = vector[];
    let mut i = 0;
    while (i < weights.length()) {
        let pk = bls12381::g1_from_bytes(&bls_pk(&bls_sk(i)));
        members.push_back(bls_aggregate::new_bls_committee_member(pk, weights[i], node_id(i)));
        i = i + 1;
    };
    bls_aggregate::new_bls_committee(epoch, members)
}

/// A permanent blob certification message for `blob_id` at `epoch`.
public fun blob_cert_message(epoch: u32, blob_id: u256): vector<u8> {
    let mut message = messages::header_for_test(messages::blob_cert_msg_type(), epoch);
    message.append(bcs::to_bytes(&blob_id));
    message.push_back(0);
    message
}

/// A deletable blob certification message for `blob_id` and `object_id` at `epoch`.
public fun deletable_blob_cert_message(epoch: u32, blob_id: u256, object_id: ID): vector<u8> {
    let mut message = messages::header_for_test(messages::blob_cert_msg_type(), epoch);
    message.append(bcs::to_bytes(&blob_id));
    message.push_back(1);
    message.append(object::id_to_bytes(&object_id));
    message
}

/// An invalid-blob-ID message for `blob_id` at `epoch`.
public fun invalid_blob_id_message(epoch: u32, blob_id: u256): vector<u8> {
    let mut message = messages::header_for_test(messages::invalid_blob_id_msg_type(), epoch);
    message.append(bcs::to_bytes(&blob_id));
    message
}

/// All `n` members sign.
public fun all_signers(n: u64): vector<bool> { vector::tabulate!(n, |_| true) }
