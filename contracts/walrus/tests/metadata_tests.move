// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::metadata_tests;

use std::unit_test::assert_eq;
use walrus::metadata;

#[test]
fun insert_update_remove() {
    let mut metadata = metadata::new();
    metadata.insert_or_update(b"a".to_string(), b"1".to_string());
    metadata.insert_or_update(b"a".to_string(), b"2".to_string());
    metadata.insert_or_update(b"b".to_string(), b"3".to_string());
    assert_eq!(metadata.length(), 2);
    assert_eq!(metadata.get(&b"a".to_string()), option::some(b"2".to_string()));
    let (key, value) = metadata.remove(&b"b".to_string());
    assert_eq!(key, b"b".to_string());
    assert_eq!(value, b"3".to_string());
    assert!(metadata.remove_if_exists(&b"b".to_string()).is_none());
    assert_eq!(metadata.pairs().size(), 1);
}
