//! Storage nodes serving HTTPS with self-signed certificates for their Ed25519 network keys,
//! authenticated by pinning the on-chain `network_public_key`: the SDK stores and reads a blob
//! over TLS, a node that missed the upload recovers its slivers from its peers over TLS, and a
//! client pinned to another key refuses to talk to a node, saying why.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::time::Duration;

use tokio::net::TcpListener;
use walrus_devnet::{Devnet, DevnetConfig};
use walrus_node::{NodeConfig, config::TlsConfig};
use walrus_node_api::{
    NodeClient,
    tls::{NetworkPublicKey, error_chain, pinned_http_client},
};
use walrus_sdk::{ClientConfig, NoProgress, StoreOptions, WalrusClient};
use walrus_sui::{client::WalrusSuiClient, wallet::Wallet};

const SUI: u64 = 1_000_000_000;
const WAL: u64 = 1_000_000_000;
const N_NODES: usize = 4;
const N_SHARDS: u16 = 10;

fn network_public_key(seed: [u8; 32]) -> NetworkPublicKey {
    NetworkPublicKey::from_on_chain(Wallet::from_seed(seed).public_key().as_bytes()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_and_read_over_tls_pinned_to_on_chain_network_keys() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let mut listeners = Vec::new();
    for _ in 0..N_NODES {
        listeners.push(Some(TcpListener::bind("127.0.0.1:0").await.unwrap()));
    }
    let devnet = Devnet::start(
        DevnetConfig {
            n_shards: N_SHARDS,
            heartbeat_ms: 200,
            nodes: listeners
                .iter()
                .enumerate()
                .map(|(i, l)| walrus_devnet::NodeConfig {
                    name: format!("node-{i}"),
                    network_address: l.as_ref().unwrap().local_addr().unwrap().to_string(),
                    ..walrus_devnet::NodeConfig::default()
                })
                .collect(),
            ..DevnetConfig::default()
        },
        &dir.path().join("devnet"),
    )
    .await
    .unwrap();
    let genesis = devnet.genesis().clone();
    let faucet = WalrusSuiClient::new(devnet.sui_config())
        .unwrap()
        .with_wallet(Wallet::new(genesis.faucet.key().unwrap()));

    // Each operator registers its node's own network key on chain; the node serves TLS with it.
    let mut nodes = Vec::new();
    let mut configs = Vec::new();
    for (i, info) in genesis.nodes.iter().enumerate() {
        let seed = [100 + u8::try_from(i).unwrap(); 32];
        let operator = Wallet::new(info.operator.key().unwrap());
        faucet
            .transfer_sui(operator.address(), 10 * SUI)
            .await
            .unwrap();
        WalrusSuiClient::new(devnet.sui_config())
            .unwrap()
            .with_wallet(operator.clone())
            .set_network_public_key(info.cap_id, &network_public_key(seed).to_on_chain())
            .await
            .unwrap();
        let listener = listeners
            .iter_mut()
            .find(|l| {
                l.as_ref()
                    .is_some_and(|l| l.local_addr().unwrap().to_string() == info.network_address)
            })
            .and_then(Option::take)
            .unwrap();
        let mut config = NodeConfig::for_local(
            info.name.clone(),
            &info.bls_key_pair().unwrap(),
            &operator,
            info.node_id,
            info.cap_id,
            devnet.sui_config(),
            dir.path().join(format!("node-{i}")),
            listener.local_addr().unwrap(),
        );
        config.tls = TlsConfig::NetworkKey;
        config.network_key = Some(hex::encode(seed));
        config.peer_tls = None;
        config.validate().unwrap();
        let handle = walrus_node::start_with_listener(config.clone(), listener)
            .await
            .unwrap();
        assert!(handle.rest_url().starts_with("https://"));
        nodes.push(Some(handle));
        configs.push((config, seed));
    }

    // A client pinned to a node's key talks to it; pinned to another key it refuses, and says
    // why; plain HTTP gets nothing.
    let timeout = Duration::from_secs(10);
    let url = nodes[0].as_ref().unwrap().rest_url();
    let pinned = NodeClient::with_client(
        pinned_http_client(network_public_key(configs[0].1), timeout, timeout).unwrap(),
        &url,
    )
    .unwrap();
    pinned.health().await.unwrap();
    let wrong_key = network_public_key(configs[1].1);
    let wrong = NodeClient::with_client(
        pinned_http_client(wrong_key, timeout, timeout).unwrap(),
        &url,
    )
    .unwrap();
    let error = wrong.health().await.unwrap_err();
    let message = error_chain(&error);
    assert!(
        message.contains("not for its on-chain network public key")
            && message.contains(&wrong_key.to_string()),
        "{message}"
    );
    let plain = NodeClient::new(&url.replace("https://", "http://")).unwrap();
    assert!(plain.health().await.is_err());

    // Node 3 is down during the store; the others hold a quorum (its shards are at most f).
    let down = 3;
    let (down_config, _) = configs[down].clone();
    let down_address = down_config.rest_api_address;
    nodes[down].take().unwrap().shutdown().await;

    // The SDK stores and reads over HTTPS, pinning every node to its on-chain key.
    let user = Wallet::from_seed([77; 32]);
    faucet.transfer_sui(user.address(), 10 * SUI).await.unwrap();
    faucet
        .transfer_wal(user.address(), 1_000 * WAL)
        .await
        .unwrap();
    let mut client_config = ClientConfig::new(devnet.sui_config());
    client_config.communication.node_scheme = "https".to_owned();
    client_config.communication.max_attempts = 2;
    let client = WalrusClient::with_sui_client(
        WalrusSuiClient::new(devnet.sui_config())
            .unwrap()
            .with_wallet(user),
        client_config,
    )
    .unwrap();
    let data: Vec<u8> = (0..200_000u32)
        .map(|i| u8::try_from(i % 251).unwrap())
        .collect();
    let stored = client
        .store_blob(data.clone(), &StoreOptions::permanent(3), &NoProgress)
        .await
        .unwrap();
    let blob_id = stored.blob_id();
    assert_eq!(client.read_blob(&blob_id).await.unwrap(), data);

    // Node 3 comes back and recovers its slivers from its peers, over pinned TLS.
    let listener = TcpListener::bind(down_address).await.unwrap();
    let restarted = walrus_node::start_with_listener(down_config, listener)
        .await
        .unwrap();
    let node_client = NodeClient::with_client(
        pinned_http_client(network_public_key(configs[down].1), timeout, timeout).unwrap(),
        &restarted.rest_url(),
    )
    .unwrap();
    let shards = restarted.node().owned_shards();
    assert!(!shards.is_empty());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut all = true;
        for shard in &shards {
            let pair = shard.to_pair_index(N_SHARDS, &blob_id);
            all &= node_client.get_sliver_primary(&blob_id, pair).await.is_ok()
                && node_client
                    .get_sliver_secondary(&blob_id, pair)
                    .await
                    .is_ok();
        }
        if all {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for recovery over TLS"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered: u64 = ["primary", "secondary"]
        .iter()
        .map(|axis| {
            restarted
                .node()
                .metrics
                .slivers_stored
                .with_label_values(&[axis, "recovery"])
                .get()
        })
        .sum();
    assert_eq!(recovered, 2 * u64::try_from(shards.len()).unwrap());

    restarted.shutdown().await;
    for node in nodes.into_iter().flatten() {
        node.shutdown().await;
    }
    devnet.shutdown().await;
}
