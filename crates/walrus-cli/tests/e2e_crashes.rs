//! End to end over real processes: crashes during a workload. A writer thread stores small blobs
//! in a loop (`walrus --json store`) and records every blob whose store succeeded (certified);
//! meanwhile the devnet chain, then a storage node, then the indexer are killed with SIGKILL at
//! random (seeded, printed) moments and restarted through `walrus local` (SIGHUP). Epochs are
//! 10 s, so epoch changes happen during the workload too.
//!
//! Stores that fail during an outage are fine, but they must fail with one clear `error:` line
//! within a bound (no hang), and after each restart a new store must succeed again. Afterwards:
//! every certified blob reads back byte-identical; the devnet restart kept the chain (the latest
//! checkpoint and the epoch did not go back); and no event was lost or applied twice by the
//! indexer across its restart: its event count equals the number of Walrus events the chain has
//! in the checkpoints it has indexed (counted here from the chain's own checkpoint stream), its
//! list of the client's blobs equals the one derived from the chain's events, and it reports
//! every certified blob as certified.
//!
//! Set `E2E_SEED` to repeat a run's kill schedule.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod workload;

use std::{
    collections::{BTreeMap, BTreeSet},
    thread,
    time::{Duration, Instant},
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::Value;
use walrus_e2e::{LocalNetwork, NetworkConfig, sha256, wait_until};
use walrus_sui::{
    client::{CheckpointCursor, WalrusSuiClient},
    config::WalrusSuiConfig,
    events::ContractEvent,
};
use workload::{COMMAND_LIMIT, RECOVERY_LIMIT, Workload, writer};

/// Epochs the blobs are stored for (10 s epochs: longer than the test).
const STORE_EPOCHS: u32 = 40;

fn diagnostics(network: &LocalNetwork) -> String {
    format!(
        "--- walrus local stderr:\n{}\n--- devnet log:\n{}\n--- indexer log:\n{}\n--- node-0 log:\n{}",
        network.stderr_tail(20),
        network.log_tail("devnet", 15),
        network.log_tail("indexer", 15),
        network.log_tail("node-0", 20)
    )
}

/// The chain as a client of the devnet sees it, and the indexer's HTTP API.
struct Observer {
    runtime: tokio::runtime::Runtime,
    chain: WalrusSuiClient,
    http: reqwest::Client,
    indexer: String,
}

impl Observer {
    fn new(network: &LocalNetwork) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // The indexer's chain config (written by `walrus local`) names the devnet and packages.
        let config = WalrusSuiConfig::load(network.dir().join("indexer").join("sui.yaml")).unwrap();
        let chain = runtime
            .block_on(async { WalrusSuiClient::new(config) })
            .unwrap();
        Self {
            runtime,
            chain,
            http: reqwest::Client::new(),
            indexer: network.indexer_url().trim_end_matches('/').to_owned(),
        }
    }

    /// The chain's latest checkpoint (retried for a while: the devnet may be restarting).
    fn latest_checkpoint(&self) -> u64 {
        let mut latest = None;
        wait_until("the chain's latest checkpoint", RECOVERY_LIMIT, || {
            latest = self.runtime.block_on(self.chain.latest_checkpoint()).ok();
            Ok(latest.is_some())
        })
        .unwrap();
        latest.unwrap()
    }

    /// `GET {indexer}{path}`: the status and the JSON body.
    fn indexer_get(&self, path: &str) -> (u16, Value) {
        self.runtime.block_on(async {
            let response = self
                .http
                .get(format!("{}{path}", self.indexer))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            let json =
                serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body:?}"));
            (status, json)
        })
    }

    /// The indexer's cursor and event count (one consistent read of its metadata).
    fn indexer_progress(&self) -> (u64, u64) {
        let (status, health) = self.indexer_get("/v1/health");
        assert_eq!(status, 200, "{health}");
        (
            health["next_checkpoint"].as_u64().unwrap(),
            health["events_applied"].as_u64().unwrap(),
        )
    }

    /// The Walrus events of checkpoints `0..next`, straight from the chain: the number of
    /// decoded events (what an exactly-once indexer counts), and per blob object registered by
    /// `owner` whether it was certified.
    fn chain_events(&self, next: u64, owner: &str) -> (u64, BTreeMap<String, bool>) {
        self.runtime.block_on(async {
            let mut follower = self
                .chain
                .follow_checkpoints(CheckpointCursor { next_checkpoint: 0 });
            let mut events = 0u64;
            let mut blobs = BTreeMap::new();
            let mut expected = 0u64;
            while expected < next {
                let checkpoint = follower.next().await.unwrap();
                assert_eq!(checkpoint.sequence_number, expected);
                expected += 1;
                for envelope in &checkpoint.events {
                    let Some(event) = &envelope.event else {
                        continue;
                    };
                    events += 1;
                    let sender = envelope.sender.map(|s| s.to_string());
                    match event {
                        ContractEvent::BlobRegistered(e) if sender.as_deref() == Some(owner) => {
                            blobs.insert(e.object_id.to_string(), false);
                        }
                        ContractEvent::BlobCertified(e) => {
                            if let Some(certified) = blobs.get_mut(&e.object_id.to_string()) {
                                *certified = true;
                            }
                        }
                        _ => {}
                    }
                }
            }
            (events, blobs)
        })
    }
}

fn seed() -> u64 {
    std::env::var("E2E_SEED")
        .ok()
        .map(|s| s.parse().expect("E2E_SEED must be a number"))
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
                .into()
        })
}

#[test]
fn kill_devnet_node_and_indexer_during_a_workload() {
    let seed = seed();
    eprintln!("e2e_crashes: seed {seed} (E2E_SEED={seed} repeats the kill schedule)");
    let mut rng = StdRng::seed_from_u64(seed);
    let config = NetworkConfig {
        epoch_secs: 10,
        ..NetworkConfig::default()
    };
    let network = LocalNetwork::start(env!("CARGO_BIN_EXE_walrus"), &config).unwrap();
    let observer = Observer::new(&network);
    let first_epoch = network.epoch().unwrap();
    let victim_node = format!("node-{}", rng.gen_range(0..config.nodes));
    let workload = Workload::default();

    thread::scope(|scope| {
        let diag = || diagnostics(&network);
        let writer = scope.spawn(|| writer(&network, &workload, STORE_EPOCHS));
        workload.wait_for_store_after(Instant::now(), "at the start", &diag);

        for component in ["devnet", victim_node.as_str(), "indexer"] {
            thread::sleep(Duration::from_millis(rng.gen_range(300..3_000)));
            let checkpoint = observer.latest_checkpoint();
            let epoch = network.epoch().unwrap();
            network
                .kill_component(component)
                .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics(&network)));
            let outage = Duration::from_millis(rng.gen_range(300..3_000));
            eprintln!(
                "killed {component} at checkpoint {checkpoint}, epoch {epoch}, after {} \
                 certified stores; restarting in {outage:?}",
                workload.certified().len()
            );
            thread::sleep(outage);
            network
                .restart_component(component)
                .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics(&network)));
            let restarted = Instant::now();
            // The chain kept its history: neither the checkpoint sequence nor the epoch went
            // back (the devnet persists every checkpoint before it answers).
            let after = observer.latest_checkpoint();
            assert!(
                after >= checkpoint,
                "{component} restart: latest checkpoint {after} < {checkpoint} before"
            );
            let epoch_after = network.epoch().unwrap();
            assert!(
                epoch_after >= epoch,
                "epoch went back: {epoch_after} < {epoch}"
            );
            workload.wait_for_store_after(
                restarted,
                &format!("after {component} restarted"),
                &diag,
            );
        }
        workload.stop();
        writer.join().unwrap();
    });

    let violations = workload.violations();
    assert!(
        violations.is_empty(),
        "{violations:#?}\n{}",
        diagnostics(&network)
    );
    let certified = workload.certified();
    let failed = workload.failed();
    eprintln!(
        "{} stores certified, {} failed during outages (epochs {first_epoch}..{}); failures: {:#?}",
        certified.len(),
        failed.len(),
        network.epoch().unwrap(),
        failed
    );
    // Every component is up again (nothing died on the side while another was down).
    let components: Vec<String> = network
        .component_pids()
        .unwrap()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        components.len(),
        7,
        "{components:?}\n{}",
        diagnostics(&network)
    );

    // Every certified blob reads back byte-identical.
    for blob in &certified {
        let read = network
            .walrus_with_timeout(&["read", &blob.blob_id], COMMAND_LIMIT)
            .and_then(walrus_e2e::CliOutput::success)
            .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics(&network)));
        assert_eq!(
            sha256(&read.stdout),
            sha256(&blob.data()),
            "blob {} read back differs",
            blob.blob_id
        );
    }

    // The indexer caught up past every store.
    let tip = observer.latest_checkpoint();
    wait_until("the indexer to catch up", RECOVERY_LIMIT, || {
        Ok(observer.indexer_progress().0 > tip)
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics(&network)));

    // It reports every certified blob as certified.
    let mut owner = None;
    for blob in &certified {
        let (status, body) = observer.indexer_get(&format!("/v1/blobs/{}", blob.blob_id));
        assert_eq!(status, 200, "blob {}: {body}", blob.blob_id);
        assert_eq!(body["status"], "permanent", "{body}");
        let object = body["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["object_id"] == blob.object_id.as_str())
            .unwrap_or_else(|| panic!("object {} missing: {body}", blob.object_id));
        assert!(object["certified_epoch"].is_u64(), "{body}");
        owner = object["owner"].as_str().map(str::to_owned);
    }
    let owner = owner.expect("certified blobs have an owner");

    // No event lost or applied twice: the indexer's count equals the chain's for the checkpoints
    // it indexed, and its blobs of the client are those the chain's events derive.
    let (next, events_applied) = observer.indexer_progress();
    let (chain_events, chain_blobs) = observer.chain_events(next, &owner);
    assert_eq!(
        events_applied, chain_events,
        "indexer applied {events_applied} events in checkpoints 0..{next}, the chain has \
         {chain_events}"
    );
    let (status, owned) = observer.indexer_get(&format!("/v1/owners/{owner}/blobs"));
    assert_eq!(status, 200, "{owned}");
    let indexed: BTreeMap<String, bool> = owned["blobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["object_id"].as_str().unwrap().to_owned(),
                b["certified_epoch"].is_u64(),
            )
        })
        .collect();
    assert_eq!(
        indexed, chain_blobs,
        "the indexer's blobs of {owner} differ from the chain's"
    );
    let ours: BTreeSet<&str> = certified.iter().map(|c| c.object_id.as_str()).collect();
    assert!(ours.iter().all(|id| chain_blobs.get(*id) == Some(&true)));
    eprintln!(
        "indexer: {events_applied} events in checkpoints 0..{next}, {} blob objects of the \
         client ({} certified)",
        indexed.len(),
        indexed.values().filter(|c| **c).count()
    );

    network.stop().unwrap();
}
