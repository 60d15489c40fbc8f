//! End to end over real processes: stake with a storage node's pool through the CLI, let the
//! storage nodes drive epoch changes (short epochs), pay storage fees, and withdraw the stake
//! with at least its principal. Epochs are observed by polling `walrus info`; nothing asserts on
//! how long an epoch change takes (the waits only bound a hung test).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::time::Duration;

use serde_json::Value;
use walrus_e2e::{LocalNetwork, NetworkConfig, pattern, process_exists, send_signal};

/// 1 WAL in FROST.
const WAL: u64 = 1_000_000_000;
/// A bound for one epoch change (epochs are 10 s; nodes drive the change).
const EPOCH_CHANGE_LIMIT: Duration = Duration::from_secs(180);

fn diagnostics(network: &LocalNetwork) -> String {
    format!(
        "--- walrus local stderr:\n{}\n--- devnet log:\n{}\n--- node-0 log:\n{}",
        network.stderr_tail(20),
        network.log_tail("devnet", 20),
        network.log_tail("node-0", 30)
    )
}

fn json(network: &LocalNetwork, args: &[&str]) -> Value {
    network
        .json(args)
        .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics(network)))
}

fn wait_for_epoch(network: &LocalNetwork, epoch: u64) -> u64 {
    network
        .wait_for_epoch(epoch, EPOCH_CHANGE_LIMIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics(network)))
}

#[test]
fn stake_earn_and_withdraw_across_epoch_changes() {
    let config = NetworkConfig {
        epoch_secs: 10,
        ..NetworkConfig::default()
    };
    let network = LocalNetwork::start(env!("CARGO_BIN_EXE_walrus"), &config).unwrap();
    let info = json(&network, &["info"]);
    let node_id = info["members"][0]["nodeId"].as_str().unwrap().to_owned();
    assert!(json(&network, &["stakes"]).as_array().unwrap().is_empty());

    // A large share of the pool (genesis pools hold 1,000,000 WAL), so the tiny devnet fees show
    // up as a reward at all.
    let principal = 400_000 * WAL;
    let staked = json(
        &network,
        &[
            "stake",
            "--node-id",
            &node_id,
            "--amount",
            &principal.to_string(),
        ],
    );
    assert_eq!(staked["principal"], principal, "{staked}");
    assert_eq!(staked["nodeId"], node_id.as_str(), "{staked}");
    assert_eq!(staked["state"], "staked", "{staked}");
    let staked_id = staked["id"].as_str().unwrap().to_owned();
    let activation = staked["activationEpoch"].as_u64().unwrap();

    // The stake becomes active with an epoch change.
    let epoch = wait_for_epoch(&network, activation);
    let stakes = json(&network, &["stakes"]);
    let stakes = stakes.as_array().unwrap();
    assert_eq!(stakes.len(), 1, "{stakes:?}");
    assert_eq!(stakes[0]["id"], staked_id.as_str());
    assert_eq!(stakes[0]["state"], "staked");
    assert!(stakes[0]["activationEpoch"].as_u64().unwrap() <= epoch);
    assert!(
        stakes[0]["estimatedValue"].as_u64().unwrap() >= principal,
        "{stakes:?}"
    );

    // Storage fees for the next epochs go to the pools as rewards.
    let file = network.scratch().join("fees.bin");
    std::fs::write(&file, pattern(4 << 20, 11)).unwrap();
    let stored = json(
        &network,
        &["store", file.to_str().unwrap(), "--epochs", "3"],
    );
    assert!(
        stored["newlyCreated"]["cost"].as_u64().unwrap() > 0,
        "{stored}"
    );
    let epoch = wait_for_epoch(&network, epoch + 1);

    // Request the withdrawal, wait for its epoch, collect.
    let requested = json(&network, &["withdraw", "--staked-wal-id", &staked_id]);
    let withdraw_epoch = requested["requested"]["withdrawEpoch"]
        .as_u64()
        .unwrap_or_else(|| panic!("no withdrawal epoch in {requested}"));
    assert!(withdraw_epoch > epoch, "{requested}");
    let stakes = json(&network, &["stakes"]);
    assert_eq!(stakes[0]["state"], "withdrawing", "{stakes}");
    // Collecting early fails with one clear line (unless the epoch changed meanwhile, in which
    // case it simply succeeds).
    let early = network
        .walrus(&["withdraw", "--staked-wal-id", &staked_id, "--json"])
        .unwrap();
    let withdrawn = if early.status.success() {
        early.json().unwrap()
    } else {
        let line = early.error_line().unwrap();
        assert!(line.contains("can be withdrawn from epoch"), "{line}");
        wait_for_epoch(&network, withdraw_epoch);
        json(&network, &["withdraw", "--staked-wal-id", &staked_id])
    };
    let amount = withdrawn["withdrawn"]["amount"]
        .as_u64()
        .unwrap_or_else(|| panic!("no amount in {withdrawn}"));
    // The stake was active in the epoch whose fees the store paid, so it earned a reward.
    assert!(
        amount > principal,
        "withdrew {amount} FROST for a principal of {principal}: no reward"
    );
    eprintln!("withdrew {amount} FROST for a principal of {principal} FROST");
    assert!(json(&network, &["stakes"]).as_array().unwrap().is_empty());

    // Even if `walrus local` itself dies hard, dropping the harness leaves no component running.
    let pids = network.component_pids().unwrap();
    assert_eq!(pids.len(), 7, "{pids:?}");
    send_signal(network.local_pid().unwrap(), "KILL").unwrap();
    drop(network);
    for (component, pid) in pids {
        walrus_e2e::wait_until(
            &format!("{component} (pid {pid}) to exit"),
            Duration::from_secs(30),
            || Ok(!process_exists(pid)),
        )
        .unwrap();
    }
}
