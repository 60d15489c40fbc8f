//! A test network: the embedded devnet plus in-process stand-ins for the storage nodes that
//! speak the node REST API (metadata, slivers, confirmations signed with the genesis BLS keys,
//! status). A stand-in can be honest, down, or lying (serving corrupted slivers or metadata),
//! so the SDK's store and read paths can be exercised end to end, including faults.
//!
//! Everything listens on 127.0.0.1 with ephemeral ports.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // Test helpers fail loudly.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use walrus_core::encoding::{Primary, Secondary, SliverData};
use walrus_core::messages::storage_confirmation::{BlobPersistenceType, StorageConfirmation};
use walrus_core::metadata::{BlobMetadata, BlobMetadataWithId};
use walrus_core::{BlobId, BlsKeyPair, Confirmation, ObjectId, ShardIndex};
use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle, NodeConfig};
use walrus_node_api::{ApiError, ApiStatus, ApiSuccess, BlobStatus, reason};
use walrus_sdk::{ClientConfig, CommunicationConfig, WalrusClient};
use walrus_sui::client::WalrusSuiClient;
use walrus_sui::config::WalrusSuiConfig;
use walrus_sui::wallet::{Keystore, Wallet};

pub const SUI: u64 = 1_000_000_000;
pub const WAL: u64 = 1_000_000_000;

/// How a stand-in node behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Stores and serves faithfully.
    Honest,
    /// Answers every request with 503.
    Down,
    /// Stores faithfully but serves slivers with one flipped byte.
    CorruptSlivers,
    /// Serves metadata with a wrong hash.
    CorruptMetadata,
}

#[derive(Debug, Default)]
struct NodeState {
    metadata: HashMap<BlobId, BlobMetadata>,
    slivers: HashMap<(BlobId, u16, String), Vec<u8>>,
}

#[derive(Clone)]
struct NodeApp {
    behaviour: Arc<Mutex<Behaviour>>,
    state: Arc<Mutex<NodeState>>,
    key: Arc<BlsKeyPair>,
    shards: Vec<ShardIndex>,
    n_shards: u16,
    epoch: u32,
}

/// A running stand-in node.
pub struct MockNode {
    pub address: SocketAddr,
    pub node_id: ObjectId,
    behaviour: Arc<Mutex<Behaviour>>,
    state: Arc<Mutex<NodeState>>,
}

impl MockNode {
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *self.behaviour.lock().unwrap() = behaviour;
    }

    /// Drops all stored data (as if the node lost its disk).
    pub fn wipe(&self) {
        let mut state = self.state.lock().unwrap();
        state.metadata.clear();
        state.slivers.clear();
    }

    pub fn n_slivers(&self) -> usize {
        self.state.lock().unwrap().slivers.len()
    }
}

fn api_error(status: ApiStatus, reason: &str, message: &str) -> Response {
    let error = ApiError::new(status, reason, message);
    let code = StatusCode::from_u16(status.http_code()).unwrap();
    (
        code,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        error.to_json(),
    )
        .into_response()
}

fn json<T: serde::Serialize>(code: u16, data: T) -> Response {
    (
        StatusCode::from_u16(code).unwrap(),
        axum::Json(ApiSuccess::new(code, data)),
    )
        .into_response()
}

fn down() -> Response {
    api_error(ApiStatus::Unavailable, reason::UNAVAILABLE, "down")
}

impl NodeApp {
    fn behaviour(&self) -> Behaviour {
        *self.behaviour.lock().unwrap()
    }

    fn has_all_slivers(&self, blob_id: &BlobId) -> bool {
        let state = self.state.lock().unwrap();
        state.metadata.contains_key(blob_id)
            && self.shards.iter().all(|shard| {
                let pair = shard.to_pair_index(self.n_shards, blob_id).get();
                ["primary", "secondary"].iter().all(|axis| {
                    state
                        .slivers
                        .contains_key(&(*blob_id, pair, (*axis).to_owned()))
                })
            })
    }
}

async fn put_metadata(
    State(app): State<NodeApp>,
    Path(blob_id): Path<String>,
    body: Bytes,
) -> Response {
    if app.behaviour() == Behaviour::Down {
        return down();
    }
    let blob_id: BlobId = blob_id.parse().unwrap();
    let Ok(metadata) = bcs::from_bytes::<BlobMetadata>(&body) else {
        return api_error(ApiStatus::InvalidArgument, reason::INVALID_METADATA, "bcs");
    };
    let with_id = BlobMetadataWithId {
        blob_id,
        metadata: metadata.clone(),
    };
    if with_id.verify(app.n_shards).is_err() {
        return api_error(ApiStatus::InvalidArgument, reason::INVALID_METADATA, "bad");
    }
    let mut state = app.state.lock().unwrap();
    let existed = state.metadata.insert(blob_id, metadata).is_some();
    if existed {
        json(200, "metadata already stored")
    } else {
        json(201, "metadata successfully stored")
    }
}

async fn get_metadata(State(app): State<NodeApp>, Path(blob_id): Path<String>) -> Response {
    if app.behaviour() == Behaviour::Down {
        return down();
    }
    let blob_id: BlobId = blob_id.parse().unwrap();
    let state = app.state.lock().unwrap();
    let Some(metadata) = state.metadata.get(&blob_id).cloned() else {
        return api_error(ApiStatus::NotFound, reason::METADATA_NOT_FOUND, "none");
    };
    let mut with_id = BlobMetadataWithId { blob_id, metadata };
    if app.behaviour() == Behaviour::CorruptMetadata {
        // Claim a different length: the blob ID no longer matches.
        let BlobMetadata::V1(v1) = &mut with_id.metadata;
        v1.unencoded_length += 1;
    }
    bcs::to_bytes(&with_id).unwrap().into_response()
}

async fn put_sliver(
    State(app): State<NodeApp>,
    Path((blob_id, pair, axis)): Path<(String, u16, String)>,
    body: Bytes,
) -> Response {
    if app.behaviour() == Behaviour::Down {
        return down();
    }
    let blob_id: BlobId = blob_id.parse().unwrap();
    let mut state = app.state.lock().unwrap();
    if !state.metadata.contains_key(&blob_id) {
        return api_error(
            ApiStatus::FailedPrecondition,
            reason::METADATA_NOT_FOUND,
            "metadata first",
        );
    }
    let owned = app
        .shards
        .iter()
        .any(|s| s.to_pair_index(app.n_shards, &blob_id).get() == pair);
    if !owned {
        return api_error(
            ApiStatus::FailedPrecondition,
            reason::SHARD_NOT_ASSIGNED,
            "not mine",
        );
    }
    let existed = state
        .slivers
        .insert((blob_id, pair, axis), body.to_vec())
        .is_some();
    if existed {
        json(200, "sliver already stored")
    } else {
        json(201, "sliver stored successfully")
    }
}

async fn get_sliver(
    State(app): State<NodeApp>,
    Path((blob_id, pair, axis)): Path<(String, u16, String)>,
) -> Response {
    if app.behaviour() == Behaviour::Down {
        return down();
    }
    let blob_id: BlobId = blob_id.parse().unwrap();
    let state = app.state.lock().unwrap();
    let Some(bytes) = state.slivers.get(&(blob_id, pair, axis.clone())).cloned() else {
        return api_error(ApiStatus::NotFound, reason::SLIVER_NOT_FOUND, "none");
    };
    if app.behaviour() != Behaviour::CorruptSlivers {
        return bytes.into_response();
    }
    let corrupted = if axis == "primary" {
        let mut sliver: SliverData<Primary> = bcs::from_bytes(&bytes).unwrap();
        if let Some(byte) = sliver.symbols_mut().data_mut().first_mut() {
            *byte ^= 0x5a;
        }
        bcs::to_bytes(&sliver).unwrap()
    } else {
        let mut sliver: SliverData<Secondary> = bcs::from_bytes(&bytes).unwrap();
        if let Some(byte) = sliver.symbols_mut().data_mut().first_mut() {
            *byte ^= 0x5a;
        }
        bcs::to_bytes(&sliver).unwrap()
    };
    corrupted.into_response()
}

fn confirm(app: &NodeApp, blob_id: &str, blob_type: BlobPersistenceType) -> Response {
    if app.behaviour() == Behaviour::Down {
        return down();
    }
    let blob_id: BlobId = blob_id.parse().unwrap();
    if !app.has_all_slivers(&blob_id) {
        return api_error(
            ApiStatus::FailedPrecondition,
            reason::MISSING_SLIVERS,
            "missing slivers",
        );
    }
    let signed = Confirmation::for_blob(app.epoch, blob_id, blob_type).sign(&app.key);
    json(200, StorageConfirmation::Signed(signed))
}

async fn permanent_confirmation(
    State(app): State<NodeApp>,
    Path(blob_id): Path<String>,
) -> Response {
    confirm(&app, &blob_id, BlobPersistenceType::Permanent)
}

async fn deletable_confirmation(
    State(app): State<NodeApp>,
    Path((blob_id, object_id)): Path<(String, String)>,
) -> Response {
    let object_id: ObjectId = object_id.parse().unwrap();
    confirm(&app, &blob_id, BlobPersistenceType::Deletable { object_id })
}

async fn blob_status(State(app): State<NodeApp>) -> Response {
    if app.behaviour() == Behaviour::Down {
        return down();
    }
    json(200, BlobStatus::Nonexistent)
}

fn merge_slashes(mut request: axum::extract::Request) -> axum::extract::Request {
    let uri = request.uri();
    if uri.path().starts_with("//") {
        let path = format!("/{}", uri.path().trim_start_matches('/'));
        let fixed = match uri.query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        if let Ok(fixed) = fixed.parse() {
            *request.uri_mut() = fixed;
        }
    }
    request
}

/// A devnet with stand-in nodes and a funded client.
pub struct Network {
    pub dir: tempfile::TempDir,
    pub devnet: DevnetHandle,
    pub nodes: Vec<MockNode>,
    pub config_path: PathBuf,
    pub client: WalrusClient,
    pub wallet: Wallet,
}

/// Fast retries so failing nodes do not slow tests down.
pub fn fast_communication() -> CommunicationConfig {
    CommunicationConfig {
        request_timeout_ms: 20_000,
        connect_timeout_ms: 2_000,
        max_attempts: 3,
        retry_base_ms: 50,
        retry_max_ms: 200,
        extra_time_ms: 200,
        ..CommunicationConfig::default()
    }
}

/// Starts a devnet whose 4 genesis nodes (10 shards) are stand-ins with the given behaviours,
/// and a client (config file with a keystore) funded with 10 SUI and 1000 WAL.
pub async fn start_network(behaviours: [Behaviour; 4]) -> Network {
    let dir = tempfile::tempdir().unwrap();
    let mut listeners = Vec::new();
    for _ in 0..4 {
        listeners.push(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap());
    }
    let addresses: Vec<SocketAddr> = listeners.iter().map(|l| l.local_addr().unwrap()).collect();
    let config = DevnetConfig {
        heartbeat_ms: 200,
        nodes: addresses
            .iter()
            .enumerate()
            .map(|(i, a)| NodeConfig {
                name: format!("node-{i}"),
                network_address: a.to_string(),
                ..NodeConfig::default()
            })
            .collect(),
        ..DevnetConfig::default()
    };
    let devnet = Devnet::start(config, &dir.path().join("chain"))
        .await
        .unwrap();
    let genesis = devnet.genesis().clone();

    let mut nodes = Vec::new();
    for ((listener, address), behaviour) in listeners.into_iter().zip(&addresses).zip(behaviours) {
        let info = genesis
            .nodes
            .iter()
            .find(|n| n.network_address == address.to_string())
            .expect("a genesis node per address");
        let app = NodeApp {
            behaviour: Arc::new(Mutex::new(behaviour)),
            state: Arc::default(),
            key: Arc::new(info.bls_key_pair().unwrap()),
            shards: info.shards.iter().map(|&s| ShardIndex(s)).collect(),
            n_shards: genesis.n_shards,
            epoch: genesis.epoch,
        };
        nodes.push(MockNode {
            address: *address,
            node_id: walrus_sui::client::to_object_id(info.node_id),
            behaviour: app.behaviour.clone(),
            state: app.state.clone(),
        });
        let router = Router::new()
            .route(
                "/v1/blobs/{blob_id}/metadata",
                get(get_metadata).put(put_metadata),
            )
            .route(
                "/v1/blobs/{blob_id}/slivers/{pair}/{axis}",
                get(get_sliver).put(put_sliver),
            )
            .route(
                "/v1/blobs/{blob_id}/confirmation/permanent",
                get(permanent_confirmation),
            )
            .route(
                "/v1/blobs/{blob_id}/confirmation/deletable/{object_id}",
                get(deletable_confirmation),
            )
            .route("/v1/blobs/{blob_id}/status", get(blob_status))
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(app);
        // `NodeClient` currently sends `//v1/...` for base URLs without a path; accept it.
        let service =
            tower::Layer::layer(&tower::util::MapRequestLayer::new(merge_slashes), router);
        tokio::spawn(async move {
            axum::serve(
                listener,
                axum::ServiceExt::<axum::extract::Request>::into_make_service(service),
            )
            .await
            .unwrap();
        });
    }

    let mut sui_config = WalrusSuiConfig::new(
        devnet.grpc_url(),
        genesis.wal_package,
        genesis.walrus_package,
        genesis.system_object,
        genesis.staking_object,
    );
    sui_config.execution_timeout_secs = 30;
    let faucet = WalrusSuiClient::new(sui_config.clone())
        .unwrap()
        .with_wallet(Wallet::new(genesis.faucet.key().expect("faucet key")));
    let wallet = Wallet::from_seed([42; 32]);
    faucet
        .transfer_sui(wallet.address(), 10 * SUI)
        .await
        .unwrap();
    faucet
        .transfer_wal(wallet.address(), 1000 * WAL)
        .await
        .unwrap();

    let keystore_path = dir.path().join("sui.keystore");
    let mut keystore = Keystore::in_memory();
    keystore.add(wallet.clone());
    keystore.save_to(&keystore_path).unwrap();
    sui_config.wallet_path = Some(PathBuf::from("sui.keystore"));
    let config = ClientConfig {
        sui: sui_config,
        communication: fast_communication(),
    };
    let config_path = dir.path().join("client.yaml");
    config.save(&config_path).unwrap();
    let client = WalrusClient::from_config(ClientConfig::load(&config_path).unwrap()).unwrap();
    Network {
        dir,
        devnet,
        nodes,
        config_path,
        client,
        wallet,
    }
}

/// Deterministic test content.
pub fn content(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 31 + 7) % 251).unwrap())
        .collect()
}

/// The node IDs of the stand-ins with the given behaviour.
pub fn nodes_with(network: &Network, behaviour: Behaviour) -> HashSet<ObjectId> {
    network
        .nodes
        .iter()
        .filter(|n| *n.behaviour.lock().unwrap() == behaviour)
        .map(|n| n.node_id)
        .collect()
}
