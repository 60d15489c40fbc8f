//! The `walrus-node` binary: `keygen`, `run --config`, and a node killed with SIGKILL in the
//! middle of an upload restarts and serves every sliver it confirmed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use common::*;
use walrus_core::encoding::Axis;
use walrus_node_api::{NodeClient, StoredOnNodeStatus};

const N_SHARDS: u16 = 10;

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_walrus-node")
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_node(config_path: &std::path::Path) -> KillOnDrop {
    KillOnDrop(
        Command::new(binary())
            .args(["run", "--config"])
            .arg(config_path)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    )
}

async fn wait_healthy(client: &NodeClient) {
    wait_for("the node to serve", 60, || async {
        client.health().await.is_ok()
    })
    .await;
}

#[test]
fn keygen_writes_keys_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("keys");
    let status = Command::new(binary())
        .args(["keygen", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let key = std::fs::read_to_string(out.join("protocol.key")).unwrap();
    walrus_core::BlsKeyPair::from_tagged_base64(key.trim()).unwrap();
    walrus_sui::wallet::Keystore::load(out.join("operator.keystore")).unwrap();
    let again = Command::new(binary())
        .args(["keygen", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn run_rejects_an_invalid_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.yaml");
    std::fs::write(&path, "storage_path: x\n").unwrap();
    let output = Command::new(binary())
        .args(["run", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("error:"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_upload_keeps_confirmed_slivers() {
    let mut network = Network::start(4, N_SHARDS).await;
    // Run node 3 as a process instead of in-process.
    network.stop(3).await;
    let config_path = network.dir.path().join("node-3.yaml");
    network.configs[3].save(&config_path).unwrap();
    let client = network.client(3);
    let mut process = spawn_node(&config_path);
    wait_healthy(&client).await;

    let user = funded_client(&network.devnet, 41).await;
    let blobs: Vec<_> = (0..3u8)
        .map(|seed| {
            encode(
                N_SHARDS,
                &blob_bytes(20_000 + usize::from(seed) * 1000, seed),
            )
        })
        .collect();
    for encoded in &blobs {
        register(&user, encoded, false, 3).await;
    }
    for encoded in &blobs {
        wait_registered(&network, 3, encoded.blob_id()).await;
    }
    // Fully upload and confirm the first two blobs.
    for encoded in &blobs[..2] {
        upload(&network, 3, encoded).await;
        client
            .get_permanent_confirmation(encoded.blob_id())
            .await
            .unwrap();
    }
    // Start uploading the third and kill the node in the middle.
    let third = &blobs[2];
    client
        .put_metadata(third.blob_id(), third.metadata.metadata())
        .await
        .unwrap();
    let pairs = pairs_on(third, N_SHARDS, &network.shards_of(3));
    client
        .put_sliver_primary(
            third.blob_id(),
            pairs[0],
            &third.sliver_pairs[pairs[0].as_usize()].primary,
        )
        .await
        .unwrap();
    process.0.kill().unwrap();
    process.0.wait().unwrap();

    let _process = spawn_node(&config_path);
    wait_healthy(&client).await;
    for encoded in &blobs[..2] {
        for pair in pairs_on(encoded, N_SHARDS, &network.shards_of(3)) {
            assert_eq!(
                &client
                    .get_sliver_primary(encoded.blob_id(), pair)
                    .await
                    .unwrap(),
                &encoded.sliver_pairs[pair.as_usize()].primary
            );
            assert_eq!(
                &client
                    .get_sliver_secondary(encoded.blob_id(), pair)
                    .await
                    .unwrap(),
                &encoded.sliver_pairs[pair.as_usize()].secondary
            );
        }
        client
            .get_permanent_confirmation(encoded.blob_id())
            .await
            .unwrap();
    }
    // The interrupted upload resumes where it stopped.
    assert_eq!(
        client
            .sliver_status(third.blob_id(), pairs[0], Axis::Primary)
            .await
            .unwrap(),
        StoredOnNodeStatus::Stored
    );
    upload(&network, 3, third).await;
    client
        .get_permanent_confirmation(third.blob_id())
        .await
        .unwrap();
    // The metrics endpoint is off in local configs; the REST API answered throughout.
    let _ = tokio::time::timeout(Duration::from_secs(30), network.shutdown()).await;
}
