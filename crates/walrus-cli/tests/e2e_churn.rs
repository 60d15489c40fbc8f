//! End to end over real processes: committee churn. With 10 s epochs, the test stakes large
//! amounts with one node, then with another, then withdraws the first stake, so the contract
//! moves shards between the storage nodes over several epoch changes (the nodes hand them over
//! with sync-shard, recovery as a fallback). Meanwhile a writer thread stores small blobs and a
//! reader thread reads the certified ones back continuously.
//!
//! Checks: the shard assignment (per-node shard counts from `walrus info`, shard sets from the
//! indexer's committees) changes between epochs, at least twice; no read during the churn ever
//! returns wrong bytes (a read may fail during a handover: those are counted and printed); and
//! at the end every certified blob reads back byte-identical.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod workload;

use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicU64, Ordering},
    thread,
    time::{Duration, Instant},
};

use serde_json::Value;
use walrus_e2e::{LocalNetwork, NetworkConfig, sha256};
use workload::{COMMAND_LIMIT, Workload, writer};

/// 1 WAL in FROST.
const WAL: u64 = 1_000_000_000;
/// What each stake moves (genesis pools hold 1,000,000 WAL each, the client 1,000,000 WAL).
const STAKE: u64 = 450_000 * WAL;
/// A bound for one epoch change (epochs are 10 s; nodes drive the change).
const EPOCH_CHANGE_LIMIT: Duration = Duration::from_secs(180);
/// Epochs the blobs are stored for (10 s epochs: longer than the test).
const STORE_EPOCHS: u32 = 40;

fn diagnostics(network: &LocalNetwork) -> String {
    format!(
        "--- walrus local stderr:\n{}\n--- devnet log:\n{}\n--- node-0 log:\n{}\n--- node-2 log:\n{}",
        network.stderr_tail(20),
        network.log_tail("devnet", 10),
        network.log_tail("node-0", 25),
        network.log_tail("node-2", 25)
    )
}

fn json(network: &LocalNetwork, args: &[&str]) -> Value {
    network
        .json(args)
        .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics(network)))
}

/// Per-epoch shard counts by node ID, as `walrus info` shows them.
#[derive(Debug, Default)]
struct Assignments(BTreeMap<u64, BTreeMap<String, u64>>);

impl Assignments {
    /// Reads `walrus info` and records its epoch's assignment; returns the epoch.
    fn observe(&mut self, network: &LocalNetwork) -> u64 {
        let info = json(network, &["info"]);
        let epoch = info["epoch"].as_u64().unwrap();
        let counts = info["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["nodeId"].as_str().unwrap().to_owned(),
                    m["nShards"].as_u64().unwrap(),
                )
            })
            .collect();
        self.0.entry(epoch).or_insert(counts);
        epoch
    }

    /// Polls until the epoch is at least `epoch`, recording every epoch seen.
    fn wait_for_epoch(&mut self, network: &LocalNetwork, epoch: u64) -> u64 {
        let deadline = Instant::now() + EPOCH_CHANGE_LIMIT;
        loop {
            let current = self.observe(network);
            if current >= epoch {
                return current;
            }
            assert!(
                Instant::now() < deadline,
                "epoch {epoch} not reached (still {current})\n{}",
                diagnostics(network)
            );
            thread::sleep(Duration::from_millis(500));
        }
    }

    /// How many times the per-node counts changed from one observed epoch to the next.
    fn changes(&self) -> usize {
        let counts: Vec<_> = self.0.values().collect();
        counts.windows(2).filter(|w| w[0] != w[1]).count()
    }
}

/// Stakes `amount` with `node_id`; returns the `StakedWal` ID and the activation epoch.
fn stake(network: &LocalNetwork, node_id: &str, amount: u64) -> (String, u64) {
    let staked = json(
        network,
        &[
            "stake",
            "--node-id",
            node_id,
            "--amount",
            &amount.to_string(),
        ],
    );
    (
        staked["id"].as_str().unwrap().to_owned(),
        staked["activationEpoch"].as_u64().unwrap(),
    )
}

/// What the reader thread saw.
#[derive(Debug, Default)]
struct Reads {
    ok: AtomicU64,
    failed: std::sync::Mutex<Vec<String>>,
}

/// Reads certified blobs back, the newest and then one of the older ones in turn, until the
/// writer is stopped. Wrong bytes are a violation; failed reads are counted.
fn reader(network: &LocalNetwork, workload: &Workload, reads: &Reads) {
    let mut turn = 0usize;
    while !workload.stopped() {
        let certified = workload.certified();
        let Some(newest) = certified.last() else {
            thread::sleep(Duration::from_millis(200));
            continue;
        };
        turn += 1;
        let blob = if turn.is_multiple_of(2) {
            newest
        } else {
            &certified[(turn / 2) % certified.len()]
        };
        let output = match network.walrus_with_timeout(&["read", &blob.blob_id], COMMAND_LIMIT) {
            Ok(output) => output,
            Err(error) => {
                workload.violation(format!("read {}: {error}", blob.blob_id));
                return;
            }
        };
        if output.status.success() {
            if sha256(&output.stdout) == sha256(&blob.data()) {
                reads.ok.fetch_add(1, Ordering::SeqCst);
            } else {
                workload.violation(format!(
                    "read {} returned {} wrong bytes",
                    blob.blob_id,
                    output.stdout.len()
                ));
            }
        } else {
            match output.error_line() {
                Ok(line) => reads.failed.lock().unwrap().push(line.to_owned()),
                Err(error) => workload.violation(format!("read {}: {error}", blob.blob_id)),
            }
        }
    }
}

/// The shard IDs of each node in `epoch`, from the indexer's committee.
fn indexed_committee(
    http: &reqwest::Client,
    runtime: &tokio::runtime::Runtime,
    indexer: &str,
    epoch: u64,
) -> Option<BTreeMap<String, Vec<u64>>> {
    runtime.block_on(async {
        let response = http
            .get(format!("{indexer}/v1/committees/{epoch}"))
            .send()
            .await
            .unwrap();
        if response.status() != 200 {
            return None;
        }
        let body: Value = response.json().await.unwrap();
        Some(
            body["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    let shards = m["shards"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|s| s.as_u64().unwrap())
                        .collect();
                    (m["node_id"].as_str().unwrap().to_owned(), shards)
                })
                .collect(),
        )
    })
}

#[test]
fn shards_move_between_nodes_while_blobs_are_written_and_read() {
    let config = NetworkConfig {
        epoch_secs: 10,
        ..NetworkConfig::default()
    };
    let network = LocalNetwork::start(env!("CARGO_BIN_EXE_walrus"), &config).unwrap();
    let mut assignments = Assignments::default();
    let first_epoch = assignments.observe(&network);
    let info = json(&network, &["info"]);
    let node_ids: Vec<String> = info["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["nodeId"].as_str().unwrap().to_owned())
        .collect();
    let workload = Workload::default();
    let reads = Reads::default();

    thread::scope(|scope| {
        let diag = || diagnostics(&network);
        let writer = scope.spawn(|| writer(&network, &workload, STORE_EPOCHS));
        let reader = scope.spawn(|| reader(&network, &workload, &reads));
        workload.wait_for_store_after(Instant::now(), "at the start", &diag);

        // 1. A large stake with the first node: it gains shards.
        let (first_stake, activation) = stake(&network, &node_ids[0], STAKE);
        eprintln!("staked {STAKE} FROST with node 0, active from epoch {activation}");
        assignments.wait_for_epoch(&network, activation);
        // 2. As much with the third node: it gains shards, the first gives some back.
        let (_, activation) = stake(&network, &node_ids[2], STAKE);
        eprintln!("staked {STAKE} FROST with node 2, active from epoch {activation}");
        assignments.wait_for_epoch(&network, activation);
        // 3. Withdraw the first stake: the first node loses shards again.
        let requested = json(&network, &["withdraw", "--staked-wal-id", &first_stake]);
        let withdraw_epoch = requested["requested"]["withdrawEpoch"]
            .as_u64()
            .unwrap_or_else(|| panic!("no withdrawal epoch in {requested}"));
        eprintln!("withdrawal of the node-0 stake from epoch {withdraw_epoch}");
        assignments.wait_for_epoch(&network, withdraw_epoch);
        // One more epoch with the writer and reader running after the last handover.
        let epoch = assignments.observe(&network);
        let since = Instant::now();
        assignments.wait_for_epoch(&network, epoch + 1);
        workload.wait_for_store_after(since, "after the last epoch change", &diag);

        workload.stop();
        writer.join().unwrap();
        reader.join().unwrap();
    });

    let violations = workload.violations();
    assert!(
        violations.is_empty(),
        "{violations:#?}\n{}",
        diagnostics(&network)
    );
    let certified = workload.certified();
    let failed_reads = reads.failed.lock().unwrap().clone();
    let last_epoch = assignments.observe(&network);
    eprintln!(
        "epochs {first_epoch}..{last_epoch}: shard counts per epoch {:#?}",
        assignments.0
    );
    eprintln!(
        "{} stores certified ({} failed: {:?}); {} reads identical during the churn, {} failed \
         (retried later): {:#?}",
        certified.len(),
        workload.failed().len(),
        workload.failed(),
        reads.ok.load(Ordering::SeqCst),
        failed_reads.len(),
        failed_reads
    );
    // A store that spans an epoch change follows the committee to the new epoch (it used to
    // fail with the old committee's shards or epoch).
    let epoch_failures: Vec<String> = workload
        .failed()
        .into_iter()
        .filter(|line| {
            ["EIncorrectEpoch", "wrong epoch", "SHARD_NOT_ASSIGNED"]
                .iter()
                .any(|symptom| line.contains(symptom))
        })
        .collect();
    assert!(
        epoch_failures.is_empty(),
        "stores failed over an epoch change: {epoch_failures:#?}"
    );
    assert!(
        assignments.changes() >= 2,
        "the shard counts changed only {} times: {:#?}",
        assignments.changes(),
        assignments.0
    );

    // The shard sets as the indexer recorded each committee: shards changed owners.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let indexer = network.indexer_url().trim_end_matches('/').to_owned();
    let mut moved = Vec::new();
    let mut previous: Option<BTreeMap<String, Vec<u64>>> = None;
    for epoch in first_epoch..=last_epoch {
        let Some(committee) = indexed_committee(&http, &runtime, &indexer, epoch) else {
            continue;
        };
        let owner_of = |c: &BTreeMap<String, Vec<u64>>| -> BTreeMap<u64, String> {
            c.iter()
                .flat_map(|(node, shards)| shards.iter().map(move |s| (*s, node.clone())))
                .collect()
        };
        assert_eq!(
            owner_of(&committee).len(),
            20,
            "epoch {epoch}: {committee:?}"
        );
        if let Some(previous) = &previous {
            let (before, after) = (owner_of(previous), owner_of(&committee));
            let n = before
                .iter()
                .filter(|(s, node)| after[*s] != **node)
                .count();
            moved.push((epoch, n));
        }
        previous = Some(committee);
    }
    eprintln!("shards that changed owner, per epoch change: {moved:?}");
    assert!(
        moved.iter().filter(|(_, n)| *n > 0).count() >= 2,
        "shards moved in fewer than two epoch changes: {moved:?}"
    );

    // Every certified blob reads back byte-identical after the churn.
    for blob in &certified {
        let read = network
            .walrus_with_timeout(&["read", &blob.blob_id], COMMAND_LIMIT)
            .and_then(walrus_e2e::CliOutput::success)
            .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics(&network)));
        assert_eq!(
            sha256(&read.stdout),
            sha256(&blob.data()),
            "blob {} (object {}) read back differs",
            blob.blob_id,
            blob.object_id
        );
    }
    network.stop().unwrap();
}
