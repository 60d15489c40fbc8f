// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// The BLS committee of an epoch and the verification of aggregate certificates over it.
///
/// Scheme: BLS12-381 min-pk (48-byte G1 public keys, 96-byte G2 signatures). Members are in
/// node-ID order; a member's weight is its number of shards. A certificate names its signers by a
/// bitmap over the member list (bit `i` of byte `k` is member `8k + i`).
module walrus::bls_aggregate;

use sui::bls12381::{Self, G1, bls12381_min_pk_verify};
use sui::group_ops::Element;
use walrus::messages::{Self, CertifiedMessage};

/// One committee member.
public struct BlsCommitteeMember has copy, drop, store {
    public_key: Element<G1>,
    weight: u16,
    node_id: ID,
}

/// The committee of an epoch. `n_shards` is the sum of the weights.
public struct BlsCommittee has copy, drop, store {
    members: vector<BlsCommitteeMember>,
    n_shards: u16,
    epoch: u32,
    total_aggregated_key: Element<G1>,
}

/// The signer bitmap is longer than the member list or names non-existent members.
const EInvalidBitmap: u64 = 0;
/// The aggregate signature does not verify.
const ESigVerification: u64 = 1;
/// The signers' weight is below the required threshold.
const ENotEnoughStake: u64 = 2;
/// A member has zero weight.
const EIncorrectCommittee: u64 = 3;
/// A member is not in strict node-ID order.
const EMembersNotSorted: u64 = 4;

/// Creates a committee from members in strictly increasing node-ID order.
public(package) fun new_bls_committee(
    epoch: u32,
    members: vector<BlsCommitteeMember>,
): BlsCommittee {
    let mut n_shards: u16 = 0;
    let mut total_aggregated_key = bls12381::g1_identity();
    let mut i = 0;
    while (i < members.length()) {
        let member = &members[i];
        assert!(member.weight > 0, EIncorrectCommittee);
        if (i > 0) {
            let prev = id_to_u256(&members[i - 1].node_id);
            assert!(prev < id_to_u256(&member.node_id), EMembersNotSorted);
        };
        n_shards = n_shards + member.weight;
        total_aggregated_key = bls12381::g1_add(&total_aggregated_key, &member.public_key);
        i = i + 1;
    };
    BlsCommittee { members, n_shards, epoch, total_aggregated_key }
}

/// Creates a member from a compressed public key.
public(package) fun new_bls_committee_member(
    public_key: Element<G1>,
    weight: u16,
    node_id: ID,
): BlsCommitteeMember {
    BlsCommitteeMember { public_key, weight, node_id }
}

/// An empty committee (genesis).
public(package) fun empty(epoch: u32): BlsCommittee {
    BlsCommittee {
        members: vector[],
        n_shards: 0,
        epoch,
        total_aggregated_key: bls12381::g1_identity(),
    }
}

// === Accessors ===

/// The epoch of the committee.
public fun epoch(self: &BlsCommittee): u32 { self.epoch }

/// The total number of shards.
public fun n_shards(self: &BlsCommittee): u16 { self.n_shards }

/// The number of members.
public fun n_members(self: &BlsCommittee): u64 { self.members.length() }

/// The members in node-ID order.
public fun members(self: &BlsCommittee): &vector<BlsCommitteeMember> { &self.members }

/// The node ID of a member.
public fun node_id(self: &BlsCommitteeMember): ID { self.node_id }

/// The weight (shard count) of a member.
public fun weight(self: &BlsCommitteeMember): u16 { self.weight }

/// The public key of a member.
public fun public_key(self: &BlsCommitteeMember): &Element<G1> { &self.public_key }

/// Whether `node_id` is a member.
public fun contains(self: &BlsCommittee, node_id: &ID): bool {
    self.members.any!(|m| &m.node_id == node_id)
}

/// The weight of `node_id`, zero if it is not a member.
public fun get_member_weight(self: &BlsCommittee, node_id: &ID): u16 {
    let idx = self.members.find_index!(|m| &m.node_id == node_id);
    if (idx.is_some()) self.members[idx.destroy_some()].weight else 0
}

/// Whether `weight` out of `n_shards` is a quorum (`3w >= 2n + 1`).
public fun is_quorum(weight: u16, n_shards: u16): bool {
    3 * (weight as u64) >= 2 * (n_shards as u64) + 1
}

/// Whether `weight` out of `n_shards` includes at least one correct node (`3w >= n + 1`).
public fun is_one_correct_node(weight: u16, n_shards: u16): bool {
    3 * (weight as u64) >= (n_shards as u64) + 1
}

// === Verification ===

/// Verifies a certificate signed by a quorum of shards and parses its header.
public(package) fun verify_quorum_in_epoch(
    self: &BlsCommittee,
    signature: vector<u8>,
    signers_bitmap: vector<u8>,
    message: vector<u8>,
): CertifiedMessage {
    let weight = self.verify_certificate_and_weight(&signature, &signers_bitmap, &message, true);
    messages::new_certified_message(message, self.epoch, weight)
}

/// Verifies a certificate signed by at least one correct node (f+1) and parses its header.
public(package) fun verify_one_correct_node_in_epoch(
    self: &BlsCommittee,
    signature: vector<u8>,
    signers_bitmap: vector<u8>,
    message: vector<u8>,
): CertifiedMessage {
    let weight = self.verify_certificate_and_weight(&signature, &signers_bitmap, &message, false);
    messages::new_certified_message(message, self.epoch, weight)
}

/// Checks the bitmap, computes the signers' weight, checks it against the threshold (a quorum if
/// `need_quorum`, else f+1), then verifies the aggregate signature with the total key minus the
/// non-signers' keys. Returns the signers' weight.
///
/// The bitmap may be shorter than `ceil(members / 8)` bytes (missing bytes are non-signers), never
/// longer, and bits past the last member must be zero, so every signer set has one bitmap.
fun verify_certificate_and_weight(
    self: &BlsCommittee,
    signature: &vector<u8>,
    signers_bitmap: &vector<u8>,
    message: &vector<u8>,
    need_quorum: bool,
): u16 {
    let n_members = self.members.length();
    assert!(signers_bitmap.length() <= (n_members + 7) / 8, EInvalidBitmap);
    // Bits past the last member must be zero.
    let mut bit = n_members;
    while (bit < signers_bitmap.length() * 8) {
        assert!((signers_bitmap[bit / 8] >> ((bit % 8) as u8)) & 1 == 0, EInvalidBitmap);
        bit = bit + 1;
    };
    let mut non_signer_weight: u16 = 0;
    let mut aggregate_key = self.total_aggregated_key;
    let mut i = 0;
    while (i < n_members) {
        let byte_index = i / 8;
        let signed =
            byte_index < signers_bitmap.length() &&
            (signers_bitmap[byte_index] >> ((i % 8) as u8)) & 1 == 1;
        if (!signed) {
            let member = &self.members[i];
            non_signer_weight = non_signer_weight + member.weight;
            aggregate_key = bls12381::g1_sub(&aggregate_key, &member.public_key);
        };
        i = i + 1;
    };
    let weight = self.n_shards - non_signer_weight;
    let enough = if (need_quorum) {
        is_quorum(weight, self.n_shards)
    } else {
        is_one_correct_node(weight, self.n_shards)
    };
    assert!(enough, ENotEnoughStake);
    assert!(bls12381_min_pk_verify(signature, aggregate_key.bytes(), message), ESigVerification);
    weight
}

/// A node ID as a `u256`, the order in which committee members are sorted.
public fun id_to_u256(id: &ID): u256 {
    sui::address::to_u256(object::id_to_address(id))
}
