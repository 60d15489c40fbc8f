//! End to end over real processes: storage nodes killed with SIGKILL. With 4 nodes and 20
//! shards (5 per node), `f` is 6 shards: with one node down (5 shards) blobs stored before are
//! still read and new stores still succeed; with two nodes down (10 shards) a store cannot
//! collect confirmations from `n - f` = 14 shards and fails with one clear error line. Killed
//! nodes come back through `walrus local` (SIGHUP restarts dead components), and the whole
//! network stops on SIGINT (Ctrl-C) without leaving processes behind.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::path::{Path, PathBuf};

use walrus_e2e::{LocalNetwork, NetworkConfig, pattern, process_exists, sha256};

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn write(network: &LocalNetwork, name: &str, size: usize, seed: u64) -> PathBuf {
    let path = network.scratch().join(name);
    std::fs::write(&path, pattern(size, seed)).unwrap();
    path
}

/// Stores `file` and returns its blob ID; panics with the logs on failure.
fn store(network: &LocalNetwork, file: &Path) -> String {
    let stored = network
        .json(&["store", path_str(file)])
        .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics(network)));
    stored["blobId"].as_str().unwrap().to_owned()
}

/// Reads `blob_id` and checks it equals `expected`.
fn assert_reads(network: &LocalNetwork, blob_id: &str, expected: &[u8]) {
    let read = network
        .walrus(&["read", blob_id])
        .and_then(walrus_e2e::CliOutput::success)
        .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics(network)));
    assert_eq!(
        sha256(&read.stdout),
        sha256(expected),
        "blob {blob_id} read back differs"
    );
}

fn diagnostics(network: &LocalNetwork) -> String {
    format!(
        "--- walrus local stderr:\n{}\n--- node-0 log:\n{}",
        network.stderr_tail(20),
        network.log_tail("node-0", 20)
    )
}

#[test]
fn killed_nodes_up_to_f_do_not_stop_reads_or_stores() {
    let network =
        LocalNetwork::start(env!("CARGO_BIN_EXE_walrus"), &NetworkConfig::default()).unwrap();
    let info = network.json(&["info"]).unwrap();
    let shards: Vec<u64> = info["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["nShards"].as_u64().unwrap())
        .collect();
    assert_eq!(shards.iter().sum::<u64>(), 20, "{info}");
    assert!(
        shards.iter().all(|&s| s <= 6),
        "one node down must leave a quorum: {info}"
    );

    let before = write(&network, "before.bin", 200_000, 1);
    let before_id = store(&network, &before);

    // One node down (f = 1 node): reads and stores go on.
    let victim = network.pid_of("node-1").unwrap();
    network.kill_node(1).unwrap();
    assert!(!process_exists(victim), "node-1 (pid {victim}) still runs");
    assert!(
        network.pid_of("devnet").is_ok() && network.pid_of("node-0").is_ok(),
        "a dead node must not take the network down"
    );
    assert_reads(&network, &before_id, &pattern(200_000, 1));
    let during = write(&network, "during.bin", 150_000, 2);
    let during_id = store(&network, &during);
    assert_reads(&network, &during_id, &pattern(150_000, 2));

    // Back up: a new process with the same data directory.
    network.restart_node(1).unwrap();
    let restarted = network.pid_of("node-1").unwrap();
    assert_ne!(restarted, victim);
    assert_reads(&network, &before_id, &pattern(200_000, 1));

    // f + 1 nodes down: a store fails with one clear line; reads still work (n - 2f primary
    // slivers are enough).
    network.kill_node(1).unwrap();
    network.kill_node(2).unwrap();
    let failing = write(&network, "failing.bin", 100_000, 3);
    let output = network.walrus(&["store", path_str(&failing)]).unwrap();
    let line = output
        .error_line()
        .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics(&network)));
    assert!(line.contains("failing.bin"), "names the file: {line}");
    eprintln!("store with 2 of 4 nodes down: {line}");
    assert_reads(&network, &during_id, &pattern(150_000, 2));

    // Both back: the same store now succeeds.
    network.restart_node(1).unwrap();
    network.restart_node(2).unwrap();
    let failing_id = store(&network, &failing);
    assert_reads(&network, &failing_id, &pattern(100_000, 3));

    // Ctrl-C (SIGINT) stops every component (checked by pid) and leaves no PID files.
    let pids = network.component_pids().unwrap();
    assert_eq!(pids.len(), 7, "devnet, 4 nodes, indexer, daemon: {pids:?}");
    network.stop_with_signal("INT").unwrap();
    for (component, pid) in pids {
        assert!(!process_exists(pid), "{component} (pid {pid}) survived");
    }
}
