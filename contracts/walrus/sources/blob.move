// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// `Blob`: the on-chain handle of a stored blob. It embeds the `Storage` that pays for it.
///
/// The field layout is the reference's, so existing Walrus tools can read it. Mutations go through
/// `walrus::system`, which holds the epoch and committee; the read-only accessors here are public
/// so third-party contracts can inspect a blob they are handed (use
/// `system::is_blob_available(&System, &Blob)` for a liveness check at the current epoch).
module walrus::blob;

use std::string::String;
use sui::bcs;
use sui::dynamic_field;
use sui::hash;
use walrus::encoding;
use walrus::events;
use walrus::messages::CertifiedBlobMessage;
use walrus::metadata::{Self, Metadata};
use walrus::storage_resource::Storage;

/// A registered (and possibly certified) blob.
public struct Blob has key, store {
    id: UID,
    registered_epoch: u32,
    blob_id: u256,
    size: u64,
    encoding_type: u8,
    // Stores the epoch of first certification, or none if the blob is not certified.
    certified_epoch: Option<u32>,
    storage: Storage,
    // Deletable blobs can be deleted by their owner before they expire.
    deletable: bool,
}

/// The BCS input of the blob ID hash.
public struct BlobIdDerivation has drop {
    encoding_type: u8,
    size: u64,
    root_hash: u256,
}

/// The key of the attributes dynamic field (reference: the bytes `b"metadata"`).
const METADATA_DF: vector<u8> = b"metadata";

/// The blob is not certified.
const ENotCertified: u64 = 0;
/// The blob is not deletable.
const EBlobNotDeletable: u64 = 1;
/// The storage does not cover the current epoch, or the blob has expired.
const EResourceBounds: u64 = 2;
/// The storage is smaller than the encoded blob.
const EResourceSize: u64 = 3;
/// The blob is already certified.
const EAlreadyCertified: u64 = 5;
/// The blob ID does not match the root hash, encoding and size, or the certificate's blob ID.
const EInvalidBlobId: u64 = 6;
/// The blob already has attributes.
const EDuplicateMetadata: u64 = 7;
/// The blob has no attributes.
const EMissingMetadata: u64 = 8;
/// The certificate's persistence type differs from the blob's.
const EInvalidBlobPersistenceType: u64 = 9;
/// The deletable-blob certificate names another object.
const EInvalidBlobObject: u64 = 10;
/// The extension does not end after the blob.
const EInvalidExtension: u64 = 11;

// === Accessors (public, read-only) ===

/// The object ID of the blob.
public fun object_id(self: &Blob): ID { self.id.to_inner() }

/// The epoch in which the blob was registered.
public fun registered_epoch(self: &Blob): u32 { self.registered_epoch }

/// The blob ID.
public fun blob_id(self: &Blob): u256 { self.blob_id }

/// The unencoded size in bytes.
public fun size(self: &Blob): u64 { self.size }

/// The encoding type.
public fun encoding_type(self: &Blob): u8 { self.encoding_type }

/// The epoch of first certification, if certified.
public fun certified_epoch(self: &Blob): &Option<u32> { &self.certified_epoch }

/// Whether the blob is certified.
public fun is_certified(self: &Blob): bool { self.certified_epoch.is_some() }

/// The embedded storage resource.
public fun storage(self: &Blob): &Storage { &self.storage }

/// Whether the blob is deletable.
public fun is_deletable(self: &Blob): bool { self.deletable }

/// The end epoch (exclusive) of the blob's lifetime.
public fun end_epoch(self: &Blob): u32 { self.storage.end_epoch() }

/// The encoded size for `n_shards` shards.
public fun encoded_size(self: &Blob, n_shards: u16): u64 {
    encoding::encoded_blob_length(self.size, self.encoding_type, n_shards)
}

/// Whether the blob is certified and not expired at `epoch`. Pass the current Walrus epoch (or use
/// `system::is_blob_available`).
public fun is_available_at(self: &Blob, epoch: u32): bool {
    self.is_certified() && epoch < self.end_epoch()
}

/// Whether the blob has expired at `epoch`.
public fun is_expired_at(self: &Blob, epoch: u32): bool { epoch >= self.end_epoch() }

/// Computes a blob ID: blake2b-256 of the BCS of `(encoding_type, size, root_hash)`, read as a
/// little-endian `u256`.
public fun derive_blob_id(root_hash: u256, encoding_type: u8, size: u64): u256 {
    let serialized = bcs::to_bytes(&BlobIdDerivation { encoding_type, size, root_hash });
    let digest = hash::blake2b256(&serialized);
    bcs::new(digest).peel_u256()
}

// === Attributes ===

/// Whether the blob has attributes.
public fun has_metadata(self: &Blob): bool {
    dynamic_field::exists_with_type<vector<u8>, Metadata>(&self.id, METADATA_DF)
}

/// The value of the attribute `key`, if any (read-only; usable by other packages).
public fun attribute(self: &Blob, key: &String): Option<String> {
    if (!self.has_metadata()) return option::none();
    let metadata: &Metadata = dynamic_field::borrow(&self.id, METADATA_DF);
    metadata.get(key)
}

/// The attributes; aborts if there are none.
public fun metadata(self: &Blob): &Metadata {
    assert!(self.has_metadata(), EMissingMetadata);
    dynamic_field::borrow(&self.id, METADATA_DF)
}

/// Attaches attributes; aborts if the blob already has some.
public fun add_metadata(self: &mut Blob, metadata: Metadata) {
    assert!(!self.has_metadata(), EDuplicateMetadata);
    dynamic_field::add(&mut self.id, METADATA_DF, metadata);
}

/// Attaches attributes, returning the previous ones if any.
public fun add_or_replace_metadata(self: &mut Blob, metadata: Metadata): Option<Metadata> {
    let old = if (self.has_metadata()) option::some(self.take_metadata()) else option::none();
    self.add_metadata(metadata);
    old
}

/// Removes and returns the attributes; aborts if there are none.
public fun take_metadata(self: &mut Blob): Metadata {
    assert!(self.has_metadata(), EMissingMetadata);
    dynamic_field::remove(&mut self.id, METADATA_DF)
}

/// Sets the attribute `key` to `value`, creating the attributes if needed.
public fun insert_or_update_metadata_pair(self: &mut Blob, key: String, value: String) {
    if (!self.has_metadata()) self.add_metadata(metadata::new());
    self.metadata_mut().insert_or_update(key, value);
}

/// Removes the attribute `key`; aborts if there are no attributes or no such key.
public fun remove_metadata_pair(self: &mut Blob, key: &String): (String, String) {
    self.metadata_mut().remove(key)
}

/// Removes the attribute `key` if present, returning its value.
public fun remove_metadata_pair_if_exists(self: &mut Blob, key: &String): Option<String> {
    if (!self.has_metadata()) return option::none();
    self.metadata_mut().remove_if_exists(key)
}

fun metadata_mut(self: &mut Blob): &mut Metadata {
    assert!(self.has_metadata(), EMissingMetadata);
    dynamic_field::borrow_mut(&mut self.id, METADATA_DF)
}

// === Lifecycle ===

/// Destroys a blob and its storage. Anyone holding the object may do this at any time; the nodes
/// keep a certified blob until its end epoch regardless, and capacity is not released.
public fun burn(self: Blob) {
    let Blob { mut id, storage, .. } = self;
    if (dynamic_field::exists_with_type<vector<u8>, Metadata>(&id, METADATA_DF)) {
        let _: Metadata = dynamic_field::remove(&mut id, METADATA_DF);
    };
    id.delete();
    storage.destroy();
}

/// Registers a new blob in `registered_epoch` (the current epoch) with `storage`. Emits
/// `BlobRegistered`.
public(package) fun new(
    storage: Storage,
    blob_id: u256,
    root_hash: u256,
    size: u64,
    encoding_type: u8,
    deletable: bool,
    registered_epoch: u32,
    n_shards: u16,
    ctx: &mut TxContext,
): Blob {
    assert!(storage.covers_epoch(registered_epoch), EResourceBounds);
    let encoded_size = encoding::encoded_blob_length(size, encoding_type, n_shards);
    assert!(encoded_size <= storage.size(), EResourceSize);
    assert!(derive_blob_id(root_hash, encoding_type, size) == blob_id, EInvalidBlobId);

    let blob = Blob {
        id: object::new(ctx),
        registered_epoch,
        blob_id,
        size,
        encoding_type,
        certified_epoch: option::none(),
        storage,
        deletable,
    };
    events::emit_blob_registered(
        registered_epoch,
        blob_id,
        size,
        encoding_type,
        blob.end_epoch(),
        deletable,
        blob.object_id(),
    );
    blob
}

/// Certifies the blob with a checked certificate of the current epoch. Emits `BlobCertified`.
public(package) fun certify_with_certified_msg(
    self: &mut Blob,
    current_epoch: u32,
    message: CertifiedBlobMessage,
) {
    assert!(message.certified_blob_id() == self.blob_id, EInvalidBlobId);
    assert!(current_epoch < self.end_epoch(), EResourceBounds);
    assert!(!self.is_certified(), EAlreadyCertified);
    let persistence = message.blob_persistence_type();
    assert!(persistence.is_deletable() == self.deletable, EInvalidBlobPersistenceType);
    if (self.deletable) {
        assert!(persistence.object_id() == self.object_id(), EInvalidBlobObject);
    };
    self.certified_epoch = option::some(current_epoch);
    self.emit_certified(false);
}

/// Deletes a deletable, unexpired blob and returns its storage. Emits `BlobDeleted`.
public(package) fun delete(self: Blob, current_epoch: u32): Storage {
    assert!(self.deletable, EBlobNotDeletable);
    assert!(current_epoch < self.end_epoch(), EResourceBounds);
    let was_certified = self.is_certified();
    let end_epoch = self.end_epoch();
    let object_id = self.object_id();
    let blob_id = self.blob_id;
    let Blob { mut id, storage, .. } = self;
    if (dynamic_field::exists_with_type<vector<u8>, Metadata>(&id, METADATA_DF)) {
        let _: Metadata = dynamic_field::remove(&mut id, METADATA_DF);
    };
    id.delete();
    events::emit_blob_deleted(current_epoch, blob_id, end_epoch, object_id, was_certified);
    storage
}

/// Extends a certified, unexpired blob with a `Storage` of the same size that starts where the
/// blob ends. Emits `BlobCertified { is_extension: true }`.
public(package) fun extend_with_resource(self: &mut Blob, extension: Storage, current_epoch: u32) {
    assert!(self.is_certified(), ENotCertified);
    assert!(current_epoch < self.end_epoch(), EResourceBounds);
    assert!(extension.end_epoch() > self.end_epoch(), EInvalidExtension);
    self.storage.fuse_periods(extension);
    self.emit_certified(true);
}

/// Checks that the blob can be extended at `current_epoch` (paid extension).
public(package) fun assert_can_extend(self: &Blob, current_epoch: u32) {
    assert!(self.is_certified(), ENotCertified);
    assert!(current_epoch < self.end_epoch(), EResourceBounds);
}

/// Moves the end epoch after a paid extension. Emits `BlobCertified { is_extension: true }`.
public(package) fun extend_end_epoch(self: &mut Blob, extended_epochs: u32) {
    self.storage.extend_end_epoch(extended_epochs);
    self.emit_certified(true);
}

/// Emits `BlobCertified` with the original certification epoch.
fun emit_certified(self: &Blob, is_extension: bool) {
    events::emit_blob_certified(
        *self.certified_epoch.borrow(),
        self.blob_id,
        self.end_epoch(),
        self.deletable,
        self.object_id(),
        is_extension,
    );
}

#[test_only]
/// Creates a blob without going through the system (no payment).
public fun new_for_test(
    storage: Storage,
    blob_id: u256,
    root_hash: u256,
    size: u64,
    encoding_type: u8,
    deletable: bool,
    registered_epoch: u32,
    n_shards: u16,
    ctx: &mut TxContext,
): Blob {
    new(
        storage,
        blob_id,
        root_hash,
        size,
        encoding_type,
        deletable,
        registered_epoch,
        n_shards,
        ctx,
    )
}

#[test_only]
/// Certifies a blob without a signature.
public fun certify_for_test(self: &mut Blob, current_epoch: u32, message: CertifiedBlobMessage) {
    self.certify_with_certified_msg(current_epoch, message)
}
