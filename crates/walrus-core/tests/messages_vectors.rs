//! Byte-exact vectors for signed messages, BLS keys and certificates (data-plane spec,
//! Appendix A.5, and the TypeScript-SDK "bls" vector of `shared/vectors/redstuff.jsonl`), plus
//! property tests: decoding arbitrary bytes never panics, and encodings round-trip.

use std::path::PathBuf;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use proptest::prelude::*;
use walrus_core::{
    ids::{BlobId, ObjectId, ShardIndex},
    keys::{BlsAggregateSignature, BlsKeyPair, BlsPrivateKey, BlsPublicKey, BlsSignature},
    messages::{
        BlobPersistenceConfirmation, BlobPersistenceType, CertificateVerificationError,
        Confirmation, ConfirmationCertificate, InvalidBlobCertificate, InvalidBlobIdAttestation,
        InvalidBlobIdMsg, ProofOfPossessionBody, ProofOfPossessionMsg, ProtocolMessageCertificate,
        SignedMessage, SignedStorageConfirmation, SliverAxis, StorageConfirmation, SyncShardMsg,
        SyncShardRequest, signers_from_bitmap, signers_to_bitmap,
    },
};

// ---------------------------------------------------------------------------------------------
// Appendix A.5 of the data-plane spec (epoch 21, blob ID = 32 x 07).
// ---------------------------------------------------------------------------------------------

const EPOCH: u32 = 21;
const SECRET_1: &str = "1100000000000000000000000000000000000000000000000000000000000001";
const PUBLIC_1: &str = "b879bcca1390cd1176276d7539a37c419b9731e458aea208148bef6e108c8daaea74247bd846be116e387ccfcf3a32da";
const SECRET_2: &str = "2200000000000000000000000000000000000000000000000000000000000002";
const PUBLIC_2: &str = "986cd439743e2cbd1f23e71bba6cd658da11dc3381008342a7b3021fe0e6802b97eb6684627ef9c4ddf2825ddf68f766";
const CONFIRMATION_SIGNATURE: &str = "a725a9a43c2e509b1c51b3e1f5278332042295a6e8840efbbc8af0f4a4d909322f151b837d183b2dddab74040d1e55541678b7a664f8e0fab631d1d0b6cceae72ef6d3661a70a0dcb336027152b3defd01f95184a7e8d68dda8a20fb71f08917";
const INVALID_BLOB_SIGNATURE: &str = "b8f1a1ea2f134ae06ead8f75ec67593e9dbcbe7fdf6ca1bc17da798a5cf7d9246c1d30dc11692b89ac98be12dfbef13414a3cd7e7f5b11453658d15c7599f251eccbeb9863abf176ce1e8234a5016d276e88db4dbe2369a80980ea60f9d2905f";
const POP_SIGNATURE: &str = "8df5e153b1cd6f341e8adf715facc6a0828b4dc4b3623d4d16c7bc2c5baf43f5c3cd154b5fbf1f32dc1748daf6f33f6501e90f8e6c70770a1c95ad2327ab368e3d5a8864bb95ef7355d15db466ee891936ab5c3c2605e2b424d17afcada48ce1";
const CERTIFICATE_SIGNATURE: &str = "810bd45a6ca304d669b3d6b978d589d7cf4a68b6ea456a764aa221531f0c189fd7ddd4858a64c1a8255929845b9e607a06a7a2f9b1663c13152d6d1d6f727c89806ae8eb03244feaacc32d77e6db0d04ced351d2f04376db567d1b7d71b0eed4";
const STORAGE_CONFIRMATION_JSON: &str = r#"{"signed":{"serializedMessage":"AQADFQAAAAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHAA==","signature":"pyWppDwuUJscUbPh9SeDMgQilabohA77vIrw9KTZCTIvFRuDfRg7Ld2rdAQNHlVUFni3pmT44Pq2MdHQtszq5y7202YacKDcszYCcVKz3v0B+VGEp+jWjdqKIPtx8IkX"}}"#;

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).expect("test vectors are valid hex")
}

fn key_pair(secret_hex: &str) -> BlsKeyPair {
    BlsKeyPair::from_secret_bytes(&unhex(secret_hex)).expect("valid secret key")
}

fn blob_id() -> BlobId {
    BlobId([7; 32])
}

fn permanent_confirmation() -> Confirmation {
    Confirmation::for_blob(EPOCH, blob_id(), BlobPersistenceType::Permanent)
}

#[test]
fn a5_message_bytes() {
    let permanent = permanent_confirmation().to_bcs();
    assert_eq!(permanent.len(), 40);
    assert_eq!(
        hex::encode(&permanent),
        format!("01000315000000{}00", "07".repeat(32))
    );

    let deletable = Confirmation::for_blob(
        EPOCH,
        blob_id(),
        BlobPersistenceType::Deletable {
            object_id: ObjectId([0x2a; 32]),
        },
    )
    .to_bcs();
    assert_eq!(deletable.len(), 72);
    assert_eq!(
        hex::encode(&deletable),
        format!("01000315000000{}01{}", "07".repeat(32), "2a".repeat(32))
    );

    let invalid = InvalidBlobIdMsg::for_blob(EPOCH, blob_id()).to_bcs();
    assert_eq!(invalid.len(), 39);
    assert_eq!(
        hex::encode(&invalid),
        format!("02000315000000{}", "07".repeat(32))
    );

    let sync = SyncShardMsg::new(
        EPOCH,
        SyncShardRequest::V1 {
            shard_index: ShardIndex(5),
            sliver_type: SliverAxis::Primary,
            starting_blob_id: BlobId([9; 32]),
            sliver_count: 100,
            epoch: EPOCH,
        },
    )
    .to_bcs();
    assert_eq!(
        hex::encode(&sync),
        format!(
            "03000315000000 00 0500 00 {} 6400000000000000 15000000",
            "09".repeat(32)
        )
        .replace(' ', "")
    );

    // Each decodes back to the same message.
    assert_eq!(
        Confirmation::from_bcs(&permanent),
        Ok(permanent_confirmation())
    );
    assert_eq!(
        Confirmation::from_bcs(&deletable).map(|m| m.to_bcs()),
        Ok(deletable)
    );
    assert_eq!(
        InvalidBlobIdMsg::from_bcs(&invalid).map(|m| m.blob_id()),
        Ok(blob_id())
    );
    assert_eq!(SyncShardMsg::from_bcs(&sync).map(|m| m.to_bcs()), Ok(sync));
}

#[test]
fn a5_keys() {
    let first = key_pair(SECRET_1);
    assert_eq!(hex::encode(first.public_key().to_bytes()), PUBLIC_1);
    assert_eq!(
        first.to_tagged_base64(),
        "BBEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB"
    );
    assert_eq!(
        BlsKeyPair::from_tagged_base64("BBEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")
            .expect("valid key file"),
        first
    );
    assert_eq!(
        hex::encode(key_pair(SECRET_2).public_key().to_bytes()),
        PUBLIC_2
    );
}

#[test]
fn a5_signed_storage_confirmation() {
    let pair = key_pair(SECRET_1);
    let message = permanent_confirmation();
    let signed = message.sign(&pair);
    assert_eq!(
        hex::encode(signed.signature.to_bytes()),
        CONFIRMATION_SIGNATURE
    );

    let bcs_bytes = signed.to_bcs();
    let mut expected = vec![0x28];
    expected.extend_from_slice(&message.to_bcs());
    expected.extend_from_slice(&unhex(CONFIRMATION_SIGNATURE));
    assert_eq!(bcs_bytes, expected);
    assert_eq!(
        SignedStorageConfirmation::from_bcs(&bcs_bytes),
        Ok(signed.clone())
    );

    let response = StorageConfirmation::Signed(signed.clone());
    assert_eq!(
        serde_json::to_string(&response).expect("serializes"),
        STORAGE_CONFIRMATION_JSON
    );
    let parsed: StorageConfirmation =
        serde_json::from_str(STORAGE_CONFIRMATION_JSON).expect("parses");
    assert_eq!(parsed, response);
    let StorageConfirmation::Signed(parsed) = parsed;
    assert_eq!(
        parsed.verify_signature_and_contents(pair.public_key(), EPOCH, message.contents()),
        Ok(message)
    );
}

#[test]
fn a5_invalid_blob_and_proof_of_possession_signatures() {
    let pair = key_pair(SECRET_1);
    let invalid = InvalidBlobIdMsg::for_blob(EPOCH, blob_id());
    assert_eq!(
        hex::encode(invalid.sign(&pair).signature.to_bytes()),
        INVALID_BLOB_SIGNATURE
    );

    let pop = ProofOfPossessionMsg::for_key(EPOCH, ObjectId([0xab; 32]), &pair);
    let pop_bytes = pop.to_bcs();
    assert_eq!(
        hex::encode(&pop_bytes),
        format!("00000315000000{}{PUBLIC_1}", "ab".repeat(32))
    );
    assert_eq!(pop_bytes.len(), 7 + 32 + 48);
    let signed = pop.sign(&pair);
    assert_eq!(hex::encode(signed.signature.to_bytes()), POP_SIGNATURE);
    let body = ProofOfPossessionBody {
        sui_address: ObjectId([0xab; 32]),
        bls_public_key: pair.public_key().clone(),
    };
    assert_eq!(
        signed.verify_signature_and_contents(pair.public_key(), EPOCH, &body),
        Ok(pop.clone())
    );
    assert_eq!(ProofOfPossessionMsg::from_bcs(&pop_bytes), Ok(pop));
}

#[test]
fn a5_confirmation_certificate() {
    let first = key_pair(SECRET_1);
    let second = key_pair(SECRET_2);
    let message = permanent_confirmation();
    let signed_first = message.sign(&first);
    let signed_second = message.sign(&second);
    let certificate =
        ConfirmationCertificate::from_signed_messages([(0, &signed_first), (3, &signed_second)])
            .expect("identical messages, distinct signers");
    let expected = format!(
        "02 0000 0300 28 {} {CERTIFICATE_SIGNATURE}",
        hex::encode(message.to_bcs())
    )
    .replace(' ', "");
    assert_eq!(hex::encode(certificate.to_bcs()), expected);
    assert_eq!(
        ConfirmationCertificate::from_bcs(&unhex(&expected)),
        Ok(certificate.clone())
    );

    // Four members with one shard each; members 1 and 2 did not sign. Two of four shards is
    // below the quorum of three, so verification fails on weight, not on the signature.
    let other = |seed: u8| {
        let mut secret = [0u8; 32];
        secret[31] = seed;
        BlsKeyPair::from_secret_bytes(&secret)
            .expect("valid")
            .public_key()
            .clone()
    };
    let committee = vec![
        (first.public_key().clone(), 1u16),
        (other(5), 1),
        (other(6), 1),
        (second.public_key().clone(), 1),
    ];
    assert_eq!(
        certificate.verify(&committee, 4, EPOCH, message.contents()),
        Err(CertificateVerificationError::QuorumNotReached {
            weight: 2,
            required: 3
        })
    );
    // With members 0 and 3 holding 3 shards each, they are a quorum: 6 of n = 8 (f = 2).
    let weighted: Vec<(BlsPublicKey, u16)> = committee
        .iter()
        .zip([3u16, 1, 1, 3])
        .map(|((key, _), weight)| (key.clone(), weight))
        .collect();
    assert_eq!(
        certificate.verify(&weighted, 8, EPOCH, message.contents()),
        Ok(message)
    );
}

// ---------------------------------------------------------------------------------------------
// The TypeScript-SDK "bls" vector (4-node committee, signers [0, 1, 3]).
// ---------------------------------------------------------------------------------------------

fn bls_vector() -> serde_json::Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/redstuff.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    text.lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("valid JSON line"))
        .find(|value| value["kind"] == "bls")
        .expect("the vectors file has a \"bls\" line")
}

fn field<'a>(value: &'a serde_json::Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("field {name} is a string"))
}

#[test]
fn sdk_bls_vector() {
    let vector = bls_vector();
    let epoch = u32::try_from(vector["epoch"].as_u64().expect("epoch")).expect("u32 epoch");
    let blob_id: BlobId = field(&vector, "blob_id").parse().expect("valid blob ID");
    assert_eq!(vector["blob_type"], serde_json::json!({"Permanent": null}));
    let message = Confirmation::for_blob(epoch, blob_id, BlobPersistenceType::Permanent);
    let message_bytes = unhex(field(&vector, "message_hex"));
    assert_eq!(message.to_bcs(), message_bytes);

    let nodes = vector["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 4);
    assert_eq!(vector["committee_size"], 4);
    let mut signed = Vec::new();
    let mut committee = Vec::new();
    for (position, node) in nodes.iter().enumerate() {
        assert_eq!(node["index"].as_u64(), u64::try_from(position).ok());
        let pair = key_pair(field(node, "secret_key_hex"));
        assert_eq!(
            hex::encode(pair.public_key().to_bytes()),
            field(node, "public_key_hex"),
            "node {position}"
        );
        let signature = message.sign(&pair);
        assert_eq!(
            hex::encode(signature.signature.to_bytes()),
            field(node, "signature_hex"),
            "node {position}"
        );
        assert_eq!(
            signature.verify_signature_and_contents(pair.public_key(), epoch, message.contents()),
            Ok(message.clone())
        );
        signed.push(signature);
        committee.push((pair.public_key().clone(), 1u16));
    }

    let signers: Vec<u16> = vector["signers"]
        .as_array()
        .expect("signers")
        .iter()
        .map(|s| u16::try_from(s.as_u64().expect("index")).expect("u16 index"))
        .collect();
    assert_eq!(signers, [0, 1, 3]);
    let bitmap = signers_to_bitmap(&signers, nodes.len()).expect("in range");
    assert_eq!(hex::encode(&bitmap), field(&vector, "signers_bitmap_hex"));
    assert_eq!(
        signers_from_bitmap(&bitmap, nodes.len()),
        Ok(signers.clone())
    );

    let aggregate = BlsAggregateSignature::aggregate(
        signers.iter().map(|&i| &signed[usize::from(i)].signature),
    )
    .expect("non-empty");
    assert_eq!(
        hex::encode(aggregate.to_bytes()),
        field(&vector, "aggregate_signature_hex")
    );

    let certificate = ConfirmationCertificate::from_signed_messages(
        signers.iter().map(|&i| (i, &signed[usize::from(i)])),
    )
    .expect("valid");
    assert_eq!(certificate.signature, aggregate);
    assert_eq!(certificate.signers_bitmap(nodes.len()), Ok(bitmap));

    // The SDK writes the signature as a length-prefixed vector (0x60 = 96) ...
    let sdk_bytes = unhex(field(&vector, "certificate_bcs_hex"));
    assert_eq!(certificate.to_sdk_bcs(), sdk_bytes);
    assert_eq!(
        ConfirmationCertificate::from_sdk_bcs(&sdk_bytes),
        Ok(certificate.clone())
    );
    // ... while the reference Rust BCS has no prefix: the same bytes minus the 0x60.
    let prefix_at = sdk_bytes.len() - 97;
    assert_eq!(sdk_bytes[prefix_at], 0x60);
    let mut rust_bytes = sdk_bytes.clone();
    rust_bytes.remove(prefix_at);
    assert_eq!(certificate.to_bcs(), rust_bytes);
    assert_eq!(
        ConfirmationCertificate::from_bcs(&rust_bytes),
        Ok(certificate.clone())
    );
    assert!(ConfirmationCertificate::from_bcs(&sdk_bytes).is_err());
    assert!(ConfirmationCertificate::from_sdk_bcs(&rust_bytes).is_err());

    // One shard per node: n = 4, quorum 3.
    assert_eq!(
        certificate.verify(&committee, 4, epoch, message.contents()),
        Ok(message.clone())
    );
    // The checks the SDK recorded: wrong message and wrong signer set are rejected.
    let mut wrong_message = certificate.clone();
    wrong_message.serialized_message =
        Confirmation::for_blob(epoch, BlobId([0; 32]), BlobPersistenceType::Permanent).to_bcs();
    assert_eq!(
        wrong_message.verify_signers_and_signature(
            &committee,
            4,
            walrus_core::messages::CertificateThreshold::Quorum
        ),
        Err(CertificateVerificationError::InvalidSignature)
    );
    let mut wrong_signers = certificate.clone();
    wrong_signers.signers = vec![0, 1, 2];
    assert_eq!(
        wrong_signers.verify(&committee, 4, epoch, message.contents()),
        Err(CertificateVerificationError::InvalidSignature)
    );
    // Two of four shards is not a quorum.
    let two = ConfirmationCertificate::from_signed_messages([(0, &signed[0]), (1, &signed[1])])
        .expect("valid");
    assert_eq!(
        two.verify(&committee, 4, epoch, message.contents()),
        Err(CertificateVerificationError::QuorumNotReached {
            weight: 2,
            required: 3
        })
    );
    // A bitmap longer than the committee is rejected.
    assert!(signers_from_bitmap(&[0x0b, 0x00], nodes.len()).is_err());
    assert!(signers_from_bitmap(&[0x1b], nodes.len()).is_err());
}

// ---------------------------------------------------------------------------------------------
// Property tests.
// ---------------------------------------------------------------------------------------------

fn fixed_pair() -> BlsKeyPair {
    key_pair(SECRET_1)
}

fn arb_blob_type() -> impl Strategy<Value = BlobPersistenceType> {
    prop_oneof![
        Just(BlobPersistenceType::Permanent),
        any::<[u8; 32]>().prop_map(|id| BlobPersistenceType::Deletable {
            object_id: ObjectId(id)
        }),
    ]
}

fn arb_axis() -> impl Strategy<Value = SliverAxis> {
    prop_oneof![Just(SliverAxis::Primary), Just(SliverAxis::Secondary)]
}

/// Arbitrary bytes, half of the time behind a valid header for one of the message types so
/// that body decoding is exercised.
fn arb_message_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        0u8..4,
        any::<u32>(),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(with_header, intent_type, epoch, tail)| {
            if !with_header {
                return tail;
            }
            let mut bytes = vec![intent_type, 0, 3];
            bytes.extend_from_slice(&epoch.to_le_bytes());
            bytes.extend_from_slice(&tail);
            bytes
        })
}

fn decode_everything(bytes: &[u8]) {
    let _ = Confirmation::from_bcs(bytes);
    let _ = InvalidBlobIdMsg::from_bcs(bytes);
    let _ = SyncShardMsg::from_bcs(bytes);
    let _ = ProofOfPossessionMsg::from_bcs(bytes);
    let _ = bcs::from_bytes::<Confirmation>(bytes);
    let _ = bcs::from_bytes::<SyncShardRequest>(bytes);
    let _ = bcs::from_bytes::<BlobPersistenceConfirmation>(bytes);
    let _ = bcs::from_bytes::<ProofOfPossessionBody>(bytes);
    let _ = bcs::from_bytes::<StorageConfirmation>(bytes);
    let _ = SignedMessage::<BlobPersistenceConfirmation>::from_bcs(bytes);
    let _ = SignedMessage::<InvalidBlobIdAttestation>::from_bcs(bytes);
    let _ = SignedMessage::<SyncShardRequest>::from_bcs(bytes);
    let _ = SignedMessage::<ProofOfPossessionBody>::from_bcs(bytes);
    let _ = ConfirmationCertificate::from_bcs(bytes);
    let _ = ConfirmationCertificate::from_sdk_bcs(bytes);
    let _ = InvalidBlobCertificate::from_bcs(bytes);
    let _ = InvalidBlobCertificate::from_sdk_bcs(bytes);
    let _ = BlsPublicKey::from_bytes(bytes);
    let _ = BlsSignature::from_bytes(bytes);
    let _ = BlsAggregateSignature::from_bytes(bytes);
    let _ = BlsPrivateKey::from_bytes(bytes);
    let _ = BlsKeyPair::from_secret_bytes(bytes);
    let _ = bcs::from_bytes::<BlsPublicKey>(bytes);
    let _ = bcs::from_bytes::<BlsSignature>(bytes);
    let _ = bcs::from_bytes::<BlsPrivateKey>(bytes);
    let _ = BlsKeyPair::from_tagged_base64(&STANDARD.encode(bytes));
    for n_members in [0usize, 1, 4, 9, 100] {
        let _ = signers_from_bitmap(bytes, n_members);
    }
    if let Ok(certificate) = ConfirmationCertificate::from_bcs(bytes) {
        let committee = vec![(fixed_pair().public_key().clone(), 4u16)];
        let _ = certificate.verify(&committee, 4, EPOCH, permanent_confirmation().contents());
        let _ = certificate.signers_bitmap(committee.len());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = serde_json::from_str::<StorageConfirmation>(text);
        let _ = serde_json::from_str::<ConfirmationCertificate>(text);
        let _ = serde_json::from_str::<BlsPublicKey>(text);
        let _ = BlsKeyPair::from_tagged_base64(text);
        let _ = text.parse::<BlsSignature>();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in arb_message_bytes()) {
        decode_everything(&bytes);
    }

    #[test]
    fn decoding_prefixed_arbitrary_bytes_never_panics(
        prefix in prop_oneof![
            Just(vec![0x28u8]),
            Just(vec![0x02u8, 0x00, 0x00, 0x03, 0x00, 0x28]),
            Just(vec![0x60u8]),
        ],
        tail in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut bytes = prefix;
        bytes.extend_from_slice(&tail);
        decode_everything(&bytes);
    }

    #[test]
    fn confirmation_round_trip(epoch in any::<u32>(), id in any::<[u8; 32]>(), blob_type in arb_blob_type()) {
        let message = Confirmation::for_blob(epoch, BlobId(id), blob_type);
        let bytes = message.to_bcs();
        prop_assert_eq!(bytes.len(), match blob_type {
            BlobPersistenceType::Permanent => 40,
            BlobPersistenceType::Deletable { .. } => 72,
        });
        prop_assert_eq!(Confirmation::from_bcs(&bytes), Ok(message.clone()));
        prop_assert_eq!(bcs::from_bytes::<Confirmation>(&bytes).ok(), Some(message));
        // The intent is enforced against every other message type.
        prop_assert!(InvalidBlobIdMsg::from_bcs(&bytes).is_err());
        prop_assert!(SyncShardMsg::from_bcs(&bytes).is_err());
        prop_assert!(ProofOfPossessionMsg::from_bcs(&bytes).is_err());
    }

    #[test]
    fn sync_shard_and_invalid_blob_round_trip(
        epoch in any::<u32>(),
        shard in any::<u16>(),
        axis in arb_axis(),
        id in any::<[u8; 32]>(),
        count in any::<u64>(),
        request_epoch in any::<u32>(),
    ) {
        let sync = SyncShardMsg::new(epoch, SyncShardRequest::V1 {
            shard_index: ShardIndex(shard),
            sliver_type: axis,
            starting_blob_id: BlobId(id),
            sliver_count: count,
            epoch: request_epoch,
        });
        let bytes = sync.to_bcs();
        prop_assert_eq!(bytes.len(), 7 + 1 + 2 + 1 + 32 + 8 + 4);
        prop_assert_eq!(SyncShardMsg::from_bcs(&bytes), Ok(sync));

        let invalid = InvalidBlobIdMsg::for_blob(epoch, BlobId(id));
        prop_assert_eq!(InvalidBlobIdMsg::from_bcs(&invalid.to_bcs()), Ok(invalid));
    }

    #[test]
    fn signed_message_and_certificate_round_trip(
        message in proptest::collection::vec(any::<u8>(), 0..300),
        signers in proptest::collection::vec(any::<u16>(), 0..20),
    ) {
        let pair = fixed_pair();
        let signed = SignedMessage::<BlobPersistenceConfirmation>::new(
            message.clone(),
            pair.sign(&message),
        );
        let bytes = signed.to_bcs();
        prop_assert_eq!(SignedMessage::from_bcs(&bytes), Ok(signed.clone()));
        let json = serde_json::to_string(&signed).expect("serializes");
        prop_assert_eq!(
            serde_json::from_str::<SignedMessage<BlobPersistenceConfirmation>>(&json).ok(),
            Some(signed.clone())
        );

        let certificate = ProtocolMessageCertificate::<InvalidBlobIdAttestation>::new(
            signers,
            message,
            signed.signature.clone().into(),
        );
        let bytes = certificate.to_bcs();
        prop_assert_eq!(InvalidBlobCertificate::from_bcs(&bytes), Ok(certificate.clone()));
        let sdk = certificate.to_sdk_bcs();
        prop_assert_eq!(sdk.len(), bytes.len() + 1);
        prop_assert_eq!(InvalidBlobCertificate::from_sdk_bcs(&sdk), Ok(certificate.clone()));
        let json = serde_json::to_string(&certificate).expect("serializes");
        prop_assert_eq!(
            serde_json::from_str::<InvalidBlobCertificate>(&json).ok(),
            Some(certificate)
        );
    }

    #[test]
    fn bitmap_round_trip(members in proptest::collection::btree_set(0u16..300, 0..50), extra in 0usize..20) {
        let signers: Vec<u16> = members.into_iter().collect();
        let n_members = signers.last().map_or(0, |&last| usize::from(last) + 1) + extra;
        let bitmap = signers_to_bitmap(&signers, n_members).expect("in range");
        prop_assert_eq!(bitmap.len(), n_members.div_ceil(8));
        prop_assert_eq!(signers_from_bitmap(&bitmap, n_members), Ok(signers));
        let mut longer = bitmap;
        longer.push(0);
        prop_assert!(signers_from_bitmap(&longer, n_members).is_err());
    }
}
