//! Storage-node benchmark: sliver PUT and GET throughput of one node over HTTP on 127.0.0.1, and
//! the rate at which the node processes chain events while catching up with a devnet.
//!
//! ```text
//! cargo run --release -p walrus-node --example node_bench -- \
//!     [--shards N] [--blob-size BYTES] [--blobs K] [--events E] [--concurrency C] [--json]
//! ```
//!
//! One devnet (in process) and one storage node (in process, its REST API on a loopback port)
//! holding all `N` shards. Before the node starts, `E` filler blobs and the `K` benchmark blobs
//! are registered on chain by 16 wallets in parallel; the node then starts from an empty store
//! and the time until it has applied the last registration gives the event-processing rate (it
//! includes the node's start-up). Then the metadata and all `2N` slivers of every benchmark blob
//! are uploaded with `C` requests in flight (each sliver is verified against the metadata by the
//! node and written to its store), and read back the same way. Throughput counts the BCS bytes
//! of the slivers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::{StreamExt as _, TryStreamExt as _};
use walrus_core::encoding::{
    EncodedBlob, EncodingConfig, Primary, Secondary, encode_with_metadata,
};
use walrus_core::{BlobId, SliverPairIndex};
use walrus_devnet::genesis::{BalanceConfig, FROST_PER_WAL, MIST_PER_SUI};
use walrus_devnet::natives::blob::derive_blob_id;
use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle};
use walrus_node_api::NodeClient;
use walrus_sui::client::{BlobRegistration, WalrusSuiClient};
use walrus_sui::move_types::U256;
use walrus_sui::wallet::Wallet;

const WALLETS: usize = 16;

struct Args {
    shards: u16,
    blob_size: usize,
    blobs: usize,
    events: usize,
    concurrency: usize,
    json: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        shards: 100,
        blob_size: 4 << 20,
        blobs: 8,
        events: 1_000,
        concurrency: 32,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--shards" => args.shards = value("--shards")?.parse()?,
            "--blob-size" => args.blob_size = value("--blob-size")?.parse()?,
            "--blobs" => args.blobs = value("--blobs")?.parse()?,
            "--events" => args.events = value("--events")?.parse()?,
            "--concurrency" => args.concurrency = value("--concurrency")?.parse()?,
            "--json" => args.json = true,
            other => anyhow::bail!(
                "unknown argument {other}; usage: node_bench [--shards N] [--blob-size BYTES] \
                 [--blobs K] [--events E] [--concurrency C] [--json]"
            ),
        }
    }
    anyhow::ensure!(args.blobs > 0, "--blobs must be at least 1");
    anyhow::ensure!(args.concurrency > 0, "--concurrency must be at least 1");
    Ok(args)
}

fn wallet(i: usize) -> Wallet {
    let mut seed = [0x6e; 32];
    seed[..8].copy_from_slice(&u64::try_from(i).unwrap_or(u64::MAX).to_le_bytes());
    Wallet::from_seed(seed)
}

/// A registration of a blob nobody uploads: a consistent blob ID over an arbitrary root hash.
fn filler(wallet: usize, index: usize) -> BlobRegistration {
    let mut root = [0xf1u8; 32];
    root[..8].copy_from_slice(&u64::try_from(wallet).unwrap_or(0).to_le_bytes());
    root[8..16].copy_from_slice(&u64::try_from(index).unwrap_or(0).to_le_bytes());
    let size = 1_024;
    BlobRegistration {
        blob_id: derive_blob_id(BlobId(root), 1, size),
        root_hash: U256(root),
        size,
        encoding_type: 1,
        deletable: false,
    }
}

fn registration(encoded: &EncodedBlob) -> BlobRegistration {
    BlobRegistration::from_metadata(&encoded.metadata, false)
}

fn content(len: usize, seed: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ u64::try_from(seed).unwrap_or(0);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// Registers the fillers and the benchmark blobs with `WALLETS` wallets in parallel.
async fn register_all(
    devnet: &DevnetHandle,
    events: usize,
    blobs: &[BlobRegistration],
) -> anyhow::Result<()> {
    let mut config = devnet.sui_config();
    config.execution_timeout_secs = 120;
    let mut tasks = Vec::new();
    for w in 0..WALLETS {
        let client = WalrusSuiClient::new(config.clone())?.with_wallet(wallet(w));
        let mut mine: Vec<BlobRegistration> = (0..events)
            .filter(|k| k % WALLETS == w)
            .map(|k| filler(w, k))
            .collect();
        mine.extend(blobs.iter().skip(w).step_by(WALLETS).cloned());
        tasks.push(tokio::spawn(async move {
            for registration in &mine {
                client.reserve_and_register_blob(5, registration).await?;
            }
            Ok::<_, walrus_sui::client::ChainError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let dir = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let devnet_config = DevnetConfig {
        n_shards: args.shards,
        heartbeat_ms: 200,
        nodes: vec![walrus_devnet::NodeConfig {
            name: "bench-node".to_owned(),
            network_address: address.to_string(),
            ..walrus_devnet::NodeConfig::default()
        }],
        balances: (0..WALLETS)
            .map(|i| BalanceConfig {
                address: wallet(i).address(),
                sui: 1_000 * MIST_PER_SUI,
                wal: 100_000 * FROST_PER_WAL,
            })
            .collect(),
        ..DevnetConfig::default()
    };
    let devnet = Devnet::start(devnet_config, &dir.path().join("devnet")).await?;

    let encoding = EncodingConfig::new(args.shards)?;
    let encoded: Vec<EncodedBlob> = (0..args.blobs)
        .map(|i| encode_with_metadata(&encoding, &content(args.blob_size, i)))
        .collect::<Result<_, _>>()?;
    let registrations: Vec<BlobRegistration> = encoded.iter().map(registration).collect();
    let registered = Instant::now();
    register_all(&devnet, args.events, &registrations).await?;
    let register_secs = registered.elapsed().as_secs_f64();
    let checkpoints = devnet.latest_checkpoint().await;

    // Catch-up: a fresh node applies every checkpoint since genesis.
    let genesis = devnet.genesis().clone();
    let info = genesis.nodes.first().context("genesis has no node")?;
    let config = walrus_node::NodeConfig::for_local(
        info.name.clone(),
        &info.bls_key_pair().context("node protocol key")?,
        &Wallet::new(info.operator.key().context("node operator key")?),
        info.node_id,
        info.cap_id,
        devnet.sui_config(),
        dir.path().join("node"),
        address,
    );
    let started = Instant::now();
    let node = walrus_node::start_with_listener(config, listener).await?;
    let last_filler = (0..WALLETS)
        .filter(|w| *w < args.events)
        .map(|w| filler(w, w + WALLETS * ((args.events - 1 - w) / WALLETS)));
    let last: Vec<BlobId> = last_filler
        .map(|r| r.blob_id)
        .chain(registrations.iter().map(|r| r.blob_id))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(600);
    for blob_id in &last {
        while !matches!(node.node().blob_info(blob_id), Ok(Some(_))) {
            anyhow::ensure!(
                Instant::now() < deadline,
                "the node did not catch up in 600 s"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let catch_up_secs = started.elapsed().as_secs_f64();
    let events = args.events + args.blobs;

    // Upload: metadata first (one request per blob), then every sliver with C in flight.
    let client = Arc::new(NodeClient::new(&format!("http://{address}"))?);
    for blob in &encoded {
        client
            .put_metadata(blob.blob_id(), blob.metadata.metadata())
            .await?;
    }
    let sliver_bytes: usize = encoded
        .iter()
        .flat_map(|blob| &blob.sliver_pairs)
        .map(|pair| {
            bcs::serialized_size(&pair.primary).unwrap_or(0)
                + bcs::serialized_size(&pair.secondary).unwrap_or(0)
        })
        .sum();
    let n_requests = 2 * usize::from(args.shards) * args.blobs;
    let jobs = || {
        encoded
            .iter()
            .flat_map(|blob| (0..args.shards).map(move |i| (blob, SliverPairIndex(i))))
    };
    let put_start = Instant::now();
    futures::stream::iter(jobs())
        .map(|(blob, pair)| {
            let client = Arc::clone(&client);
            async move {
                let sliver_pair = &blob.sliver_pairs[pair.as_usize()];
                client
                    .put_sliver_primary(blob.blob_id(), pair, &sliver_pair.primary)
                    .await?;
                client
                    .put_sliver_secondary(blob.blob_id(), pair, &sliver_pair.secondary)
                    .await?;
                Ok::<_, walrus_node_api::NodeApiError>(())
            }
        })
        .buffer_unordered(args.concurrency / 2 + 1)
        .try_collect::<Vec<()>>()
        .await?;
    let put_secs = put_start.elapsed().as_secs_f64();

    let get_start = Instant::now();
    let same = futures::stream::iter(jobs())
        .map(|(blob, pair)| {
            let client = Arc::clone(&client);
            async move {
                let primary = client.get_sliver::<Primary>(blob.blob_id(), pair).await?;
                let secondary = client.get_sliver::<Secondary>(blob.blob_id(), pair).await?;
                let expected = &blob.sliver_pairs[pair.as_usize()];
                Ok::<_, walrus_node_api::NodeApiError>(
                    primary == expected.primary && secondary == expected.secondary,
                )
            }
        })
        .buffer_unordered(args.concurrency / 2 + 1)
        .try_collect::<Vec<bool>>()
        .await?;
    anyhow::ensure!(
        same.iter().all(|same| *same),
        "a sliver read back differs from the one stored"
    );
    let get_secs = get_start.elapsed().as_secs_f64();

    node.shutdown().await;
    devnet.shutdown().await;

    let mib = sliver_bytes as f64 / f64::from(1 << 20);
    let result = serde_json::json!({
        "benchmark": "storage_node",
        "shards": args.shards,
        "blob_size": args.blob_size,
        "blobs": args.blobs,
        "concurrency": args.concurrency,
        "registrations": events,
        "register_seconds": register_secs,
        "checkpoints": checkpoints,
        "catch_up_seconds": catch_up_secs,
        "events_per_s": events as f64 / catch_up_secs,
        "checkpoints_per_s": checkpoints as f64 / catch_up_secs,
        "sliver_requests": n_requests,
        "sliver_mib": mib,
        "put_seconds": put_secs,
        "put_mib_per_s": mib / put_secs,
        "put_requests_per_s": n_requests as f64 / put_secs,
        "get_seconds": get_secs,
        "get_mib_per_s": mib / get_secs,
        "get_requests_per_s": n_requests as f64 / get_secs,
    });
    if args.json {
        println!("{result}");
    } else {
        println!(
            "catch-up: {events} registrations in {checkpoints} checkpoints applied in {catch_up_secs:.2} s \
             ({:.0} events/s, {:.0} checkpoints/s)",
            events as f64 / catch_up_secs,
            checkpoints as f64 / catch_up_secs
        );
        println!(
            "PUT: {n_requests} slivers, {mib:.1} MiB in {put_secs:.2} s: {:.1} MiB/s, {:.0} req/s",
            mib / put_secs,
            n_requests as f64 / put_secs
        );
        println!(
            "GET: {n_requests} slivers, {mib:.1} MiB in {get_secs:.2} s: {:.1} MiB/s, {:.0} req/s",
            mib / get_secs,
            n_requests as f64 / get_secs
        );
    }
    Ok(())
}
