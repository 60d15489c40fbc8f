//! Time and bytes moved to recover one lost shard: an embedded devnet and `--nodes` storage nodes
//! (in process, REST APIs on loopback ports) over `--shards` shards. `--blobs` blobs of
//! `--blob-size` bytes are registered and uploaded to every node, except that node 0 never gets
//! the slivers of one of its shards (the lost shard). The blobs are then certified with the
//! confirmations of the other nodes, and node 0's recovery worker rebuilds the lost shard's
//! slivers from recovery symbols of the committee.
//!
//! ```text
//! cargo run --release -p walrus-node --example shard_recovery_bench -- \
//!     [--nodes 4] [--shards 40] [--blob-size BYTES] [--blobs K] [--json]
//! ```
//!
//! Reported: the time from the first certification to the last rebuilt sliver (it includes the
//! certification transactions and the node's event processing), the bytes node 0 received for
//! recovery (symbol data, and whole responses with their Merkle proofs, from the node's metrics),
//! set against the size of the lost shard's slivers and of the blobs. Every rebuilt sliver is
//! read back over the API and compared with the encoder's.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use walrus_core::ShardIndex;
use walrus_core::encoding::EncodedBlob;

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Network, blob_bytes, encode, funded_client, register, wait_registered};

struct Args {
    nodes: usize,
    shards: u16,
    blob_size: usize,
    blobs: usize,
    json: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        nodes: 4,
        shards: 40,
        blob_size: 4 << 20,
        blobs: 4,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--nodes" => args.nodes = value("--nodes")?.parse()?,
            "--shards" => args.shards = value("--shards")?.parse()?,
            "--blob-size" => args.blob_size = value("--blob-size")?.parse()?,
            "--blobs" => args.blobs = value("--blobs")?.parse()?,
            "--json" => args.json = true,
            other => anyhow::bail!(
                "unknown argument {other}; usage: shard_recovery_bench [--nodes N] [--shards S] \
                 [--blob-size BYTES] [--blobs K] [--json]"
            ),
        }
    }
    anyhow::ensure!(
        args.nodes >= 4,
        "--nodes must be at least 4 (node 0 loses a shard)"
    );
    anyhow::ensure!(args.blobs > 0, "--blobs must be at least 1");
    Ok(args)
}

/// Uploads the metadata and the slivers of `shards` of node `i`.
async fn upload_shards(
    network: &Network,
    i: usize,
    encoded: &EncodedBlob,
    shards: &[ShardIndex],
) -> anyhow::Result<()> {
    let client = network.client(i);
    let blob_id = encoded.blob_id();
    client
        .put_metadata(blob_id, encoded.metadata.metadata())
        .await?;
    for pair in common::pairs_on(encoded, network.genesis.n_shards, shards) {
        let sliver_pair = &encoded.sliver_pairs[pair.as_usize()];
        client
            .put_sliver_primary(blob_id, pair, &sliver_pair.primary)
            .await?;
        client
            .put_sliver_secondary(blob_id, pair, &sliver_pair.secondary)
            .await?;
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    // Epochs far longer than the run keep the committee fixed.
    let network = Network::start_with_epoch_duration(args.nodes, args.shards, 3_600_000).await;
    let user = funded_client(&network.devnet, 0x42).await;
    let victim_shards = network.shards_of(0);
    let lost = *victim_shards.first().context("node 0 owns no shard")?;
    let kept: Vec<ShardIndex> = victim_shards
        .iter()
        .copied()
        .filter(|s| *s != lost)
        .collect();

    let mut encoded = Vec::new();
    let mut blobs = Vec::new();
    for k in 0..args.blobs {
        let seed = u8::try_from(k % 251).unwrap_or(0);
        let blob = encode(args.shards, &blob_bytes(args.blob_size, seed));
        let object = register(&user, &blob, false, 5).await;
        for i in 0..args.nodes {
            wait_registered(&network, i, blob.blob_id()).await;
        }
        for i in 1..args.nodes {
            upload_shards(&network, i, &blob, &network.shards_of(i)).await?;
        }
        upload_shards(&network, 0, &blob, &kept).await?;
        encoded.push(blob);
        blobs.push(object);
    }

    let node = network.node(0).node().clone();
    let symbol_bytes_before = node.metrics.recovery_symbol_bytes.get();
    let response_bytes_before = node.metrics.recovery_response_bytes.get();
    let signers: Vec<usize> = (1..args.nodes).collect();
    let start = Instant::now();
    for blob in &blobs {
        common::certify(&network, &user, blob, &signers).await;
    }
    let certified = start.elapsed();
    let deadline = Instant::now() + Duration::from_secs(600);
    for blob in &encoded {
        while !node.missing_slivers(blob.blob_id())?.is_empty() {
            anyhow::ensure!(
                Instant::now() < deadline,
                "node 0 did not recover the lost shard"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let recovered = start.elapsed();
    let symbol_bytes = node.metrics.recovery_symbol_bytes.get() - symbol_bytes_before;
    let response_bytes = node.metrics.recovery_response_bytes.get() - response_bytes_before;

    // The rebuilt slivers are the encoder's, and their size is the lost shard's size.
    let client = network.client(0);
    let mut shard_bytes = 0usize;
    for blob in &encoded {
        let pair = lost.to_pair_index(args.shards, blob.blob_id());
        let expected = &blob.sliver_pairs[pair.as_usize()];
        let primary = client.get_sliver_primary(blob.blob_id(), pair).await?;
        let secondary = client.get_sliver_secondary(blob.blob_id(), pair).await?;
        anyhow::ensure!(
            primary == expected.primary && secondary == expected.secondary,
            "a rebuilt sliver differs from the encoder's"
        );
        shard_bytes += bcs::serialized_size(&expected.primary)?;
        shard_bytes += bcs::serialized_size(&expected.secondary)?;
    }
    network.shutdown().await;

    let total_blob_bytes = args.blob_size * args.blobs;
    let secs = recovered.as_secs_f64();
    let result = serde_json::json!({
        "benchmark": "node_shard_recovery",
        "nodes": args.nodes,
        "shards": args.shards,
        "blobs": args.blobs,
        "blob_size": args.blob_size,
        "lost_shard_bytes": shard_bytes,
        "certify_seconds": certified.as_secs_f64(),
        "recovery_seconds": secs,
        "recovery_symbol_bytes": symbol_bytes,
        "recovery_response_bytes": response_bytes,
        "response_bytes_per_shard_byte": response_bytes as f64 / shard_bytes as f64,
        "response_bytes_per_blob_byte": response_bytes as f64 / total_blob_bytes as f64,
    });
    if args.json {
        println!("{result}");
    } else {
        println!(
            "lost shard {lost} of node 0: {} blobs of {} bytes, {shard_bytes} bytes of slivers",
            args.blobs, args.blob_size
        );
        println!(
            "recovered in {secs:.2} s after the first certification (certifying took {:.2} s)",
            certified.as_secs_f64()
        );
        println!(
            "received {symbol_bytes} bytes of symbols, {response_bytes} bytes with proofs: \
             {:.2}x the lost slivers, {:.4}x the blobs",
            response_bytes as f64 / shard_bytes as f64,
            response_bytes as f64 / total_blob_bytes as f64,
        );
    }
    Ok(())
}
