//! The Walrus storage node.
//!
//! - [`config`]: the YAML configuration.
//! - [`storage`]: the fjall-backed store (one keyspace pair per shard).
//! - [`chain_view`]: follows the chain and maintains per-blob info from events.
//! - [`node`]: the request logic behind every API route.
//! - [`api`]: the axum REST API.
//! - [`recovery`]: background recovery of missing slivers and invalid-blob handling.
//! - [`epoch`]: shard handover on epoch changes.
//! - [`challenge`]: storage challenges (responder, challenger, verdict exchange).
//! - [`tls`]: HTTPS with a self-signed certificate for the node's network key.
//!
//! [`start`] runs a node in-process and returns a [`NodeHandle`]; the `walrus-node` binary
//! wraps it.

pub mod api;
pub mod chain_view;
pub mod challenge;
pub mod committee;
pub mod config;
pub mod epoch;
pub mod metrics;
pub mod node;
pub mod rate_limit;
pub mod recovery;
pub mod storage;
pub mod tls;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use tokio::{net::TcpListener, sync::mpsc, task::JoinHandle};
use tokio_util::sync::CancellationToken;
use walrus_node_api::ShardStatus;
use walrus_sui::client::WalrusSuiClient;

pub use crate::config::NodeConfig;
use crate::{
    node::NodeInner,
    storage::{FjallStore, NodeStore},
};

/// Errors starting a node.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The store could not be opened.
    #[error("store: {0}")]
    Store(#[from] storage::StoreError),
    /// The chain could not be reached or read.
    #[error("chain: {0}")]
    Chain(#[from] walrus_sui::client::ChainError),
    /// A listener could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The IO error.
        source: std::io::Error,
    },
    /// The HTTP client could not be built.
    #[error("http client: {0}")]
    Http(#[from] reqwest::Error),
    /// TLS setup failed.
    #[error("tls: {0}")]
    Tls(String),
}

/// A running node.
#[derive(Debug)]
pub struct NodeHandle {
    node: Arc<NodeInner>,
    rest_address: SocketAddr,
    metrics_address: Option<SocketAddr>,
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl NodeHandle {
    /// The node state.
    pub fn node(&self) -> &Arc<NodeInner> {
        &self.node
    }

    /// The bound REST API address.
    pub fn rest_address(&self) -> SocketAddr {
        self.rest_address
    }

    /// The REST API base URL.
    pub fn rest_url(&self) -> String {
        let scheme = match self.node.config.tls {
            config::TlsConfig::Disabled => "http",
            config::TlsConfig::NetworkKey | config::TlsConfig::Pem { .. } => "https",
        };
        format!("{scheme}://{}", self.rest_address)
    }

    /// The bound metrics address.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_address
    }

    /// A token that stops the node when cancelled.
    pub fn cancellation_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Stops every task and waits for them (servers finish in-flight requests).
    pub async fn shutdown(self) {
        self.cancel.cancel();
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }

    /// Waits until the node stops (after cancellation).
    pub async fn wait(self) {
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Starts a node: binds the REST (and metrics) listeners from the config.
pub async fn start(config: NodeConfig) -> Result<NodeHandle, NodeError> {
    let address = config.rest_api_address;
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| NodeError::Bind { address, source })?;
    start_with_listener(config, listener).await
}

/// How often the epoch driver checks whether an epoch-change call is due.
const EPOCH_DRIVER_TICK: Duration = Duration::from_secs(1);

/// Starts a node serving the REST API on an already bound listener (tests bind port 0 first
/// so the address can go on chain before the node starts).
pub async fn start_with_listener(
    config: NodeConfig,
    listener: TcpListener,
) -> Result<NodeHandle, NodeError> {
    config.validate()?;
    if config.fault_injection.is_enabled() {
        tracing::warn!(
            name = %config.name,
            corrupt_slivers = config.fault_injection.corrupt_slivers,
            corrupt_metadata = config.fault_injection.corrupt_metadata,
            "FAULT INJECTION ENABLED (testing only): this node serves corrupted data to clients"
        );
    }
    let key = config.load_protocol_key()?;
    let tls_config = server_tls_config(&config, &listener)?;
    let wallet = config.load_operator_wallet()?;
    let path = config.storage_path.clone();
    let sync_writes = config.sync_writes;
    let store = tokio::task::spawn_blocking(move || FjallStore::open(&path, sync_writes))
        .await
        .map_err(|e| NodeError::Store(storage::StoreError::Engine(e.to_string())))??;
    let sui = WalrusSuiClient::new(config.sui.clone())?.with_wallet(wallet);
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .build()?;
    let committee = chain_view::fetch_committee(&sui, &http, config.peers_use_tls()).await?;
    let node_id = walrus_sui::client::to_object_id(config.node_id);
    for shard in committee.shards_of(&node_id) {
        store.create_shard(shard)?;
    }
    let (recovery_tx, recovery_rx) = mpsc::unbounded_channel();
    let name = config.name.clone();
    let metrics_address_config = config.metrics_address;
    let node = Arc::new(NodeInner::new(
        config,
        Arc::new(store),
        key,
        sui,
        committee,
        http,
        recovery_tx,
    ));
    for shard in node.owned_shards() {
        node.set_shard_status(shard, ShardStatus::Ready);
    }
    let next_checkpoint = node.store.next_checkpoint()?.unwrap_or(0);
    node.checkpoint_processed(next_checkpoint, 0);
    // Certified blobs that lack slivers (for example after a crash mid-recovery).
    let epoch = node.epoch();
    for (blob_id, info) in node.store.blob_infos()? {
        if info.is_certified(epoch) && !node.missing_slivers(&blob_id)?.is_empty() {
            node.queue_recovery(blob_id);
        }
    }

    let cancel = CancellationToken::new();
    let mut tasks = Vec::new();
    let rest_address = listener.local_addr().map_err(|source| NodeError::Bind {
        address: node.config.rest_api_address,
        source,
    })?;
    let app = api::router(Arc::clone(&node));
    let token = cancel.clone();
    tasks.push(tokio::spawn(async move {
        match tls_config {
            Some(tls_config) => tls::serve(listener, app, tls_config, token).await,
            None => {
                // The peer address feeds the per-client rate limit of the challenge endpoint.
                let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
                let served = axum::serve(listener, app)
                    .with_graceful_shutdown(token.cancelled_owned())
                    .await;
                if let Err(error) = served {
                    tracing::error!(%error, "REST API server failed");
                }
            }
        }
    }));
    let metrics_address = match metrics_address_config {
        Some(address) => {
            let listener = TcpListener::bind(address)
                .await
                .map_err(|source| NodeError::Bind { address, source })?;
            let bound = listener.local_addr().ok();
            let app = api::metrics_router(Arc::clone(&node));
            let token = cancel.clone();
            tasks.push(tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(token.cancelled_owned())
                    .await;
            }));
            bound
        }
        None => None,
    };
    tasks.push(tokio::spawn(chain_view::run(
        Arc::clone(&node),
        cancel.clone(),
    )));
    tasks.push(tokio::spawn(recovery::run(
        Arc::clone(&node),
        recovery_rx,
        cancel.clone(),
    )));
    if node.config.challenges.enabled {
        tasks.push(tokio::spawn(challenge::run(
            Arc::clone(&node),
            challenge::SuiChallengeChain::new(node.sui.clone()),
            node.config.challenges.worker_config(),
            cancel.clone(),
        )));
    }
    if node.config.drive_epoch_change {
        let sui = node.sui.clone();
        let token = cancel.clone();
        tasks.push(tokio::spawn(async move {
            let drive =
                walrus_sui::epoch_driver::drive_epochs(&sui, EPOCH_DRIVER_TICK, |epoch, error| {
                    // Expected when another driver made the call first.
                    tracing::debug!(epoch, %error, "epoch driver: call not applied");
                });
            tokio::select! {
                () = drive => {}
                () = token.cancelled() => {}
            }
        }));
    }
    tracing::info!(%name, %rest_address, epoch, shards = ?node.owned_shards(), "storage node started");
    Ok(NodeHandle {
        node,
        rest_address,
        metrics_address,
        cancel,
        tasks,
    })
}

/// The rustls server config of the REST API, or `None` for plain HTTP.
fn server_tls_config(
    config: &NodeConfig,
    listener: &TcpListener,
) -> Result<Option<Arc<rustls::ServerConfig>>, NodeError> {
    match &config.tls {
        config::TlsConfig::Disabled => Ok(None),
        config::TlsConfig::Pem {
            certificate_path,
            key_path,
        } => tls::server_config(certificate_path, key_path)
            .map(Some)
            .map_err(NodeError::Tls),
        config::TlsConfig::NetworkKey => {
            let seed = config.load_network_key()?.ok_or_else(|| {
                NodeError::Tls("`tls: network_key` needs a network key".to_owned())
            })?;
            let mut names = vec!["localhost".to_owned()];
            if let Ok(address) = listener.local_addr() {
                names.push(address.ip().to_string());
            }
            tls::network_key_server_config(&seed, names)
                .map(Some)
                .map_err(NodeError::Tls)
        }
    }
}
