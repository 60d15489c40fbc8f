//! Ingestion throughput: a pre-generated chain of blob events (register, certify, extend,
//! delete: four events per blob) fed straight into `Indexer::ingest`, in transactions of
//! `--batch` checkpoints of `--per-checkpoint` events each.
//!
//! ```text
//! cargo run --release -p walrus-indexer --example ingest_bench -- \
//!     --events 100000 --backend sqlite [--backend postgres --postgres-url URL] [--backend fjall]
//! ```

use std::time::Instant;

use anyhow::Context;
use walrus_core::{BlobId, ObjectId};
use walrus_indexer::store::open_url;
use walrus_indexer::{
    CheckpointChanges, EventContext, IndexedEvent, Indexer, IndexerConfig, Store,
};
use walrus_sui::events::{BlobCertified, BlobDeleted, BlobRegistered, ContractEvent};

struct Options {
    events: u64,
    per_checkpoint: usize,
    batch: usize,
    backends: Vec<String>,
    postgres_url: Option<String>,
}

fn parse_options() -> anyhow::Result<Options> {
    let mut options = Options {
        events: 100_000,
        per_checkpoint: 10,
        batch: 100,
        backends: Vec::new(),
        postgres_url: std::env::var("WALRUS_TEST_POSTGRES_URL").ok(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--events" => options.events = value()?.parse()?,
            "--per-checkpoint" => options.per_checkpoint = value()?.parse()?,
            "--batch" => options.batch = value()?.parse()?,
            "--backend" => options.backends.push(value()?),
            "--postgres-url" => options.postgres_url = Some(value()?),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    if options.backends.is_empty() {
        options.backends.push("sqlite".into());
    }
    Ok(options)
}

fn id(kind: u8, n: u64) -> [u8; 32] {
    let mut bytes = [kind; 32];
    bytes[..8].copy_from_slice(&n.to_le_bytes());
    bytes
}

fn indexed(event: ContractEvent, n: u64) -> IndexedEvent {
    IndexedEvent {
        tx_digest: format!("tx{n}"),
        event_index: 0,
        sender: Some(format!("0x{:064x}", n % 100)),
        event,
        context: EventContext::None,
    }
}

/// `n_events` blob events: each blob registered, certified, extended and deleted.
fn chain(n_events: u64, per_checkpoint: usize) -> anyhow::Result<Vec<CheckpointChanges>> {
    let mut events = Vec::new();
    for n in 0..n_events.div_ceil(4) {
        let blob_id = BlobId(id(1, n));
        let object_id = ObjectId(id(2, n));
        events.push(indexed(
            ContractEvent::BlobRegistered(BlobRegistered {
                epoch: 1,
                blob_id,
                size: 1_000 + n,
                encoding_type: 1,
                end_epoch: 5,
                deletable: true,
                object_id,
            }),
            n,
        ));
        events.push(indexed(
            ContractEvent::BlobCertified(BlobCertified {
                epoch: 1,
                blob_id,
                end_epoch: 5,
                deletable: true,
                object_id,
                is_extension: false,
            }),
            n,
        ));
        events.push(indexed(
            ContractEvent::BlobCertified(BlobCertified {
                epoch: 1,
                blob_id,
                end_epoch: 9,
                deletable: true,
                object_id,
                is_extension: true,
            }),
            n,
        ));
        events.push(indexed(
            ContractEvent::BlobDeleted(BlobDeleted {
                epoch: 2,
                blob_id,
                end_epoch: 9,
                object_id,
                was_certified: true,
            }),
            n,
        ));
    }
    events.truncate(usize::try_from(n_events)?);
    Ok(events
        .chunks(per_checkpoint.max(1))
        .enumerate()
        .map(|(i, chunk)| CheckpointChanges {
            sequence_number: i as u64,
            timestamp_ms: Some(i as u64),
            events: chunk.to_vec(),
        })
        .collect())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = parse_options()?;
    let checkpoints = chain(options.events, options.per_checkpoint)?;
    let dir = tempfile::tempdir()?;
    for backend in &options.backends {
        let url = match backend.as_str() {
            "sqlite" => format!("sqlite://{}/bench.db", dir.path().display()),
            "fjall" => format!("fjall:{}/bench-fjall", dir.path().display()),
            "postgres" => options
                .postgres_url
                .clone()
                .context("--postgres-url or WALRUS_TEST_POSTGRES_URL (an empty database)")?,
            other => anyhow::bail!("unknown backend {other}"),
        };
        let store = open_url(&url).await?;
        let start_meta = store.meta().await?;
        anyhow::ensure!(
            start_meta.next_checkpoint == 0,
            "{backend}: the database is not empty"
        );
        let indexer = Indexer::new(store.clone(), IndexerConfig::default());
        let started = Instant::now();
        for batch in checkpoints.chunks(options.batch.max(1)) {
            indexer.ingest(batch).await?;
        }
        let elapsed = started.elapsed();
        let meta = store.meta().await?;
        anyhow::ensure!(meta.events_applied == options.events, "events were lost");
        let seconds = elapsed.as_secs_f64();
        println!(
            "{backend}: {} events in {} checkpoints ({} per transaction) in {seconds:.2} s: \
             {:.0} events/s, {:.0} checkpoints/s",
            options.events,
            checkpoints.len(),
            options.batch,
            options.events as f64 / seconds,
            checkpoints.len() as f64 / seconds,
        );
    }
    Ok(())
}
