//! Test network: an embedded devnet and storage nodes on 127.0.0.1, plus client helpers
//! (funding, registering, uploading, certifying).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // Shared by several test files.

use std::{path::PathBuf, time::Duration};

use sui_sdk_types::Address;
use tokio::net::TcpListener;
use walrus_core::{
    BlobId, ShardIndex, SliverPairIndex,
    encoding::{EncodedBlob, EncodingConfig, encode_with_metadata},
    messages::{
        BlobPersistenceConfirmation, BlobPersistenceType, ConfirmationCertificate, SignedMessage,
    },
};
use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle, GenesisInfo};
use walrus_node::{NodeConfig, NodeHandle};
use walrus_node_api::NodeClient;
use walrus_sui::{
    client::{BlobRegistration, Certificate, Owned, WalrusSuiClient, to_object_id},
    config::WalrusSuiConfig,
    objects::Blob,
    wallet::Wallet,
};

pub const SUI: u64 = 1_000_000_000;
pub const WAL: u64 = 1_000_000_000;

/// A devnet with storage nodes.
pub struct Network {
    pub dir: tempfile::TempDir,
    pub devnet: DevnetHandle,
    pub genesis: GenesisInfo,
    pub configs: Vec<NodeConfig>,
    pub nodes: Vec<Option<NodeHandle>>,
}

impl Network {
    /// Starts a devnet with `n_nodes` nodes over `n_shards` shards, and the nodes.
    pub async fn start(n_nodes: usize, n_shards: u16) -> Self {
        Self::start_with_epoch_duration(
            n_nodes,
            n_shards,
            DevnetConfig::default().epoch_duration_ms,
        )
        .await
    }

    /// Like [`Network::start`], with epochs of `epoch_duration_ms` (long epochs keep the
    /// committee fixed for the whole test).
    pub async fn start_with_epoch_duration(
        n_nodes: usize,
        n_shards: u16,
        epoch_duration_ms: u64,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut listeners = Vec::new();
        for _ in 0..n_nodes {
            listeners.push(TcpListener::bind("127.0.0.1:0").await.unwrap());
        }
        let devnet_config = DevnetConfig {
            n_shards,
            heartbeat_ms: 200,
            nodes: listeners
                .iter()
                .enumerate()
                .map(|(i, l)| walrus_devnet::NodeConfig {
                    name: format!("node-{i}"),
                    network_address: l.local_addr().unwrap().to_string(),
                    ..walrus_devnet::NodeConfig::default()
                })
                .collect(),
            epoch_duration_ms,
            ..DevnetConfig::default()
        };
        let devnet = Devnet::start(devnet_config, &dir.path().join("devnet"))
            .await
            .unwrap();
        let genesis = devnet.genesis().clone();
        let mut configs = Vec::new();
        let mut nodes = Vec::new();
        // Genesis may order the nodes differently from the config: give each node the listener
        // of the address the chain holds for it, so peers reach it through the committee.
        let mut listeners: Vec<Option<TcpListener>> = listeners.into_iter().map(Some).collect();
        for i in 0..genesis.nodes.len() {
            let info = &genesis.nodes[i];
            let listener = listeners
                .iter_mut()
                .find(|l| {
                    l.as_ref().is_some_and(|l| {
                        l.local_addr().unwrap().to_string() == info.network_address
                    })
                })
                .and_then(Option::take)
                .expect("every genesis node has one of the listeners");
            let config = NodeConfig::for_local(
                info.name.clone(),
                &info.bls_key_pair().unwrap(),
                &Wallet::new(info.operator.key().unwrap()),
                info.node_id,
                info.cap_id,
                sui_config(&devnet),
                dir.path().join(format!("node-{i}")),
                listener.local_addr().unwrap(),
            );
            let handle = walrus_node::start_with_listener(config.clone(), listener)
                .await
                .unwrap();
            configs.push(config);
            nodes.push(Some(handle));
        }
        Self {
            dir,
            devnet,
            genesis,
            configs,
            nodes,
        }
    }

    pub fn node(&self, i: usize) -> &NodeHandle {
        self.nodes[i].as_ref().expect("node is running")
    }

    pub fn client(&self, i: usize) -> NodeClient {
        NodeClient::new(&format!("http://{}", self.configs[i].rest_api_address)).unwrap()
    }

    pub fn storage_path(&self, i: usize) -> PathBuf {
        self.configs[i].storage_path.clone()
    }

    /// Stops node `i`.
    pub async fn stop(&mut self, i: usize) {
        if let Some(handle) = self.nodes[i].take() {
            handle.shutdown().await;
        }
    }

    /// Restarts node `i` on its old address and storage.
    pub async fn restart(&mut self, i: usize) {
        let address = self.configs[i].rest_api_address;
        let mut listener = None;
        for _ in 0..50 {
            match TcpListener::bind(address).await {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let handle = walrus_node::start_with_listener(self.configs[i].clone(), listener.unwrap())
            .await
            .unwrap();
        self.nodes[i] = Some(handle);
    }

    /// The shards node `i` owns.
    pub fn shards_of(&self, i: usize) -> Vec<ShardIndex> {
        self.genesis.nodes[i]
            .shards
            .iter()
            .copied()
            .map(ShardIndex)
            .collect()
    }

    /// The committee index of node `i` (signer index in certificates).
    pub async fn member_index(&self, user: &WalrusSuiClient, i: usize) -> u16 {
        let committee = user.committee().await.unwrap();
        let node_id = to_object_id(self.genesis.nodes[i].node_id);
        u16::try_from(
            committee
                .members
                .iter()
                .position(|m| m.node_id == node_id)
                .unwrap(),
        )
        .unwrap()
    }

    pub async fn shutdown(mut self) {
        for i in 0..self.nodes.len() {
            self.stop(i).await;
        }
        self.devnet.shutdown().await;
    }
}

pub fn sui_config(devnet: &DevnetHandle) -> WalrusSuiConfig {
    devnet.sui_config()
}

/// A client of a new account funded by the genesis faucet account.
pub async fn funded_client(devnet: &DevnetHandle, seed: u8) -> WalrusSuiClient {
    let faucet = WalrusSuiClient::new(sui_config(devnet))
        .unwrap()
        .with_wallet(Wallet::new(devnet.genesis().faucet.key().unwrap()));
    let user = Wallet::from_seed([seed; 32]);
    faucet.transfer_sui(user.address(), 10 * SUI).await.unwrap();
    faucet
        .transfer_wal(user.address(), 100 * WAL)
        .await
        .unwrap();
    WalrusSuiClient::new(sui_config(devnet))
        .unwrap()
        .with_wallet(user)
}

/// Deterministic blob contents.
pub fn blob_bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 31 + usize::from(seed) * 7 + 3) % 251).unwrap())
        .collect()
}

pub fn encode(n_shards: u16, data: &[u8]) -> EncodedBlob {
    encode_with_metadata(&EncodingConfig::new(n_shards).unwrap(), data).unwrap()
}

pub fn registration(encoded: &EncodedBlob, deletable: bool) -> BlobRegistration {
    BlobRegistration::from_metadata(&encoded.metadata, deletable)
}

/// Registers the blob on chain for `epochs` epochs.
pub async fn register(
    user: &WalrusSuiClient,
    encoded: &EncodedBlob,
    deletable: bool,
    epochs: u32,
) -> Owned<Blob> {
    user.reserve_and_register_blob(epochs, &registration(encoded, deletable))
        .await
        .unwrap()
}

/// Polls `check` every 50 ms until it returns true, failing after `secs` seconds.
pub async fn wait_for<F, Fut>(what: &str, secs: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until node `i` sees the blob as registered.
pub async fn wait_registered(network: &Network, i: usize, blob_id: &BlobId) {
    let client = network.client(i);
    wait_for("registration", 30, || async {
        client
            .blob_status(blob_id)
            .await
            .is_ok_and(|s| s != walrus_node_api::BlobStatus::Nonexistent)
    })
    .await;
}

/// The sliver pairs stored on `shards` for this blob.
pub fn pairs_on(
    encoded: &EncodedBlob,
    n_shards: u16,
    shards: &[ShardIndex],
) -> Vec<SliverPairIndex> {
    shards
        .iter()
        .map(|s| s.to_pair_index(n_shards, encoded.blob_id()))
        .collect()
}

/// Uploads metadata and the node's slivers to node `i`.
pub async fn upload(network: &Network, i: usize, encoded: &EncodedBlob) {
    let client = network.client(i);
    let blob_id = encoded.blob_id();
    client
        .put_metadata(blob_id, encoded.metadata.metadata())
        .await
        .unwrap();
    for pair in pairs_on(encoded, network.genesis.n_shards, &network.shards_of(i)) {
        let sliver_pair = &encoded.sliver_pairs[pair.as_usize()];
        client
            .put_sliver_primary(blob_id, pair, &sliver_pair.primary)
            .await
            .unwrap();
        client
            .put_sliver_secondary(blob_id, pair, &sliver_pair.secondary)
            .await
            .unwrap();
    }
}

/// Collects confirmations from `nodes`, verifies them and certifies the blob.
pub async fn certify(
    network: &Network,
    user: &WalrusSuiClient,
    blob: &Owned<Blob>,
    nodes: &[usize],
) {
    let blob_id = blob.value.blob_id;
    let epoch = user.current_epoch().await.unwrap();
    let committee = user.committee().await.unwrap();
    let blob_type = if blob.value.deletable {
        BlobPersistenceType::Deletable {
            object_id: to_object_id(blob.object_ref.id),
        }
    } else {
        BlobPersistenceType::Permanent
    };
    let mut signed: Vec<(u16, SignedMessage<BlobPersistenceConfirmation>)> = Vec::new();
    for &i in nodes {
        let client = network.client(i);
        let confirmation = match blob_type {
            BlobPersistenceType::Permanent => client.get_permanent_confirmation(&blob_id).await,
            BlobPersistenceType::Deletable { object_id } => {
                client
                    .get_deletable_confirmation(&blob_id, &object_id)
                    .await
            }
        }
        .unwrap();
        let index = network.member_index(user, i).await;
        let key = walrus_core::BlsPublicKey::from_bytes(
            &committee.members[usize::from(index)].public_key.bytes,
        )
        .unwrap();
        confirmation
            .verify_signature_and_contents(
                &key,
                epoch,
                &BlobPersistenceConfirmation { blob_id, blob_type },
            )
            .unwrap();
        signed.push((index, confirmation));
    }
    signed.sort_by_key(|(i, _)| *i);
    let certificate =
        ConfirmationCertificate::from_signed_messages(signed.iter().map(|(i, s)| (*i, s))).unwrap();
    user.certify_blob(
        blob.object_ref.id,
        &Certificate {
            signature: certificate.signature.to_bytes().to_vec(),
            signers_bitmap: certificate.signers_bitmap(committee.members.len()).unwrap(),
            message: certificate.serialized_message.clone(),
        },
    )
    .await
    .unwrap();
}

/// Node indices, heaviest first, whose shards reach `n - f`.
pub fn quorum_nodes(network: &Network) -> Vec<usize> {
    let n = network.genesis.n_shards;
    let need = walrus_core::bft::min_n_correct(n);
    let mut nodes: Vec<usize> = (0..network.genesis.nodes.len()).collect();
    nodes.sort_by_key(|&i| std::cmp::Reverse(network.genesis.nodes[i].shards.len()));
    let mut weight = 0;
    let mut chosen = Vec::new();
    for i in nodes {
        if weight >= usize::from(need) {
            break;
        }
        weight += network.genesis.nodes[i].shards.len();
        chosen.push(i);
    }
    chosen
}

pub fn unused_address() -> Address {
    Address::new([0x55; 32])
}
