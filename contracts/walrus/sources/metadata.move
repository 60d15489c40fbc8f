// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// Blob attributes: string key-value pairs attached to a `Blob` as a dynamic field (reference
/// layout: key `b"metadata"`, value `Metadata`).
module walrus::metadata;

use std::string::String;
use sui::vec_map::{Self, VecMap};

/// The attributes of a blob.
public struct Metadata has drop, store {
    metadata: VecMap<String, String>,
}

/// The key does not exist.
const EKeyNotFound: u64 = 0;

/// Creates empty attributes.
public fun new(): Metadata {
    Metadata { metadata: vec_map::empty() }
}

/// Inserts or replaces the value of `key`.
public fun insert_or_update(self: &mut Metadata, key: String, value: String) {
    if (self.metadata.contains(&key)) {
        *self.metadata.get_mut(&key) = value;
    } else {
        self.metadata.insert(key, value);
    }
}

/// Removes `key`, returning the pair; aborts if it is absent.
public fun remove(self: &mut Metadata, key: &String): (String, String) {
    assert!(self.metadata.contains(key), EKeyNotFound);
    self.metadata.remove(key)
}

/// Removes `key` if present, returning its value.
public fun remove_if_exists(self: &mut Metadata, key: &String): Option<String> {
    if (self.metadata.contains(key)) {
        let (_, value) = self.metadata.remove(key);
        option::some(value)
    } else {
        option::none()
    }
}

/// The value of `key`, if present.
public fun get(self: &Metadata, key: &String): Option<String> {
    self.metadata.try_get(key)
}

/// The number of pairs.
public fun length(self: &Metadata): u64 { self.metadata.size() }

/// All pairs.
public fun pairs(self: &Metadata): &VecMap<String, String> { &self.metadata }
