// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// `System`: the shared object that sells storage, registers and certifies blobs, and holds the
/// current epoch's BLS committee and the future accounting of storage fees.
///
/// The outer object is thin (`id`, `version`); the state lives in a dynamic field keyed by the
/// `u64` version (`SystemStateInnerV1`), so an upgrade can migrate it without changing the public
/// signatures. Every call checks `version == VERSION`.
///
/// The system epoch is the committee's epoch. Epoch changes are driven by `walrus::staking`, which
/// calls `advance_epoch` with the next committee and parameters.
module walrus::system;

use sui::balance::Balance;
use sui::coin::Coin;
use sui::dynamic_field;
use wal::wal::WAL;
use walrus::blob::Blob;
use walrus::bls_aggregate::{Self, BlsCommittee};
use walrus::challenges::{Self, ChallengeState};
use walrus::encoding;
use walrus::events;
use walrus::storage_accounting::{Self, FutureAccountingRingBuffer};
use walrus::storage_resource::{Self, Storage};

/// The shared system object.
public struct System has key {
    id: UID,
    version: u64,
}

/// The system state, stored under the key `VERSION`.
public struct SystemStateInnerV1 has store {
    /// The current committee; its epoch is the system epoch.
    committee: BlsCommittee,
    /// Encoded bytes that can be sold per epoch.
    total_capacity_size: u64,
    /// Encoded bytes reserved for the current epoch.
    used_capacity_size: u64,
    /// FROST per unit (1 MiB of encoded size) per epoch.
    storage_price_per_unit_size: u64,
    /// FROST per unit of encoded size, paid once at registration.
    write_price_per_unit_size: u64,
    /// Reserved capacity and collected fees per future epoch.
    future_accounting: FutureAccountingRingBuffer,
    /// Storage challenges: the epoch's seed, verdicts and node histories.
    challenges: ChallengeState,
}

/// The current version of the system state layout.
const VERSION: u64 = 1;
/// Bytes per priced unit of encoded size (1 MiB).
const BYTES_PER_UNIT_SIZE: u64 = 1_048_576;
/// The price before the first committee votes: nothing can be bought.
const MAX_PRICE: u64 = 0xFFFF_FFFF_FFFF_FFFF;
/// The largest allowed ring buffer length.
const MAX_MAX_EPOCHS_AHEAD: u32 = 1000;

/// The object's version differs from the package's `VERSION`.
const EWrongVersion: u64 = 0;
/// `max_epochs_ahead` is zero or above `MAX_MAX_EPOCHS_AHEAD`.
const EInvalidMaxEpochsAhead: u64 = 1;
/// The reservation exceeds the capacity of an epoch.
const EStorageExceeded: u64 = 2;
/// `epochs_ahead` is zero or beyond `max_epochs_ahead`.
const EInvalidEpochsAhead: u64 = 3;
/// The certificate's epoch is not the current epoch.
const EInvalidIdEpoch: u64 = 4;
/// The next committee's epoch is not the current epoch plus one.
const EIncorrectCommittee: u64 = 5;
/// The popped accounting slot is not the ending epoch's.
const EInvalidAccountingEpoch: u64 = 6;
/// The storage amount is zero.
const EInvalidResourceSize: u64 = 7;
/// The end epoch is not after the start epoch.
const EInvalidStartEpoch: u64 = 8;
/// There is no committee yet (genesis), so nothing can be bought.
const ENoCommittee: u64 = 9;
/// The challenge verdict's target is not a member of the current committee.
const ENotCommitteeMember: u64 = 10;
/// The challenge verdict's target is among its signers (a node cannot judge itself).
const ESelfChallenge: u64 = 11;

// === Creation ===

/// Creates and shares the system object for epoch 0 with an empty committee. Prices are `u64::MAX`
/// and the capacity is zero until the first committee is selected.
public(package) fun create_empty(max_epochs_ahead: u32, ctx: &mut TxContext): ID {
    assert!(
        max_epochs_ahead > 0 && max_epochs_ahead <= MAX_MAX_EPOCHS_AHEAD,
        EInvalidMaxEpochsAhead,
    );
    let mut system = System { id: object::new(ctx), version: VERSION };
    let inner = SystemStateInnerV1 {
        committee: bls_aggregate::empty(0),
        total_capacity_size: 0,
        used_capacity_size: 0,
        storage_price_per_unit_size: MAX_PRICE,
        write_price_per_unit_size: MAX_PRICE,
        future_accounting: storage_accounting::ring_new(0, max_epochs_ahead),
        challenges: challenges::new(0, ctx),
    };
    dynamic_field::add(&mut system.id, VERSION, inner);
    let id = object::id(&system);
    transfer::share_object(system);
    id
}

// === Storage ===

/// Buys `storage_amount` encoded bytes for the current and the next `epochs_ahead - 1` epochs.
public fun reserve_space(
    self: &mut System,
    storage_amount: u64,
    epochs_ahead: u32,
    payment: &mut Coin<WAL>,
    ctx: &mut TxContext,
): Storage {
    let epoch = self.epoch();
    assert!(epochs_ahead > 0 && epochs_ahead <= self.max_epochs_ahead(), EInvalidEpochsAhead);
    self.reserve_space_for_epochs(storage_amount, epoch, epoch + epochs_ahead, payment, ctx)
}

/// Buys `storage_amount` encoded bytes for `[start_epoch, end_epoch)`. A start in the past is
/// moved to the current epoch; a future start allows buying ahead and fusing later.
public fun reserve_space_for_epochs(
    self: &mut System,
    storage_amount: u64,
    start_epoch: u32,
    end_epoch: u32,
    payment: &mut Coin<WAL>,
    ctx: &mut TxContext,
): Storage {
    let epoch = self.epoch();
    let start_epoch = if (start_epoch < epoch) epoch else start_epoch;
    assert!(end_epoch > start_epoch, EInvalidStartEpoch);
    assert!(end_epoch - epoch <= self.max_epochs_ahead(), EInvalidEpochsAhead);
    assert!(storage_amount > 0, EInvalidResourceSize);
    let inner = self.inner_mut();
    assert!(inner.committee.n_shards() > 0, ENoCommittee);
    let price = inner.storage_price_per_unit_size * storage_units_from_size(storage_amount);
    let capacity = inner.total_capacity_size;
    let mut offset = start_epoch - epoch;
    while (offset < end_epoch - epoch) {
        let slot = inner.future_accounting.ring_lookup_mut(offset);
        let used = slot.increase_used_capacity(storage_amount, capacity, EStorageExceeded);
        slot.rewards_balance().join(payment.balance_mut().split(price));
        if (offset == 0) inner.used_capacity_size = used;
        offset = offset + 1;
    };
    storage_resource::create_storage(start_epoch, end_epoch, storage_amount, ctx)
}

// === Blobs ===

/// Registers a blob with `storage`, paying the write fee. Emits `BlobRegistered`.
public fun register_blob(
    self: &mut System,
    storage: Storage,
    blob_id: u256,
    root_hash: u256,
    size: u64,
    encoding_type: u8,
    deletable: bool,
    write_payment: &mut Coin<WAL>,
    ctx: &mut TxContext,
): Blob {
    let epoch = self.epoch();
    let n_shards = self.n_shards();
    assert!(n_shards > 0, ENoCommittee);
    let blob = walrus::blob::new(
        storage,
        blob_id,
        root_hash,
        size,
        encoding_type,
        deletable,
        epoch,
        n_shards,
        ctx,
    );
    let inner = self.inner_mut();
    let units = storage_units_from_size(blob.encoded_size(n_shards));
    let fee = payment_split(write_payment, inner.write_price_per_unit_size * units);
    inner.future_accounting.ring_lookup_mut(0).rewards_balance().join(fee);
    blob
}

/// Certifies a blob with a quorum certificate of the current committee. Emits `BlobCertified`.
public fun certify_blob(
    self: &System,
    blob: &mut Blob,
    signature: vector<u8>,
    signers_bitmap: vector<u8>,
    message: vector<u8>,
) {
    let epoch = self.epoch();
    let certified = self
        .inner()
        .committee
        .verify_quorum_in_epoch(signature, signers_bitmap, message);
    assert!(certified.cert_epoch() == epoch, EInvalidIdEpoch);
    blob.certify_with_certified_msg(epoch, certified.certify_blob_message());
}

/// Deletes a deletable, unexpired blob and returns its storage for reuse. Emits `BlobDeleted`.
public fun delete_blob(self: &System, blob: Blob): Storage {
    blob.delete(self.epoch())
}

/// Extends a certified blob with a storage resource of the same size starting at the blob's end.
/// Emits `BlobCertified { is_extension: true }`.
public fun extend_blob_with_resource(self: &System, blob: &mut Blob, extension: Storage) {
    blob.extend_with_resource(extension, self.epoch());
}

/// Extends a certified blob by `extended_epochs`, paying for the storage. Emits
/// `BlobCertified { is_extension: true }`.
public fun extend_blob(
    self: &mut System,
    blob: &mut Blob,
    extended_epochs: u32,
    payment: &mut Coin<WAL>,
) {
    let epoch = self.epoch();
    blob.assert_can_extend(epoch);
    let start_offset = blob.end_epoch() - epoch;
    let end_offset = start_offset + extended_epochs;
    assert!(extended_epochs > 0 && end_offset <= self.max_epochs_ahead(), EInvalidEpochsAhead);
    let size = blob.storage().size();
    let inner = self.inner_mut();
    let price = inner.storage_price_per_unit_size * storage_units_from_size(size);
    let capacity = inner.total_capacity_size;
    let mut offset = start_offset;
    while (offset < end_offset) {
        let slot = inner.future_accounting.ring_lookup_mut(offset);
        slot.increase_used_capacity(size, capacity, EStorageExceeded);
        slot.rewards_balance().join(payment.balance_mut().split(price));
        offset = offset + 1;
    };
    blob.extend_end_epoch(extended_epochs);
}

/// Declares a blob ID invalid with a certificate from at least one correct node (f+1 shards).
/// Emits `InvalidBlobID` and returns the blob ID.
public fun invalidate_blob_id(
    self: &System,
    signature: vector<u8>,
    members_bitmap: vector<u8>,
    message: vector<u8>,
): u256 {
    let epoch = self.epoch();
    let certified = self
        .inner()
        .committee
        .verify_one_correct_node_in_epoch(signature, members_bitmap, message);
    assert!(certified.cert_epoch() == epoch, EInvalidIdEpoch);
    let invalid = certified.invalid_blob_id_message();
    let blob_id = invalid.invalid_blob_id();
    events::emit_invalid_blob_id(epoch, blob_id);
    blob_id
}

// === Storage challenges ===

/// Records the challenge verdict on `target` for the current `epoch`, certified by a quorum of
/// the current committee that does not include `target`: the signers signed
/// `challenges::verdict_message_bytes(epoch, target, passed)`. Only the current epoch's verdicts
/// are accepted (they are settled when the epoch ends), at most one per node. Emits
/// `ChallengeVerdictRecorded`.
public fun submit_challenge_verdict(
    self: &mut System,
    epoch: u32,
    target: ID,
    passed: bool,
    signature: vector<u8>,
    signers_bitmap: vector<u8>,
) {
    assert!(epoch == self.epoch(), EInvalidIdEpoch);
    let inner = self.inner_mut();
    let index = inner.committee.members().find_index!(|m| m.node_id() == target);
    assert!(index.is_some(), ENotCommitteeMember);
    let index = index.destroy_some();
    let byte_index = index / 8;
    let target_signed =
        byte_index < signers_bitmap.length() &&
        (signers_bitmap[byte_index] >> ((index % 8) as u8)) & 1 == 1;
    assert!(!target_signed, ESelfChallenge);
    let message = challenges::verdict_message_bytes(epoch, target, passed);
    let certified = inner.committee.verify_quorum_in_epoch(signature, signers_bitmap, message);
    assert!(certified.cert_epoch() == epoch, EInvalidIdEpoch);
    inner.challenges.record_verdict(epoch, target, passed);
}

/// Adds a subsidy spread evenly over the next `epochs_ahead` epochs (the remainder goes to the
/// current epoch). Anyone may call this.
public fun add_subsidy(self: &mut System, subsidy: Coin<WAL>, epochs_ahead: u32) {
    assert!(epochs_ahead > 0 && epochs_ahead <= self.max_epochs_ahead(), EInvalidEpochsAhead);
    let mut balance = subsidy.into_balance();
    let per_epoch = balance.value() / (epochs_ahead as u64);
    let inner = self.inner_mut();
    let mut offset = epochs_ahead - 1;
    while (offset > 0) {
        let part = balance.split(per_epoch);
        inner.future_accounting.ring_lookup_mut(offset).rewards_balance().join(part);
        offset = offset - 1;
    };
    inner.future_accounting.ring_lookup_mut(0).rewards_balance().join(balance);
}

// === Read-only accessors ===

/// The current Walrus epoch.
public fun epoch(self: &System): u32 { self.inner().committee.epoch() }

/// The number of shards (zero before the first committee).
public fun n_shards(self: &System): u16 { self.inner().committee.n_shards() }

/// Encoded bytes sellable per epoch.
public fun total_capacity_size(self: &System): u64 { self.inner().total_capacity_size }

/// Encoded bytes reserved for the current epoch.
public fun used_capacity_size(self: &System): u64 { self.inner().used_capacity_size }

/// FROST per MiB of encoded size per epoch.
public fun storage_price_per_unit_size(self: &System): u64 {
    self.inner().storage_price_per_unit_size
}

/// FROST per MiB of encoded size, paid once at registration.
public fun write_price_per_unit_size(self: &System): u64 {
    self.inner().write_price_per_unit_size
}

/// How many epochs ahead storage can be bought.
public fun max_epochs_ahead(self: &System): u32 {
    self.inner().future_accounting.max_epochs_ahead()
}

/// The current committee.
public fun committee(self: &System): &BlsCommittee { &self.inner().committee }

/// The storage challenge state.
public fun challenges(self: &System): &ChallengeState { &self.inner().challenges }

/// The seed of the current epoch's storage challenges.
public fun challenge_seed(self: &System): vector<u8> { self.inner().challenges.seed() }

/// The future accounting ring buffer.
public fun future_accounting(self: &System): &FutureAccountingRingBuffer {
    &self.inner().future_accounting
}

/// The version of the object.
public fun version(self: &System): u64 { self.version }

/// Whether `blob` is certified and not expired in the current epoch.
public fun is_blob_available(self: &System, blob: &Blob): bool {
    blob.is_available_at(self.epoch())
}

/// Whether `blob` has expired in the current epoch.
public fun is_blob_expired(self: &System, blob: &Blob): bool {
    blob.is_expired_at(self.epoch())
}

/// The price in FROST of `encoded_size` bytes for `epochs` epochs at the current price.
public fun storage_cost(self: &System, encoded_size: u64, epochs: u32): u64 {
    self.inner().storage_price_per_unit_size * storage_units_from_size(encoded_size) *
        (epochs as u64)
}

/// The write fee in FROST for a blob of `unencoded_size` bytes.
public fun write_cost(self: &System, unencoded_size: u64): u64 {
    let n_shards = self.n_shards();
    let encoded = encoding::encoded_blob_length(unencoded_size, encoding::rs2(), n_shards);
    self.inner().write_price_per_unit_size * storage_units_from_size(encoded)
}

/// The number of priced units (MiB, rounded up) of `size` bytes.
public fun storage_units_from_size(size: u64): u64 {
    (size + BYTES_PER_UNIT_SIZE - 1) / BYTES_PER_UNIT_SIZE
}

// === Epoch change (called by `walrus::staking`) ===

/// Ends the current epoch: pops its accounting slot, closes the epoch's storage challenges, pays
/// its fees to the ending committee's members pro rata to their shards, each share scaled by the
/// fraction the member keeps after a failing verdict (the withheld part and the rounding remainder
/// roll over to the new epoch), installs `new_committee`, the capacity and the prices, and emits
/// `PricesUpdated`. Returns the paid node IDs and their rewards, in committee order, and the
/// nodes to slash.
public(package) fun advance_epoch(
    self: &mut System,
    new_committee: BlsCommittee,
    new_capacity: u64,
    storage_price: u64,
    write_price: u64,
    ctx: &TxContext,
): (vector<ID>, vector<Balance<WAL>>, vector<ID>) {
    let inner = self.inner_mut();
    let old_epoch = inner.committee.epoch();
    assert!(new_committee.epoch() == old_epoch + 1, EIncorrectCommittee);
    let popped = inner.future_accounting.ring_pop_expand();
    assert!(popped.epoch() == old_epoch, EInvalidAccountingEpoch);
    let mut rewards = popped.unwrap_balance();
    let total = rewards.value() as u128;
    let n_shards = inner.committee.n_shards() as u128;
    let members = inner.committee.members().map_ref!(|member| member.node_id());
    let (keep_bps, to_slash) = inner.challenges.close_epoch(&members, old_epoch, ctx);
    let mut node_ids = vector[];
    let mut payouts = vector[];
    if (n_shards > 0) {
        let mut i = 0;
        inner.committee.members().do_ref!(|member| {
            let share = total * (member.weight() as u128) / n_shards;
            let amount = share * (keep_bps[i] as u128) / 10_000;
            node_ids.push_back(member.node_id());
            payouts.push_back(rewards.split(amount as u64));
            i = i + 1;
        });
    };
    inner.future_accounting.ring_lookup_mut(0).rewards_balance().join(rewards);

    inner.committee = new_committee;
    inner.used_capacity_size = inner.future_accounting.ring_lookup(0).used_capacity();
    inner.total_capacity_size = std::u64::max(new_capacity, inner.used_capacity_size);
    inner.storage_price_per_unit_size = storage_price;
    inner.write_price_per_unit_size = write_price;
    events::emit_prices_updated(old_epoch + 1, storage_price, write_price);
    (node_ids, payouts, to_slash)
}

/// The slash fraction in basis points (called by `walrus::staking` when it slashes).
public(package) fun slash_bps(self: &System): u16 {
    let params = self.inner().challenges.params();
    params.slash_bps()
}

/// Sets the slash fraction in basis points (called by `walrus::staking` at the epoch change, from
/// the new committee's votes).
public(package) fun set_slash_bps(self: &mut System, slash_bps: u16) {
    self.inner_mut().challenges.set_slash_bps(slash_bps);
}

/// Adds `amount` to the slashed total (called by `walrus::staking` after a slash).
public(package) fun record_slash(self: &mut System, amount: u64) {
    self.inner_mut().challenges.add_slashed(amount);
}

/// Puts the slashed WAL split off a withdrawn stake into the slashing fund (called by
/// `walrus::staking` at withdrawal).
public(package) fun deposit_slashed(self: &mut System, slashed: Balance<WAL>) {
    self.inner_mut().challenges.deposit_slashed(slashed);
}

// === Internal ===

fun inner(self: &System): &SystemStateInnerV1 {
    assert!(self.version == VERSION, EWrongVersion);
    dynamic_field::borrow(&self.id, VERSION)
}

fun inner_mut(self: &mut System): &mut SystemStateInnerV1 {
    assert!(self.version == VERSION, EWrongVersion);
    dynamic_field::borrow_mut(&mut self.id, VERSION)
}

fun payment_split(payment: &mut Coin<WAL>, amount: u64): Balance<WAL> {
    payment.balance_mut().split(amount)
}

#[test_only]
/// Creates a system object (not shared) with `committee`, capacity and prices, for tests.
public fun new_for_test(
    committee: BlsCommittee,
    total_capacity_size: u64,
    storage_price: u64,
    write_price: u64,
    max_epochs_ahead: u32,
    ctx: &mut TxContext,
): System {
    let mut system = System { id: object::new(ctx), version: VERSION };
    let epoch = committee.epoch();
    let inner = SystemStateInnerV1 {
        committee,
        total_capacity_size,
        used_capacity_size: 0,
        storage_price_per_unit_size: storage_price,
        write_price_per_unit_size: write_price,
        future_accounting: storage_accounting::ring_new(epoch, max_epochs_ahead),
        challenges: challenges::new(epoch, ctx),
    };
    dynamic_field::add(&mut system.id, VERSION, inner);
    system
}

#[test_only]
/// Sets the version field, to test the version check.
public fun set_version_for_test(self: &mut System, version: u64) {
    self.version = version;
}
