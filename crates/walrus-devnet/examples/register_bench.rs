//! Throughput of `register_blob` PTBs (reserve + register in one transaction) submitted
//! concurrently through `WalrusSuiClient` by many wallets against a devnet persisted on disk,
//! and of the checkpoint stream a subscriber receives meanwhile.
//!
//! ```text
//! cargo run --release -p walrus-devnet --example register_bench -- [--wallets N] [--txs K] [--json]
//! ```
//!
//! Every wallet is funded at genesis and registers `K` blobs one after the other (a client
//! serializes its own transactions); the `N` wallets run in parallel. A subscriber counts the
//! checkpoints and transactions it receives during the run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::StreamExt;
use sui_rpc::field::{FieldMask, FieldMaskUtil};
use sui_rpc::proto::sui::rpc::v2 as proto;
use walrus_core::BlobId;
use walrus_devnet::genesis::{BalanceConfig, FROST_PER_WAL, MIST_PER_SUI};
use walrus_devnet::natives::blob::derive_blob_id;
use walrus_devnet::{Devnet, DevnetConfig};
use walrus_sui::client::{BlobRegistration, WalrusSuiClient};
use walrus_sui::move_types::U256;
use walrus_sui::wallet::Wallet;

struct Args {
    wallets: usize,
    txs: usize,
    json: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        wallets: 64,
        txs: 40,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--wallets" => args.wallets = it.next().context("--wallets N")?.parse()?,
            "--txs" => args.txs = it.next().context("--txs K")?.parse()?,
            "--json" => args.json = true,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    anyhow::ensure!(
        args.wallets > 0 && args.txs > 0,
        "need at least one transaction"
    );
    Ok(args)
}

fn seed(i: usize) -> [u8; 32] {
    let mut seed = [0x5e; 32];
    seed[..8].copy_from_slice(&u64::try_from(i).unwrap_or(u64::MAX).to_le_bytes());
    seed
}

fn registration(wallet: usize, index: usize) -> BlobRegistration {
    let mut root = [0u8; 32];
    root[..8].copy_from_slice(&u64::try_from(wallet).unwrap_or(0).to_le_bytes());
    root[8..16].copy_from_slice(&u64::try_from(index).unwrap_or(0).to_le_bytes());
    let size = 1_024;
    let blob_id = derive_blob_id(BlobId(root), 1, size);
    BlobRegistration {
        blob_id,
        root_hash: U256(root),
        size,
        encoding_type: 1,
        deletable: false,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let dir = tempfile::tempdir()?;
    let wallets: Vec<Wallet> = (0..args.wallets)
        .map(|i| Wallet::from_seed(seed(i)))
        .collect();
    let config = DevnetConfig {
        heartbeat_ms: 1_000,
        balances: wallets
            .iter()
            .map(|w| BalanceConfig {
                address: w.address(),
                sui: 1_000 * MIST_PER_SUI,
                wal: 1_000 * FROST_PER_WAL,
            })
            .collect(),
        ..DevnetConfig::default()
    };
    let devnet = Devnet::start(config, dir.path()).await?;
    let mut client_config = devnet.sui_config();
    client_config.execution_timeout_secs = 120;

    // The subscriber: counts checkpoints and transactions while the load runs.
    let checkpoints = Arc::new(AtomicU64::new(0));
    let transactions = Arc::new(AtomicU64::new(0));
    let mut rpc = sui_rpc::Client::new(devnet.grpc_url())?;
    let mut request = proto::SubscribeCheckpointsRequest::default();
    request.read_mask = Some(FieldMask::from_paths([
        "sequence_number",
        "transactions.digest",
    ]));
    let mut stream = rpc
        .subscription_client()
        .subscribe_checkpoints(request)
        .await?
        .into_inner();
    let first = stream.next().await.context("stream ended")??;
    let first_seq = first.cursor.context("no cursor")?;
    let subscriber = {
        let checkpoints = checkpoints.clone();
        let transactions = transactions.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                checkpoints.fetch_add(1, Ordering::Relaxed);
                let n = frame.checkpoint.map_or(0, |c| c.transactions.len());
                transactions.fetch_add(u64::try_from(n).unwrap_or(0), Ordering::Relaxed);
            }
        })
    };

    let clients: Vec<WalrusSuiClient> = wallets
        .into_iter()
        .map(|w| WalrusSuiClient::new(client_config.clone()).map(|c| c.with_wallet(w)))
        .collect::<Result<_, _>>()?;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (i, client) in clients.into_iter().enumerate() {
        let txs = args.txs;
        tasks.push(tokio::spawn(async move {
            for k in 0..txs {
                client
                    .reserve_and_register_blob(3, &registration(i, k))
                    .await?;
            }
            Ok::<_, walrus_sui::client::ChainError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = start.elapsed();
    // Let the subscriber drain the last checkpoints.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stream_elapsed = start.elapsed();
    let received_checkpoints = checkpoints.load(Ordering::Relaxed);
    let received_transactions = transactions.load(Ordering::Relaxed);
    let last_seq = devnet.latest_checkpoint().await;
    devnet.shutdown().await;
    subscriber.abort();

    let total = args.wallets * args.txs;
    let secs = elapsed.as_secs_f64();
    let stream_secs = stream_elapsed.as_secs_f64();
    let result = serde_json::json!({
        "benchmark": "devnet_register_blob",
        "wallets": args.wallets,
        "transactions": total,
        "seconds": secs,
        "register_tx_per_s": total as f64 / secs,
        "checkpoints_sealed": last_seq - first_seq,
        "stream_checkpoints": received_checkpoints,
        "stream_transactions": received_transactions,
        "stream_checkpoints_per_s": received_checkpoints as f64 / stream_secs,
        "stream_tx_per_s": received_transactions as f64 / stream_secs,
    });
    if args.json {
        println!("{result}");
    } else {
        println!(
            "{total} register transactions from {} wallets in {secs:.2} s: {:.0} tx/s",
            args.wallets,
            total as f64 / secs
        );
        println!(
            "subscriber: {received_checkpoints} checkpoints ({:.0}/s), {received_transactions} transactions ({:.0}/s)",
            received_checkpoints as f64 / stream_secs,
            received_transactions as f64 / stream_secs
        );
    }
    Ok(())
}
