// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// Signed messages that the chain checks: the intent header, certified blob messages,
/// invalid-blob-ID messages and proofs of possession.
///
/// Header: `intent_type: u8`, `intent_version: u8 = 0`, `app_id: u8 = 3`, `epoch: u32` (LE),
/// followed by the body without a length prefix.
module walrus::messages;

use sui::bcs;

/// Intent type of a proof of possession.
const PROOF_OF_POSSESSION_MSG_TYPE: u8 = 0;
/// Intent type of a blob certification.
const BLOB_CERT_MSG_TYPE: u8 = 1;
/// Intent type of an invalid-blob-ID attestation.
const INVALID_BLOB_ID_MSG_TYPE: u8 = 2;
/// The only intent version.
const INTENT_VERSION: u8 = 0;
/// The Walrus application ID.
const APP_ID: u8 = 3;
/// Length of a compressed BLS12-381 G1 public key.
const BLS_KEY_LEN: u64 = 48;

/// The application ID in the header is not Walrus's.
const EIncorrectAppId: u64 = 0;
/// The epoch in the header is not the committee's epoch.
const EIncorrectEpoch: u64 = 1;
/// The intent type is not the one the operation needs.
const EInvalidMsgType: u64 = 2;
/// The intent version is not supported.
const EIncorrectIntentVersion: u64 = 3;
/// The blob persistence type tag is neither permanent (0) nor deletable (1).
const EInvalidBlobPersistenceType: u64 = 4;
/// The persistence type is not deletable, so it has no object ID.
const ENotDeletable: u64 = 5;
/// The public key does not have 48 bytes.
const EInvalidKeyLength: u64 = 6;
/// The message is shorter than its header or body.
const EMessageTooShort: u64 = 7;

/// A message whose signature was checked against a committee with `stake_support` shards.
public struct CertifiedMessage has drop {
    intent_type: u8,
    intent_version: u8,
    cert_epoch: u32,
    stake_support: u16,
    message: vector<u8>,
}

/// Whether a certified blob is permanent or deletable (bound to one `Blob` object).
public enum BlobPersistenceType has copy, drop, store {
    Permanent,
    Deletable { object_id: ID },
}

/// Body of a blob certification.
public struct CertifiedBlobMessage has drop {
    epoch: u32,
    blob_id: u256,
    blob_persistence_type: BlobPersistenceType,
}

/// Body of an invalid-blob-ID attestation.
public struct CertifiedInvalidBlobId has drop {
    epoch: u32,
    blob_id: u256,
}

/// The signed content of a proof of possession, in BCS order.
public struct ProofOfPossessionMessage has drop {
    intent_type: u8,
    intent_version: u8,
    intent_app: u8,
    epoch: u32,
    sui_address: address,
    bls_public_key: vector<u8>,
}

/// Parses the header of `message` and checks it against `committee_epoch`.
public(package) fun new_certified_message(
    message: vector<u8>,
    committee_epoch: u32,
    stake_support: u16,
): CertifiedMessage {
    assert!(message.length() >= 7, EMessageTooShort);
    let mut reader = bcs::new(message);
    let intent_type = reader.peel_u8();
    let intent_version = reader.peel_u8();
    assert!(intent_version == INTENT_VERSION, EIncorrectIntentVersion);
    let intent_app = reader.peel_u8();
    assert!(intent_app == APP_ID, EIncorrectAppId);
    let cert_epoch = reader.peel_u32();
    assert!(cert_epoch == committee_epoch, EIncorrectEpoch);
    CertifiedMessage {
        intent_type,
        intent_version,
        cert_epoch,
        stake_support,
        message: reader.into_remainder_bytes(),
    }
}

/// Reads a blob-certification body.
public(package) fun certify_blob_message(message: CertifiedMessage): CertifiedBlobMessage {
    assert!(message.intent_type == BLOB_CERT_MSG_TYPE, EInvalidMsgType);
    let CertifiedMessage { cert_epoch, message, .. } = message;
    let length = message.length();
    assert!(length >= 33, EMessageTooShort);
    let mut reader = bcs::new(message);
    let blob_id = reader.peel_u256();
    let tag = reader.peel_u8();
    let blob_persistence_type = if (tag == 0) {
        BlobPersistenceType::Permanent
    } else {
        assert!(tag == 1, EInvalidBlobPersistenceType);
        // A deletable certificate carries the 32-byte object ID after the tag.
        assert!(length >= 65, EMessageTooShort);
        BlobPersistenceType::Deletable { object_id: object::id_from_address(reader.peel_address()) }
    };
    // Trailing bytes are tolerated on purpose, as in the reference.
    CertifiedBlobMessage { epoch: cert_epoch, blob_id, blob_persistence_type }
}

/// Reads an invalid-blob-ID body.
public(package) fun invalid_blob_id_message(message: CertifiedMessage): CertifiedInvalidBlobId {
    assert!(message.intent_type == INVALID_BLOB_ID_MSG_TYPE, EInvalidMsgType);
    let CertifiedMessage { cert_epoch, message, .. } = message;
    assert!(message.length() >= 32, EMessageTooShort);
    let blob_id = bcs::new(message).peel_u256();
    CertifiedInvalidBlobId { epoch: cert_epoch, blob_id }
}

/// The BCS bytes a node signs to prove possession of `bls_public_key` for `sui_address` at
/// `epoch`: `[0, 0, 3]`, the epoch, the 32-byte address, then the raw 48 key bytes.
public fun proof_of_possession_bytes(
    epoch: u32,
    sui_address: address,
    bls_public_key: vector<u8>,
): vector<u8> {
    assert!(bls_public_key.length() == BLS_KEY_LEN, EInvalidKeyLength);
    let mut bytes = bcs::to_bytes(
        &ProofOfPossessionMessage {
            intent_type: PROOF_OF_POSSESSION_MSG_TYPE,
            intent_version: INTENT_VERSION,
            intent_app: APP_ID,
            epoch,
            sui_address,
            bls_public_key: vector[],
        },
    );
    // The key is appended raw: drop the empty vector's length byte and add the 48 bytes.
    bytes.pop_back();
    bytes.append(bls_public_key);
    bytes
}

// === Accessors ===

/// The intent type.
public fun intent_type(self: &CertifiedMessage): u8 { self.intent_type }

/// The intent version.
public fun intent_version(self: &CertifiedMessage): u8 { self.intent_version }

/// The epoch the message was signed for.
public fun cert_epoch(self: &CertifiedMessage): u32 { self.cert_epoch }

/// The shard weight that signed.
public fun stake_support(self: &CertifiedMessage): u16 { self.stake_support }

/// The body bytes.
public fun message(self: &CertifiedMessage): &vector<u8> { &self.message }

/// The certified blob ID.
public fun certified_blob_id(self: &CertifiedBlobMessage): u256 { self.blob_id }

/// The epoch of the certificate.
public fun certified_epoch(self: &CertifiedBlobMessage): u32 { self.epoch }

/// The persistence type of the certified blob.
public fun blob_persistence_type(self: &CertifiedBlobMessage): BlobPersistenceType {
    self.blob_persistence_type
}

/// Whether the persistence type is deletable.
public fun is_deletable(self: &BlobPersistenceType): bool {
    match (self) {
        BlobPersistenceType::Permanent => false,
        BlobPersistenceType::Deletable { .. } => true,
    }
}

/// The object ID of a deletable persistence type.
public fun object_id(self: &BlobPersistenceType): ID {
    match (self) {
        BlobPersistenceType::Deletable { object_id } => *object_id,
        BlobPersistenceType::Permanent => abort ENotDeletable,
    }
}

/// The invalid blob ID.
public fun invalid_blob_id(self: &CertifiedInvalidBlobId): u256 { self.blob_id }

/// The epoch of the invalid-blob-ID certificate.
public fun invalid_epoch(self: &CertifiedInvalidBlobId): u32 { self.epoch }

/// The blob-certification intent type.
public fun blob_cert_msg_type(): u8 { BLOB_CERT_MSG_TYPE }

/// The invalid-blob-ID intent type.
public fun invalid_blob_id_msg_type(): u8 { INVALID_BLOB_ID_MSG_TYPE }

#[test_only]
/// Builds the header for a message of `intent_type` at `epoch`.
public fun header_for_test(intent_type: u8, epoch: u32): vector<u8> {
    let mut bytes = vector[intent_type, INTENT_VERSION, APP_ID];
    bytes.append(bcs::to_bytes(&epoch));
    bytes
}

#[test_only]
/// A certified message without signature checks.
public fun certified_message_for_test(
    message: vector<u8>,
    committee_epoch: u32,
    stake_support: u16,
): CertifiedMessage {
    new_certified_message(message, committee_epoch, stake_support)
}
