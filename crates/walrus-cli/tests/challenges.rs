//! `walrus challenges` and `walrus stakes` after a slash, against an in-process devnet with short
//! epochs (no storage nodes needed: both commands only read the chain). The verdict
//! certificates are signed here with the genesis nodes' BLS keys, as in
//! `walrus-devnet/tests/client_challenges.rs`: a node fails in two consecutive epochs, its pool
//! is slashed, and a delegator's stake in it is shown worth less than its principal.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::Value;
use walrus_core::BlsAggregateSignature;
use walrus_core::messages::ChallengeVerdictMsg;
use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle};
use walrus_sdk::ClientConfig;
use walrus_sui::client::{Certificate, ChainError, TxOutcome, WalrusSuiClient, to_object_id};
use walrus_sui::config::WalrusSuiConfig;
use walrus_sui::wallet::{Keystore, Wallet};

const SUI: u64 = 1_000_000_000;
const WAL: u64 = 1_000_000_000;

fn sui_config(devnet: &DevnetHandle) -> WalrusSuiConfig {
    devnet.sui_config()
}

fn client(devnet: &DevnetHandle, wallet: Wallet) -> WalrusSuiClient {
    WalrusSuiClient::new(sui_config(devnet))
        .unwrap()
        .with_wallet(wallet)
}

/// Writes a client config (with a keystore holding `wallet`) under `dir`; returns its path.
fn write_client_config(devnet: &DevnetHandle, wallet: &Wallet, dir: &Path) -> PathBuf {
    let mut keystore = Keystore::in_memory();
    keystore.add(wallet.clone());
    keystore.save_to(dir.join("sui.keystore")).unwrap();
    let mut sui = sui_config(devnet);
    sui.wallet_path = Some(PathBuf::from("sui.keystore"));
    let config = ClientConfig {
        sui,
        communication: Default::default(),
    };
    let path = dir.join("client.yaml");
    config.save(&path).unwrap();
    path
}

async fn walrus_json(config: &Path, args: &[&str]) -> Value {
    let output: Output = tokio::process::Command::new(env!("CARGO_BIN_EXE_walrus"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("WALRUS_CONFIG")
        .output()
        .await
        .expect("runs");
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    if args.contains(&"--json") {
        serde_json::from_str(stdout.trim()).unwrap()
    } else {
        Value::String(stdout)
    }
}

async fn retry_until_ok<F, Fut>(mut call: F) -> TxOutcome
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<TxOutcome, ChainError>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match call().await {
            Ok(outcome) => return outcome,
            Err(ChainError::MoveAbort(_)) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
}

/// Ends the epoch once due and has every genesis node report sync.
async fn change_epoch(devnet: &DevnetHandle, driver: &WalrusSuiClient) {
    retry_until_ok(|| driver.voting_end()).await;
    retry_until_ok(|| driver.initiate_epoch_change()).await;
    let epoch = driver.current_epoch().await.unwrap();
    for node in &devnet.genesis().nodes {
        let operator = client(devnet, Wallet::new(node.operator.key().unwrap()));
        operator.epoch_sync_done(node.cap_id, epoch).await.unwrap();
    }
}

/// Records a failing verdict on `target` in the current epoch, signed by every other member.
async fn fail(devnet: &DevnetHandle, driver: &WalrusSuiClient, target: walrus_core::ObjectId) {
    let committee = driver.system_state().await.unwrap().committee;
    let message = ChallengeVerdictMsg::verdict(committee.epoch, target, false).to_bcs();
    let mut bitmap = vec![0u8; committee.members.len().div_ceil(8)];
    let mut signatures = Vec::new();
    for (index, member) in committee.members.iter().enumerate() {
        if member.node_id == target {
            continue;
        }
        let node = devnet
            .genesis()
            .nodes
            .iter()
            .find(|n| to_object_id(n.node_id) == member.node_id)
            .expect("every member is a genesis node");
        signatures.push(node.bls_key_pair().unwrap().sign(&message));
        bitmap[index / 8] |= 1 << (index % 8);
    }
    let certificate = Certificate {
        signature: BlsAggregateSignature::aggregate(&signatures)
            .unwrap()
            .to_bytes()
            .to_vec(),
        signers_bitmap: bitmap,
        message,
    };
    driver.submit_challenge_verdict(&certificate).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn challenges_and_stakes_show_a_slash() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(
        DevnetConfig {
            heartbeat_ms: 200,
            epoch_duration_ms: 2_000,
            ..DevnetConfig::default()
        },
        &dir.path().join("chain"),
    )
    .await
    .unwrap();
    let faucet = client(
        &devnet,
        Wallet::new(devnet.genesis().faucet.key().expect("faucet key")),
    );
    let wallet = Wallet::from_seed([93; 32]);
    faucet
        .transfer_sui(wallet.address(), 10 * SUI)
        .await
        .unwrap();
    faucet
        .transfer_wal(wallet.address(), 200 * WAL)
        .await
        .unwrap();
    let config = write_client_config(&devnet, &wallet, dir.path());
    let delegator = client(&devnet, wallet);
    let committee = delegator.system_state().await.unwrap().committee;
    let failing = committee.members[0].node_id;
    let n_members = committee.members.len();

    // Before any verdict: every member listed, no record.
    let before = walrus_json(&config, &["challenges", "--json"]).await;
    assert_eq!(
        before["nodes"].as_array().unwrap().len(),
        n_members,
        "{before}"
    );
    assert_eq!(before["totalSlashed"], 0);
    assert_eq!(before["slashAfterFailures"], 2);
    assert_eq!(before["nodes"][0]["currentVerdict"], "none");
    assert!(before["nodes"][0]["recent"].as_array().unwrap().is_empty());

    let principal = 100 * WAL;
    let failing_text = failing.to_string();
    walrus_json(
        &config,
        &[
            "stake",
            "--node-id",
            &failing_text,
            "--amount",
            &principal.to_string(),
            "--json",
        ],
    )
    .await;
    change_epoch(&devnet, &delegator).await;

    // One failing epoch: a streak of one, no slash; the stake keeps its value.
    fail(&devnet, &delegator, failing).await;
    let during = walrus_json(&config, &["challenges", "--node", &failing_text, "--json"]).await;
    assert_eq!(during["nodes"].as_array().unwrap().len(), 1, "{during}");
    assert_eq!(during["nodes"][0]["nodeId"], failing_text.as_str());
    assert_eq!(during["nodes"][0]["currentVerdict"], "fail");
    change_epoch(&devnet, &delegator).await;
    let after_one = walrus_json(&config, &["challenges", "--node", &failing_text, "--json"]).await;
    let node = &after_one["nodes"][0];
    assert_eq!(node["recent"], serde_json::json!(["fail"]), "{after_one}");
    assert_eq!(node["consecutiveFailures"], 1);
    assert_eq!(node["currentVerdict"], "none");
    assert_eq!(after_one["totalSlashed"], 0);
    let stakes = walrus_json(&config, &["stakes", "--json"]).await;
    assert_eq!(stakes[0]["principal"], principal, "{stakes}");
    assert!(
        stakes[0]["estimatedValue"].as_u64().unwrap() >= principal,
        "{stakes}"
    );

    // The second consecutive failure slashes the pool; the streak restarts.
    fail(&devnet, &delegator, failing).await;
    change_epoch(&devnet, &delegator).await;
    let after_two = walrus_json(&config, &["challenges", "--json"]).await;
    assert!(
        after_two["totalSlashed"].as_u64().unwrap() > 0,
        "{after_two}"
    );
    // The fund fills only when a slashed stake is withdrawn.
    assert_eq!(after_two["slashedFund"], 0, "{after_two}");
    let node = after_two["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["nodeId"] == failing_text.as_str())
        .unwrap()
        .clone();
    assert_eq!(node["recent"], serde_json::json!(["fail", "fail"]));
    assert_eq!(node["failuresInWindow"], 2);
    assert_eq!(node["consecutiveFailures"], 0);

    // The delegator's stake is now worth less than its principal (10% slash).
    let stakes = walrus_json(&config, &["stakes", "--json"]).await;
    assert_eq!(stakes.as_array().unwrap().len(), 1, "{stakes}");
    assert_eq!(stakes[0]["principal"], principal);
    let value = stakes[0]["estimatedValue"].as_u64().unwrap();
    assert!(value < principal, "worth {value} of {principal}");
    assert!(value >= principal * 8 / 10, "worth {value} of {principal}");

    // The text forms.
    let text = walrus_json(&config, &["challenges", "--node", &failing_text]).await;
    let text = text.as_str().unwrap();
    assert!(text.contains("recent fail fail"), "{text}");
    assert!(text.contains("streak 0"), "{text}");
    let text = walrus_json(&config, &["stakes"]).await;
    assert!(
        text.as_str()
            .unwrap()
            .contains(&format!("now worth {value}")),
        "{text}"
    );
    devnet.shutdown().await;
}
