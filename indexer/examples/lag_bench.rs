//! Lag behind the chain head under a steady write load: a devnet in this process, an indexer
//! following it over gRPC into the chosen backend, and `--wallets` clients submitting
//! reserve+register PTBs at a steady total `--rate` for `--seconds`.
//!
//! ```text
//! cargo run --release -p walrus-indexer --example lag_bench -- \
//!     [--rate 200] [--seconds 30] [--wallets 32] [--backend sqlite|fjall|postgres] \
//!     [--postgres-url URL] [--json]
//! ```
//!
//! Two lags are reported:
//! - in checkpoints: the chain tip minus the indexer's committed cursor, sampled every 50 ms;
//! - in time: for each checkpoint with Walrus events, the wall-clock time at which the indexer
//!   published it (after the store commit) minus the checkpoint's timestamp (set by the devnet
//!   when it sealed the checkpoint, same clock).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use walrus_core::BlobId;
use walrus_devnet::genesis::{BalanceConfig, FROST_PER_WAL, MIST_PER_SUI};
use walrus_devnet::natives::blob::derive_blob_id;
use walrus_devnet::{Devnet, DevnetConfig};
use walrus_indexer::store::open_url;
use walrus_indexer::{Indexer, IndexerConfig, Store, SuiContext};
use walrus_sui::client::{BlobRegistration, WalrusSuiClient};
use walrus_sui::move_types::U256;
use walrus_sui::wallet::Wallet;

struct Options {
    rate: f64,
    seconds: u64,
    wallets: usize,
    backend: String,
    postgres_url: Option<String>,
    json: bool,
}

fn parse_options() -> anyhow::Result<Options> {
    let mut options = Options {
        rate: 200.0,
        seconds: 30,
        wallets: 32,
        backend: "sqlite".into(),
        postgres_url: std::env::var("WALRUS_TEST_POSTGRES_URL").ok(),
        json: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--rate" => options.rate = value()?.parse()?,
            "--seconds" => options.seconds = value()?.parse()?,
            "--wallets" => options.wallets = value()?.parse()?,
            "--backend" => options.backend = value()?,
            "--postgres-url" => options.postgres_url = Some(value()?),
            "--json" => options.json = true,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    anyhow::ensure!(
        options.rate > 0.0 && options.seconds > 0 && options.wallets > 0,
        "--rate, --seconds and --wallets must be positive"
    );
    Ok(options)
}

fn seed(i: usize) -> [u8; 32] {
    let mut seed = [0x1a; 32];
    seed[..8].copy_from_slice(&u64::try_from(i).unwrap_or(u64::MAX).to_le_bytes());
    seed
}

/// A registration with a fresh root hash per (wallet, index); its ID is derived as the chain does.
fn registration(wallet: usize, index: u64) -> BlobRegistration {
    let mut root = [0u8; 32];
    root[..8].copy_from_slice(&u64::try_from(wallet).unwrap_or(0).to_le_bytes());
    root[8..16].copy_from_slice(&index.to_le_bytes());
    let size = 1_024;
    BlobRegistration {
        blob_id: derive_blob_id(BlobId(root), 1, size),
        root_hash: U256(root),
        size,
        encoding_type: 1,
        deletable: false,
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The quantile of sorted `values` at `per_mille` thousandths (nearest rank).
fn quantile(sorted: &[u64], per_mille: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() - 1) * per_mille + 500) / 1000;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = parse_options()?;
    let dir = tempfile::tempdir()?;
    let wallets: Vec<Wallet> = (0..options.wallets)
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
    let devnet = Devnet::start(config, &dir.path().join("devnet")).await?;
    let mut sui_config = devnet.sui_config();
    sui_config.execution_timeout_secs = 120;

    let url = match options.backend.as_str() {
        "sqlite" => format!("sqlite://{}/lag.db", dir.path().display()),
        "fjall" => format!("fjall:{}/lag-fjall", dir.path().display()),
        "postgres" => options
            .postgres_url
            .clone()
            .context("--postgres-url or WALRUS_TEST_POSTGRES_URL (an empty database)")?,
        other => anyhow::bail!("unknown backend {other}"),
    };
    let store = open_url(&url).await?;
    anyhow::ensure!(
        store.meta().await?.next_checkpoint == 0,
        "{}: the database is not empty",
        options.backend
    );
    let indexer = Indexer::new(store.clone(), IndexerConfig::default());
    let mut changes = indexer.subscribe();
    let reader = WalrusSuiClient::new(sui_config.clone())?;
    let follower = {
        let indexer = indexer.clone();
        let reader = reader.clone();
        tokio::spawn(async move { indexer.run(&reader, &SuiContext(reader.clone())).await })
    };
    // Wait until the indexer has caught up with genesis before loading the chain.
    let ready = Instant::now();
    loop {
        let tip = devnet.latest_checkpoint().await;
        if store.meta().await?.next_checkpoint > tip {
            break;
        }
        anyhow::ensure!(
            ready.elapsed() < Duration::from_secs(60),
            "the indexer did not catch up with genesis"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Time lag: publication time minus the checkpoint's seal time, per checkpoint with events.
    let time_lags = tokio::spawn(async move {
        let mut lags = Vec::new();
        let mut events = 0u64;
        while let Ok(checkpoint) = changes.recv().await {
            if let Some(sealed) = checkpoint.timestamp_ms {
                lags.push(now_ms().saturating_sub(sealed));
            }
            events += checkpoint.events.len() as u64;
        }
        (lags, events)
    });

    // The load: each wallet submits one transaction per period, one after the other.
    let clients: Vec<WalrusSuiClient> = wallets
        .into_iter()
        .map(|w| WalrusSuiClient::new(sui_config.clone()).map(|c| c.with_wallet(w)))
        .collect::<Result<_, _>>()?;
    let period = Duration::from_secs_f64(options.wallets as f64 / options.rate);
    let run_for = Duration::from_secs(options.seconds);
    let start = Instant::now();
    let mut load = Vec::new();
    for (i, client) in clients.into_iter().enumerate() {
        load.push(tokio::spawn(async move {
            // Spread the wallets over one period so the load is steady, not bursty.
            let offset = period.mul_f64(i as f64 / options.wallets as f64);
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut sent = 0u64;
            while start.elapsed() < run_for {
                ticks.tick().await;
                client
                    .reserve_and_register_blob(3, &registration(i, sent))
                    .await?;
                sent += 1;
            }
            Ok::<_, walrus_sui::client::ChainError>(sent)
        }));
    }

    // Checkpoint lag, sampled while the load runs.
    let mut checkpoint_lags = Vec::new();
    while load.iter().any(|task| !task.is_finished()) {
        let tip = devnet.latest_checkpoint().await;
        let next = store.meta().await?.next_checkpoint;
        checkpoint_lags.push((tip + 1).saturating_sub(next));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let load_elapsed = start.elapsed();
    let mut transactions = 0u64;
    for task in load {
        transactions += task.await??;
    }
    // Drain: the indexer reaches the final tip.
    let final_tip = devnet.latest_checkpoint().await;
    let drain = Instant::now();
    while store.meta().await?.next_checkpoint <= final_tip {
        anyhow::ensure!(
            drain.elapsed() < Duration::from_secs(120),
            "the indexer did not reach the chain tip"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let drain_ms = drain.elapsed().as_millis();
    follower.abort();
    let _ = follower.await;
    drop(indexer);
    let (mut time_lags, events) = time_lags.await?;
    devnet.shutdown().await;

    time_lags.sort_unstable();
    checkpoint_lags.sort_unstable();
    let secs = load_elapsed.as_secs_f64();
    let result = serde_json::json!({
        "benchmark": "indexer_lag",
        "backend": options.backend,
        "target_tx_per_s": options.rate,
        "seconds": secs,
        "transactions": transactions,
        "tx_per_s": transactions as f64 / secs,
        "events_indexed": events,
        "checkpoints_indexed": time_lags.len(),
        "lag_ms_p50": quantile(&time_lags, 500),
        "lag_ms_p99": quantile(&time_lags, 990),
        "lag_ms_max": time_lags.last().copied().unwrap_or(0),
        "lag_checkpoints_p50": quantile(&checkpoint_lags, 500),
        "lag_checkpoints_p99": quantile(&checkpoint_lags, 990),
        "lag_checkpoints_max": checkpoint_lags.last().copied().unwrap_or(0),
        "drain_ms": drain_ms,
    });
    if options.json {
        println!("{result}");
    } else {
        println!(
            "{}: {transactions} register transactions in {secs:.1} s ({:.0} tx/s, target {:.0}); \
             {events} events in {} checkpoints indexed",
            options.backend,
            transactions as f64 / secs,
            options.rate,
            time_lags.len(),
        );
        println!(
            "lag behind the seal: p50 {} ms, p99 {} ms, max {} ms; in checkpoints (sampled every \
             50 ms): p50 {}, p99 {}, max {}; tip reached {drain_ms} ms after the load stopped",
            quantile(&time_lags, 500),
            quantile(&time_lags, 990),
            time_lags.last().copied().unwrap_or(0),
            quantile(&checkpoint_lags, 500),
            quantile(&checkpoint_lags, 990),
            checkpoint_lags.last().copied().unwrap_or(0),
        );
    }
    Ok(())
}
