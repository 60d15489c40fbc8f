//! End to end over real processes: a Byzantine storage node. With 4 nodes and 20 shards (5 per
//! node), `f` is 6 shards, so exactly one node may lie. The liar is made with the node's
//! testing-only `fault_injection` config section (`node/README.md`): the test edits the node's
//! YAML under `walrus local`'s directory, kills the node and has `walrus local` restart it.
//!
//! Three phases, each with the same node lying: it serves corrupted slivers, then corrupted
//! metadata, then both. In every phase many `walrus --json read`s of blobs stored while all
//! nodes were honest return byte-identical data, `faultyNodes` never names an honest node, and
//! the liar is named at least once (a read names it only when it happens to ask it: slivers go
//! to nodes in random order until `n - 2f` verify, metadata to the first three of a random
//! order, first answer wins; so the test reads until the liar was named, with a bound).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::path::Path;

use base64::Engine;
use serde_json::Value;
use walrus_e2e::{LocalNetwork, NetworkConfig, pattern, sha256};

/// The lying node.
const LIAR: usize = 1;
/// Reads per phase at least (all must be correct and accuse nobody honest).
const MIN_READS: usize = 12;
/// Reads per phase at most while waiting for the liar to be named (each read names it with a
/// probability of about 1/2 for slivers and 1/4 for metadata, so this bound is never reached
/// unless detection is broken).
const MAX_READS: usize = 60;

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn diagnostics(network: &LocalNetwork) -> String {
    format!(
        "--- walrus local stderr:\n{}\n--- node-{LIAR} log:\n{}",
        network.stderr_tail(20),
        network.log_tail(&format!("node-{LIAR}"), 20)
    )
}

fn with_logs<T>(network: &LocalNetwork, result: walrus_e2e::Result<T>) -> T {
    result.unwrap_or_else(|error| panic!("{error}\n{}", diagnostics(network)))
}

/// The node ID of storage node `i` (matched by its network address in `walrus info`).
fn node_id(network: &LocalNetwork, info: &Value, i: usize) -> String {
    let address = network.node_address(i).unwrap();
    info["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            let member = m["networkAddress"].as_str().unwrap();
            member.trim_start_matches("http://").trim_end_matches('/') == address
        })
        .unwrap_or_else(|| panic!("no member at {address} in {info}"))["nodeId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Rewrites node `i`'s config with the given `fault_injection` flags and restarts the node.
fn set_faults(network: &LocalNetwork, i: usize, corrupt_slivers: bool, corrupt_metadata: bool) {
    let path = network.node_config_path(i);
    let mut config: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let section: serde_yaml::Value = serde_yaml::from_str(&format!(
        "corrupt_slivers: {corrupt_slivers}\ncorrupt_metadata: {corrupt_metadata}\n"
    ))
    .unwrap();
    config
        .as_mapping_mut()
        .expect("the node config is a mapping")
        .insert("fault_injection".into(), section);
    std::fs::write(&path, serde_yaml::to_string(&config).unwrap()).unwrap();
    with_logs(network, network.kill_node(i));
    with_logs(network, network.restart_node(i));
}

/// Reads `blob_id` with `walrus --json read`, checks the bytes and returns the `faultyNodes`
/// entries as `(nodeId, reason)`.
fn read_checked(network: &LocalNetwork, blob_id: &str, expected: &[u8]) -> Vec<(String, String)> {
    let read = with_logs(network, network.json(&["read", blob_id]));
    let data = base64::engine::general_purpose::STANDARD
        .decode(read["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        sha256(&data),
        sha256(expected),
        "blob {blob_id} read back differs: {read}"
    );
    read["faultyNodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no faultyNodes in {read}"))
        .iter()
        .map(|n| {
            (
                n["nodeId"].as_str().unwrap().to_owned(),
                n["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Reads the blobs round robin, at least [`MIN_READS`] times and until the liar was named (at
/// most [`MAX_READS`]); every read must be correct and name nobody but the liar, for a reason
/// containing one of `reasons`. Returns the number of reads and the number naming the liar.
fn read_until_named(
    network: &LocalNetwork,
    blobs: &[(String, Vec<u8>)],
    liar: &str,
    reasons: &[&str],
) -> (usize, usize) {
    let mut named = 0;
    let mut reads = 0;
    while reads < MIN_READS || (named == 0 && reads < MAX_READS) {
        let (blob_id, data) = &blobs[reads % blobs.len()];
        let faulty = read_checked(network, blob_id, data);
        for (node, reason) in &faulty {
            assert_eq!(node, liar, "an honest node was accused: {faulty:?}");
            assert!(
                reasons.iter().any(|r| reason.contains(r)),
                "unexpected reason {reason:?} (expected one of {reasons:?})"
            );
        }
        named += usize::from(!faulty.is_empty());
        reads += 1;
    }
    assert!(
        named > 0,
        "the liar {liar} was never reported in {reads} reads\n{}",
        diagnostics(network)
    );
    (reads, named)
}

#[test]
fn reads_survive_a_byzantine_node_and_name_it() {
    let network =
        LocalNetwork::start(env!("CARGO_BIN_EXE_walrus"), &NetworkConfig::default()).unwrap();
    let info = with_logs(&network, network.json(&["info"]));
    let n_shards = info["nShards"].as_u64().unwrap();
    let f = (n_shards - 1) / 3;
    let liar = node_id(&network, &info, LIAR);
    let liar_shards = info["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["nodeId"] == liar.as_str())
        .unwrap()["nShards"]
        .as_u64()
        .unwrap();
    assert!(
        liar_shards <= f,
        "node-{LIAR} holds {liar_shards} shards, more than f = {f}: {info}"
    );

    // Blobs stored while every node is honest (sizes: one row, a few rows, many rows).
    let mut blobs = Vec::new();
    for (i, size) in [1_000usize, 60_000, 400_000].into_iter().enumerate() {
        let seed = u64::try_from(i).unwrap() + 1;
        let path = network.scratch().join(format!("blob-{i}.bin"));
        let data = pattern(size, seed);
        std::fs::write(&path, &data).unwrap();
        let stored = with_logs(&network, network.json(&["store", path_str(&path)]));
        let blob_id = stored["blobId"].as_str().unwrap().to_owned();
        blobs.push((blob_id, data));
    }
    for (blob_id, data) in &blobs {
        assert_eq!(
            read_checked(&network, blob_id, data),
            Vec::new(),
            "honest nodes are not accused"
        );
    }

    // Phase 1: corrupted slivers.
    set_faults(&network, LIAR, true, false);
    let (reads, named) = read_until_named(&network, &blobs, &liar, &["sliver"]);
    eprintln!("corrupt slivers: named in {named} of {reads} reads");
    assert!(
        network
            .log_tail(&format!("node-{LIAR}"), 400)
            .contains("FAULT INJECTION ENABLED"),
        "the liar warns at startup\n{}",
        diagnostics(&network)
    );

    // Phase 2: corrupted metadata (honest slivers).
    set_faults(&network, LIAR, false, true);
    let (reads, named) = read_until_named(&network, &blobs, &liar, &["metadata"]);
    eprintln!("corrupt metadata: named in {named} of {reads} reads");

    // Phase 3: both at once; still only one liar, as f = 6 shards allows only one node of 5.
    set_faults(&network, LIAR, true, true);
    let (reads, named) = read_until_named(&network, &blobs, &liar, &["sliver", "metadata"]);
    eprintln!("corrupt slivers and metadata: named in {named} of {reads} reads");

    network.stop().unwrap();
}
