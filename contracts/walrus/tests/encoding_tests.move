// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::encoding_tests;

use std::unit_test::assert_eq;
use walrus::encoding;

#[test]
fun encoded_length_vectors() {
    // n = 10: f = 3, 4 primary and 7 secondary symbols, symbol size 2.
    assert_eq!(encoding::encoded_blob_length(1, encoding::rs2(), 10), 6_940);
    assert_eq!(encoding::encoded_blob_length(0, encoding::rs2(), 10), 6_940);
    // n = 1000: 1 byte encodes to 66,034,000 bytes.
    assert_eq!(encoding::encoded_blob_length(1, encoding::rs2(), 1000), 66_034_000);
}

#[test]
fun symbol_size_rounds_up_to_even() {
    // 4 * 7 = 28 symbols: 29 bytes need 2-byte symbols, 57 bytes need 4-byte ones (3 rounded up).
    assert_eq!(encoding::encoded_blob_length(29, encoding::rs2(), 10), 6_940);
    assert_eq!(encoding::encoded_blob_length(57, encoding::rs2(), 10), 10 * (11 * 4 + 640 + 32));
}

#[test, expected_failure(abort_code = encoding::EInvalidEncodingType)]
fun unknown_encoding_fails() {
    encoding::encoded_blob_length(1, 0, 10);
}

#[test, expected_failure(abort_code = encoding::EBlobTooLarge)]
fun too_large_blob_fails() {
    // 28 symbols of at most 65,534 bytes each.
    encoding::encoded_blob_length(28 * 65_535 + 1, encoding::rs2(), 10);
}

#[test, expected_failure(abort_code = encoding::EZeroShards)]
fun zero_shards_fails() {
    encoding::encoded_blob_length(1, encoding::rs2(), 0);
}
