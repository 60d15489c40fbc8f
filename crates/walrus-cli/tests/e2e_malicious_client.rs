//! End to end over real processes: a malicious client uploads an inconsistent encoding.
//!
//! The test is the client. It encodes a blob honestly, tampers with one secondary sliver
//! (column) and recomputes that column's hash in the metadata, so the metadata commits to the
//! tampered column and every sliver still verifies on its own, but the column disagrees with the
//! rows. Through the SDK's lower-level store steps (`register_encoded`, `upload_to_node`,
//! `upload_metadata_to_node`, `certificate_from_nodes`) and the client wallet of the network's
//! client config it registers the blob, uploads the metadata to every node and the slivers to
//! all but the node holding the tampered column, collects confirmations from the others (they
//! hold 15 of 20 shards, `n - f` = 14) and certifies the blob.
//!
//! The withheld node must then recover its slivers (`node/src/recovery.rs`): rebuilding the
//! tampered column from the honest rows yields a sliver that does not match the metadata, so it
//! collects invalid-blob attestations and invalidates the blob ID on chain. The test checks
//! that `walrus blob-status` reports the blob invalid, that `walrus read` fails with one error
//! line saying so, and that an honest blob stored before still reads.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::time::Duration;

use serde_json::Value;
use walrus_core::{
    BlobId, SliverPairIndex,
    encoding::{EncodedBlob, EncodingConfig, encode_with_metadata},
    messages::BlobPersistenceType,
    metadata::{BlobMetadata, BlobMetadataWithId},
};
use walrus_e2e::{LocalNetwork, NetworkConfig, pattern, sha256, wait_until};
use walrus_sdk::{ClientConfig, NoProgress, StoreOptions, WalrusClient};

/// The column (secondary sliver index) the malicious client tampers with.
const BAD_COLUMN: u16 = 2;
/// Bounds the wait for the invalidation (recovery, attestations, one chain call).
const INVALID_TIMEOUT: Duration = Duration::from_secs(120);

fn diagnostics(network: &LocalNetwork) -> String {
    let mut text = format!("--- walrus local stderr:\n{}", network.stderr_tail(20));
    for i in 0..4 {
        text.push_str(&format!(
            "\n--- node-{i} log:\n{}",
            network.log_tail(&format!("node-{i}"), 15)
        ));
    }
    text
}

fn with_logs<T>(network: &LocalNetwork, result: walrus_e2e::Result<T>) -> T {
    result.unwrap_or_else(|error| panic!("{error}\n{}", diagnostics(network)))
}

/// An honest encoding of `data` with secondary sliver `column` tampered with, and metadata
/// (with its blob ID) recomputed over the tampered sliver.
fn inconsistent_encoding(n_shards: u16, data: &[u8], column: u16) -> EncodedBlob {
    let config = EncodingConfig::new(n_shards).unwrap();
    let mut encoded = encode_with_metadata(&config, data).unwrap();
    // Pair `i` holds secondary sliver `n - 1 - i`.
    let pair = usize::from(n_shards - 1 - column);
    let sliver = &mut encoded.sliver_pairs[pair].secondary;
    assert_eq!(sliver.index().get(), column);
    sliver.symbols_mut().data_mut()[0] ^= 0xff;
    let root = sliver.merkle_root(&config).unwrap();
    let honest = encoded.metadata.metadata();
    let mut hashes = honest.hashes().to_vec();
    hashes[pair].secondary_hash = root;
    let metadata = BlobMetadata::new(honest.encoding_type(), honest.unencoded_length(), hashes);
    let blob_id = metadata.compute_blob_id();
    encoded.metadata = BlobMetadataWithId { blob_id, metadata }
        .verify(n_shards)
        .expect("the tampered metadata is well formed");
    for pair in &encoded.sliver_pairs {
        pair.primary.verify(&encoded.metadata).unwrap();
        pair.secondary.verify(&encoded.metadata).unwrap();
    }
    encoded
}

/// Registers, uploads (withholding every sliver of the node that holds the tampered column),
/// and certifies the inconsistent blob; returns its blob ID and the withheld node's name.
async fn malicious_store(network: &LocalNetwork, data: &[u8]) -> (BlobId, String) {
    let config = ClientConfig::load(network.client_config()).unwrap();
    let client = WalrusClient::from_config(config).unwrap();
    let committee = client.committee().await.unwrap();
    let n_shards = committee.n_shards;
    let encoded = inconsistent_encoding(n_shards, data, BAD_COLUMN);
    let blob_id = *encoded.blob_id();
    let bad_pair = SliverPairIndex(n_shards - 1 - BAD_COLUMN);
    let victim = committee
        .member_of_shard(bad_pair.to_shard_index(n_shards, &blob_id))
        .unwrap();

    let (blob, _) = client
        .register_encoded(&encoded, &StoreOptions::permanent(2))
        .await
        .unwrap();
    let mut others = Vec::new();
    for member in committee.members.iter().filter(|m| m.weight > 0) {
        if member.node_id == victim.node_id {
            client
                .upload_metadata_to_node(member, &encoded)
                .await
                .unwrap();
        } else {
            client
                .upload_to_node(member, &encoded, &NoProgress)
                .await
                .unwrap();
            others.push(member);
        }
    }
    let certificate = client
        .certificate_from_nodes(&committee, &others, blob_id, BlobPersistenceType::Permanent)
        .await
        .unwrap();
    client
        .sui()
        .certify_blob(blob.object_ref.id, &certificate)
        .await
        .unwrap();
    (blob_id, victim.name.clone())
}

fn status_kind(status: &Value) -> String {
    match &status["status"]["status"] {
        Value::String(kind) => kind.clone(),
        Value::Object(map) => map.keys().next().cloned().unwrap_or_default(),
        other => panic!("unexpected status {other} in {status}"),
    }
}

#[test]
fn inconsistent_upload_is_invalidated_and_reads_say_so() {
    let network =
        LocalNetwork::start(env!("CARGO_BIN_EXE_walrus"), &NetworkConfig::default()).unwrap();

    // An honest blob first.
    let honest = pattern(120_000, 11);
    let honest_path = network.scratch().join("honest.bin");
    std::fs::write(&honest_path, &honest).unwrap();
    let stored = with_logs(
        &network,
        network.json(&["store", honest_path.to_str().unwrap()]),
    );
    let honest_id = stored["blobId"].as_str().unwrap().to_owned();

    // The malicious client.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (blob_id, victim) = runtime.block_on(malicious_store(&network, &pattern(50_000, 12)));
    let blob_id = blob_id.to_string();
    eprintln!("certified inconsistent blob {blob_id}; withheld slivers from {victim}");

    // The withheld node recovers, finds the inconsistency and invalidates the blob on chain.
    let mut last = Value::Null;
    with_logs(
        &network,
        wait_until(
            &format!("blob {blob_id} to be invalidated"),
            INVALID_TIMEOUT,
            || {
                last = network.json(&["blob-status", &blob_id])?;
                Ok(status_kind(&last) == "invalid")
            },
        ),
    );
    eprintln!("blob-status: {last}");

    // A read fails with one line that says why.
    let read = network.walrus(&["read", &blob_id]).unwrap();
    let line = read
        .error_line()
        .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics(&network)));
    assert!(line.contains("invalid"), "the error says invalid: {line}");
    assert!(line.contains(&blob_id), "the error names the blob: {line}");
    eprintln!("read of the invalid blob: {line}");

    // The honest blob is unaffected.
    let read = with_logs(
        &network,
        network
            .walrus(&["read", &honest_id])
            .and_then(walrus_e2e::CliOutput::success),
    );
    assert_eq!(sha256(&read.stdout), sha256(&honest), "honest blob differs");

    network.stop().unwrap();
}
