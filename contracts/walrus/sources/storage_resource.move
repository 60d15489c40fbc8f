// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// `Storage`: a reservation of `storage_size` encoded bytes for the epochs
/// `[start_epoch, end_epoch)`.
///
/// It is bought from the `System` (`system::reserve_space`), embedded in a `Blob` at registration,
/// returned by `system::delete_blob`, and can be split and fused freely by its owner. The field
/// layout is the reference's, so existing Walrus tools can read it.
module walrus::storage_resource;

/// Reservation of storage space for a period of epochs.
public struct Storage has key, store {
    id: UID,
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
}

/// The split epoch is not strictly inside the storage period.
const EInvalidEpoch: u64 = 0;
/// The periods to fuse are not adjacent, or the start and end epochs differ.
const EIncompatibleEpochs: u64 = 1;
/// The sizes of the storage resources to fuse by period differ.
const EIncompatibleAmount: u64 = 2;
/// The requested size is larger than the storage size.
const EInvalidSplitSize: u64 = 3;
/// The end epoch is not after the start epoch.
const EInvalidEpochRange: u64 = 4;

// === Accessors ===

/// The first epoch of the reservation.
public fun start_epoch(self: &Storage): u32 { self.start_epoch }

/// The end epoch (exclusive) of the reservation.
public fun end_epoch(self: &Storage): u32 { self.end_epoch }

/// The reserved size in encoded bytes.
public fun size(self: &Storage): u64 { self.storage_size }

/// Whether `self` covers `epoch`.
public fun covers_epoch(self: &Storage, epoch: u32): bool {
    self.start_epoch <= epoch && epoch < self.end_epoch
}

/// Whether `self` and `other` cover adjacent periods with the same size (so `fuse_periods` works).
public fun can_fuse_periods(self: &Storage, other: &Storage): bool {
    self.storage_size == other.storage_size &&
        (self.end_epoch == other.start_epoch || other.end_epoch == self.start_epoch)
}

/// Whether `self` and `other` cover the same period (so `fuse_amount` works).
public fun can_fuse_amount(self: &Storage, other: &Storage): bool {
    self.start_epoch == other.start_epoch && self.end_epoch == other.end_epoch
}

// === Split and fuse ===

/// Splits `self` at `split_epoch`: `self` keeps `[start, split_epoch)`, the returned resource gets
/// `[split_epoch, end)` with the same size.
public fun split_by_epoch(self: &mut Storage, split_epoch: u32, ctx: &mut TxContext): Storage {
    assert!(split_epoch > self.start_epoch && split_epoch < self.end_epoch, EInvalidEpoch);
    let end_epoch = self.end_epoch;
    self.end_epoch = split_epoch;
    Storage {
        id: object::new(ctx),
        start_epoch: split_epoch,
        end_epoch,
        storage_size: self.storage_size,
    }
}

/// Splits `self` by size: `self` keeps `split_size` bytes, the returned resource gets the rest,
/// for the same period.
public fun split_by_size(self: &mut Storage, split_size: u64, ctx: &mut TxContext): Storage {
    assert!(split_size <= self.storage_size, EInvalidSplitSize);
    let rest = self.storage_size - split_size;
    self.storage_size = split_size;
    Storage {
        id: object::new(ctx),
        start_epoch: self.start_epoch,
        end_epoch: self.end_epoch,
        storage_size: rest,
    }
}

/// Fuses two resources of equal size over adjacent periods (in either order) into `self`.
public fun fuse_periods(self: &mut Storage, other: Storage) {
    let Storage { id, start_epoch, end_epoch, storage_size } = other;
    id.delete();
    assert!(self.storage_size == storage_size, EIncompatibleAmount);
    if (self.end_epoch == start_epoch) {
        self.end_epoch = end_epoch;
    } else {
        assert!(self.start_epoch == end_epoch, EIncompatibleEpochs);
        self.start_epoch = start_epoch;
    }
}

/// Fuses two resources over the same period into `self`, adding their sizes.
public fun fuse_amount(self: &mut Storage, other: Storage) {
    let Storage { id, start_epoch, end_epoch, storage_size } = other;
    id.delete();
    assert!(self.start_epoch == start_epoch && self.end_epoch == end_epoch, EIncompatibleEpochs);
    self.storage_size = self.storage_size + storage_size;
}

/// Fuses `other` into `self`: by amount if the periods are equal, else by period.
public fun fuse(self: &mut Storage, other: Storage) {
    if (self.can_fuse_amount(&other)) self.fuse_amount(other) else self.fuse_periods(other)
}

/// Destroys a storage resource. Capacity is not released to the system: it stays accounted until
/// the reserved period ends.
public fun destroy(self: Storage) {
    let Storage { id, .. } = self;
    id.delete();
}

// === Package-internal ===

/// Creates a storage resource; only the system does this, after payment.
public(package) fun create_storage(
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
    ctx: &mut TxContext,
): Storage {
    assert!(end_epoch > start_epoch, EInvalidEpochRange);
    Storage { id: object::new(ctx), start_epoch, end_epoch, storage_size }
}

/// Moves the end epoch (used by paid blob extensions).
public(package) fun extend_end_epoch(self: &mut Storage, extended_epochs: u32) {
    self.end_epoch = self.end_epoch + extended_epochs;
}

#[test_only]
/// Creates a storage resource in tests without payment.
public fun create_for_test(
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
    ctx: &mut TxContext,
): Storage {
    create_storage(start_epoch, end_epoch, storage_size, ctx)
}
