//! The `walrus-indexer run` binary against a devnet started in the test: the HTTP API answers
//! from the indexed chain (status codes, JSON errors, the OpenAPI document), and a killed
//! process resumes from its database. Against SQLite and PostgreSQL (the PostgreSQL variant
//! needs `WALRUS_TEST_POSTGRES_URL` and fails without it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use walrus_core::BlobId;
use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle};
use walrus_sui::client::WalrusSuiClient;
use walrus_sui::wallet::Wallet;

const SUI: u64 = 1_000_000_000;
const WAL: u64 = 1_000_000_000;

struct Service {
    child: Child,
    base: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_service(devnet: &DevnetHandle, database_url: &str) -> Service {
    let genesis = devnet.genesis();
    let mut child = Command::new(env!("CARGO_BIN_EXE_walrus-indexer"))
        .args(["run", "--grpc-url", &devnet.grpc_url()])
        .args(["--wal-package", &genesis.wal_package.to_string()])
        .args(["--walrus-package", &genesis.walrus_package.to_string()])
        .args(["--system-object", &genesis.system_object.to_string()])
        .args(["--staking-object", &genesis.staking_object.to_string()])
        .args(["--database-url", database_url, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Service {
        child,
        base: format!("http://{address}"),
    }
}

async fn get(base: &str, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap();
    (status, body)
}

async fn wait_for_checkpoint(base: &str, checkpoint: u64) -> Value {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let (status, health) = get(base, "/v1/health").await;
            assert_eq!(status, 200);
            if health["next_checkpoint"].as_u64().unwrap() > checkpoint {
                return health;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the service indexes up to the checkpoint")
}

fn client(devnet: &DevnetHandle) -> WalrusSuiClient {
    WalrusSuiClient::new(devnet.sui_config()).unwrap()
}

async fn serves_the_api(database_url: String) {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(
        DevnetConfig {
            heartbeat_ms: 200,
            ..DevnetConfig::default()
        },
        dir.path(),
    )
    .await
    .unwrap();
    let genesis = devnet.genesis().clone();
    let faucet = client(&devnet).with_wallet(Wallet::new(genesis.faucet.key().unwrap()));
    let user_wallet = Wallet::from_seed([9; 32]);
    faucet
        .transfer_sui(user_wallet.address(), 10 * SUI)
        .await
        .unwrap();
    faucet
        .transfer_wal(user_wallet.address(), 100 * WAL)
        .await
        .unwrap();
    let user = client(&devnet).with_wallet(user_wallet);
    let owner = user.address().unwrap().to_string();

    let service = start_service(&devnet, &database_url);
    let registration = encoded_registration(genesis.n_shards, 3, false);
    let blob = user
        .reserve_and_register_blob(2, &registration)
        .await
        .unwrap();
    let tip = user.latest_checkpoint().await.unwrap();
    let health = wait_for_checkpoint(&service.base, tip).await;
    assert_eq!(health["status"], "ok");
    assert!(health["events_applied"].as_u64().unwrap() >= 1);
    let epoch = health["current_epoch"].as_u64().unwrap();

    // Blob status by ID; unknown IDs 404, malformed 400, both with JSON errors.
    let (status, body) = get(
        &service.base,
        &format!("/v1/blobs/{}", registration.blob_id),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "registered");
    assert_eq!(body["permanent_count"], 1);
    assert_eq!(
        body["objects"][0]["object_id"],
        blob.object_ref.id.to_string()
    );
    assert_eq!(body["objects"][0]["owner"], owner);
    let (status, body) = get(&service.base, &format!("/v1/blobs/{}", BlobId([5; 32]))).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    let (status, body) = get(&service.base, "/v1/blobs/not-a-blob-id").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "BAD_REQUEST");

    let (status, body) = get(&service.base, &format!("/v1/owners/{owner}/blobs")).await;
    assert_eq!(status, 200);
    assert_eq!(body["blobs"].as_array().unwrap().len(), 1);
    let (status, _) = get(&service.base, "/v1/owners/nothex/blobs").await;
    assert_eq!(status, 400);
    let (status, body) = get(&service.base, &format!("/v1/owners/{owner}/stakes")).await;
    assert_eq!(status, 200);
    assert_eq!(body["stakes"].as_array().unwrap().len(), 0);

    let (status, body) = get(&service.base, &format!("/v1/committees/{epoch}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["members"].as_array().unwrap().len(),
        genesis.nodes.len()
    );
    assert_eq!(body["n_shards"], genesis.n_shards);
    let (status, _) = get(&service.base, "/v1/committees/999").await;
    assert_eq!(status, 404);
    let (status, _) = get(&service.base, "/v1/committees/minus-one").await;
    assert_eq!(status, 400);
    let (status, body) = get(&service.base, "/v1/epochs/latest").await;
    assert_eq!(status, 200);
    assert_eq!(body["epoch"], epoch);
    let (status, body) = get(&service.base, "/v1/nodes").await;
    assert_eq!(status, 200);
    let nodes = body.as_array().unwrap();
    assert_eq!(nodes.len(), genesis.nodes.len());
    let node_id = nodes[0]["node_id"].as_str().unwrap().to_owned();
    let (status, body) = get(&service.base, &format!("/v1/nodes/{node_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["node_id"], node_id.as_str());
    let (status, body) = get(&service.base, &format!("/v1/pools/{node_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["node_id"], node_id.as_str());
    let (status, _) = get(&service.base, &format!("/v1/pools/0x{}", "ab".repeat(32))).await;
    assert_eq!(status, 404);
    let (status, body) = get(&service.base, "/v1/pools").await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), genesis.nodes.len());
    let (status, body) = get(&service.base, &format!("/v1/rewards/{epoch}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["rewards"].as_array().unwrap().len(), 0);
    let (status, body) = get(&service.base, &format!("/v1/challenges?node={node_id}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verdicts"].as_array().unwrap().len(), 0);
    let (status, body) = get(&service.base, "/v1/slashes").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 0);
    let (status, _) = get(&service.base, "/v1/challenges?epoch=x").await;
    assert_eq!(status, 400);
    let (status, body) = get(&service.base, "/v1/api").await;
    assert_eq!(status, 200);
    for route in walrus_indexer::api::ROUTES {
        assert!(body["paths"].get(*route).is_some(), "{route}");
    }
    let (status, body) = get(&service.base, "/v1/nope").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "NOT_FOUND");

    // Kill the process; a new one on the same database resumes where it stopped.
    let before = wait_for_checkpoint(&service.base, tip).await;
    drop(service);
    let second = encoded_registration(genesis.n_shards, 6, true);
    user.reserve_and_register_blob(2, &second).await.unwrap();
    let service = start_service(&devnet, &database_url);
    let tip = user.latest_checkpoint().await.unwrap();
    let after = wait_for_checkpoint(&service.base, tip).await;
    assert_eq!(
        after["events_applied"].as_u64().unwrap(),
        before["events_applied"].as_u64().unwrap() + 1
    );
    let (status, body) = get(&service.base, &format!("/v1/owners/{owner}/blobs")).await;
    assert_eq!(status, 200);
    assert_eq!(body["blobs"].as_array().unwrap().len(), 2);
    drop(service);
    devnet.shutdown().await;
}

fn encoded_registration(
    n_shards: u16,
    seed: u8,
    deletable: bool,
) -> walrus_sui::client::BlobRegistration {
    let data = vec![seed; 500 + usize::from(seed)];
    let config = walrus_core::encoding::EncodingConfig::new(n_shards).unwrap();
    let encoded = walrus_core::encoding::encode_with_metadata(&config, &data).unwrap();
    walrus_sui::client::BlobRegistration::from_metadata(&encoded.metadata, deletable)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_service_serves_the_api() {
    let dir = tempfile::tempdir().unwrap();
    serves_the_api(format!("sqlite://{}/service.db", dir.path().display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_service_serves_the_api() {
    serves_the_api(common::fresh_postgres_url().await).await;
}

#[tokio::test]
async fn bad_arguments_fail_with_one_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_walrus-indexer"))
        .args(["run", "--database-url", "sqlite::memory:"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--grpc-url is required"), "{stderr}");
}
