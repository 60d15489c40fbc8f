// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// Storage node identity: the `StorageNodeInfo` kept in the node's staking pool and the
/// `StorageNodeCap` that authorizes the node's operations.
module walrus::storage_node;

use std::string::String;
use sui::bls12381::{Self, G1};
use sui::group_ops::Element;

/// The public information of a storage node.
public struct StorageNodeInfo has store {
    name: String,
    node_id: ID,
    network_address: String,
    public_key: Element<G1>,
    network_public_key: vector<u8>,
}

/// The capability of a storage node operator: votes, parameters, commission, `epoch_sync_done`.
public struct StorageNodeCap has key, store {
    id: UID,
    node_id: ID,
    last_epoch_sync_done: u32,
}

/// Maximum length of a node name in bytes.
const MAX_NODE_NAME_LENGTH: u64 = 100;
/// Maximum length of a network address in bytes.
const MAX_NETWORK_ADDRESS_LENGTH: u64 = 259;
/// Length of a network (TLS) public key.
const NETWORK_PUBLIC_KEY_LENGTH: u64 = 33;
/// Length of a compressed BLS public key.
const BLS_PUBLIC_KEY_LENGTH: u64 = 48;

/// The network public key does not have 33 bytes.
const EInvalidNetworkPublicKey: u64 = 0;
/// The name is longer than 100 bytes.
const EInvalidNameLength: u64 = 1;
/// The network address is longer than 259 bytes.
const EInvalidNetworkAddressLength: u64 = 2;
/// The BLS public key does not have 48 bytes.
const EInvalidPublicKeyLength: u64 = 3;

/// Creates node information; `public_key` is a compressed G1 point (aborts if invalid).
public(package) fun new(
    name: String,
    node_id: ID,
    network_address: String,
    public_key: vector<u8>,
    network_public_key: vector<u8>,
): StorageNodeInfo {
    assert_name(&name);
    assert_network_address(&network_address);
    assert_network_public_key(&network_public_key);
    assert!(public_key.length() == BLS_PUBLIC_KEY_LENGTH, EInvalidPublicKeyLength);
    StorageNodeInfo {
        name,
        node_id,
        network_address,
        public_key: bls12381::g1_from_bytes(&public_key),
        network_public_key,
    }
}

/// Creates the capability for `node_id`.
public(package) fun new_cap(node_id: ID, ctx: &mut TxContext): StorageNodeCap {
    StorageNodeCap { id: object::new(ctx), node_id, last_epoch_sync_done: 0 }
}

// === Accessors ===

/// The node name.
public fun name(self: &StorageNodeInfo): &String { &self.name }

/// The node ID.
public fun id(self: &StorageNodeInfo): ID { self.node_id }

/// The network address.
public fun network_address(self: &StorageNodeInfo): &String { &self.network_address }

/// The BLS public key.
public fun public_key(self: &StorageNodeInfo): &Element<G1> { &self.public_key }

/// The network public key.
public fun network_public_key(self: &StorageNodeInfo): &vector<u8> { &self.network_public_key }

/// The node ID the capability controls.
public fun node_id(cap: &StorageNodeCap): ID { cap.node_id }

/// The last epoch for which the node reported `epoch_sync_done`.
public fun last_epoch_sync_done(cap: &StorageNodeCap): u32 { cap.last_epoch_sync_done }

// === Setters (package) ===

public(package) fun set_name(self: &mut StorageNodeInfo, name: String) {
    assert_name(&name);
    self.name = name;
}

public(package) fun set_network_address(self: &mut StorageNodeInfo, network_address: String) {
    assert_network_address(&network_address);
    self.network_address = network_address;
}

public(package) fun set_network_public_key(self: &mut StorageNodeInfo, key: vector<u8>) {
    assert_network_public_key(&key);
    self.network_public_key = key;
}

public(package) fun set_last_epoch_sync_done(cap: &mut StorageNodeCap, epoch: u32) {
    cap.last_epoch_sync_done = epoch;
}

fun assert_name(name: &String) {
    assert!(name.length() <= MAX_NODE_NAME_LENGTH, EInvalidNameLength);
}

fun assert_network_address(address: &String) {
    assert!(address.length() <= MAX_NETWORK_ADDRESS_LENGTH, EInvalidNetworkAddressLength);
}

fun assert_network_public_key(key: &vector<u8>) {
    assert!(key.length() == NETWORK_PUBLIC_KEY_LENGTH, EInvalidNetworkPublicKey);
}

#[test_only]
/// Destroys a capability in tests.
public fun destroy_cap_for_test(cap: StorageNodeCap) {
    let StorageNodeCap { id, .. } = cap;
    id.delete();
}
