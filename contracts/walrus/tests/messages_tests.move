// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::messages_tests;

use std::unit_test::assert_eq;
use walrus::messages;
use walrus::test_utils;

#[test]
fun permanent_blob_certificate_parses() {
    let message = test_utils::blob_cert_message(7, 0xABCD);
    let certified = messages::certified_message_for_test(message, 7, 10);
    assert_eq!(certified.intent_type(), messages::blob_cert_msg_type());
    assert_eq!(certified.cert_epoch(), 7);
    assert_eq!(certified.stake_support(), 10);
    let blob = certified.certify_blob_message();
    assert_eq!(blob.certified_blob_id(), 0xABCD);
    assert_eq!(blob.certified_epoch(), 7);
    assert!(!blob.blob_persistence_type().is_deletable());
}

#[test]
fun deletable_blob_certificate_parses() {
    let object_id = test_utils::node_id(42);
    let message = test_utils::deletable_blob_cert_message(3, 99, object_id);
    let blob = messages::certified_message_for_test(message, 3, 1).certify_blob_message();
    let persistence = blob.blob_persistence_type();
    assert!(persistence.is_deletable());
    assert_eq!(persistence.object_id(), object_id);
}

#[test]
fun invalid_blob_id_parses() {
    let message = test_utils::invalid_blob_id_message(2, 1234);
    let invalid = messages::certified_message_for_test(message, 2, 1).invalid_blob_id_message();
    assert_eq!(invalid.invalid_blob_id(), 1234);
    assert_eq!(invalid.invalid_epoch(), 2);
}

#[test]
fun proof_of_possession_layout() {
    let key = vector::tabulate!(48, |i| i as u8);
    let bytes = messages::proof_of_possession_bytes(5, @0x1, key);
    // [0, 0, 3] + epoch (4) + address (32) + key (48), no length prefix.
    assert_eq!(bytes.length(), 87);
    assert_eq!(bytes[0], 0);
    assert_eq!(bytes[2], 3);
    assert_eq!(bytes[3], 5);
    assert_eq!(bytes[39], 0);
    assert_eq!(bytes[86], 47);
}

#[test, expected_failure(abort_code = messages::EIncorrectEpoch)]
fun wrong_epoch_fails() {
    messages::certified_message_for_test(test_utils::blob_cert_message(7, 1), 8, 1);
}

#[test, expected_failure(abort_code = messages::EIncorrectAppId)]
fun wrong_app_id_fails() {
    let mut message = test_utils::blob_cert_message(7, 1);
    *&mut message[2] = 4;
    messages::certified_message_for_test(message, 7, 1);
}

#[test, expected_failure(abort_code = messages::EIncorrectIntentVersion)]
fun wrong_intent_version_fails() {
    let mut message = test_utils::blob_cert_message(7, 1);
    *&mut message[1] = 1;
    messages::certified_message_for_test(message, 7, 1);
}

#[test, expected_failure(abort_code = messages::EInvalidMsgType)]
fun wrong_intent_type_fails() {
    let message = test_utils::invalid_blob_id_message(7, 1);
    messages::certified_message_for_test(message, 7, 1).certify_blob_message();
}

#[test, expected_failure(abort_code = messages::EInvalidBlobPersistenceType)]
fun unknown_persistence_tag_fails() {
    let mut message = test_utils::blob_cert_message(7, 1);
    message.pop_back();
    message.push_back(2);
    messages::certified_message_for_test(message, 7, 1).certify_blob_message();
}

#[test, expected_failure(abort_code = messages::EMessageTooShort)]
fun deletable_certificate_without_object_id_fails() {
    let mut message = test_utils::blob_cert_message(7, 1);
    message.pop_back();
    message.push_back(1);
    messages::certified_message_for_test(message, 7, 1).certify_blob_message();
}

#[test, expected_failure(abort_code = messages::EMessageTooShort)]
fun short_message_fails() {
    messages::certified_message_for_test(vector[1, 0, 3], 0, 1);
}

#[test, expected_failure(abort_code = messages::EInvalidKeyLength)]
fun short_pop_key_fails() {
    messages::proof_of_possession_bytes(0, @0x1, vector[1, 2, 3]);
}

#[test, expected_failure(abort_code = messages::ENotDeletable)]
fun permanent_has_no_object_id() {
    let message = test_utils::blob_cert_message(7, 1);
    let blob = messages::certified_message_for_test(message, 7, 1).certify_blob_message();
    blob.blob_persistence_type().object_id();
}
