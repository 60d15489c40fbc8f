//! Running a devnet: genesis or restart from the data directory, the single writer task (execution
//! and heartbeat checkpoints), the gRPC server and the faucet, all on 127.0.0.1.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value as JsonValue, json};
use sui_crypto::SuiSigner;
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{
    Address, Argument, Command, GasPayment, Input, ObjectReference, ProgrammableTransaction,
    SplitCoins, Transaction, TransactionExpiration, TransactionKind, TransferObjects,
};
use tokio::sync::{Mutex, RwLock, broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::chain::{Chain, TxError};
use crate::genesis::{self, DevnetConfig, GenesisError, GenesisInfo};
use crate::rpc::{RpcState, WriterCmd};
use crate::store::{CommitBatch, FjallStore, Store, StoreError};

/// A devnet failure.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// Genesis failed.
    #[error(transparent)]
    Genesis(#[from] GenesisError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// IO (binding, files) failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The stored genesis info does not decode.
    #[error("genesis info: {0}")]
    GenesisInfo(String),
}

/// Where to listen (loopback only; port 0 picks a free port).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ports {
    /// The gRPC port.
    pub grpc: u16,
    /// The faucet port.
    pub faucet: u16,
}

/// Starts devnets.
#[derive(Debug)]
pub struct Devnet;

/// A running devnet.
#[derive(Debug)]
pub struct DevnetHandle {
    grpc_addr: SocketAddr,
    faucet_addr: SocketAddr,
    genesis: GenesisInfo,
    data_dir: PathBuf,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    chain: Arc<RwLock<Chain>>,
    /// Closed once every clone of the RPC state (services, faucet, stream tasks) is dropped.
    alive: mpsc::Receiver<()>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

const GENESIS_META_KEY: &str = "genesis_info";

/// The most transactions sealed in one checkpoint.
const MAX_BATCH: usize = 512;

/// Creates the genesis in `store` if it is empty; returns the genesis info.
fn ensure_genesis(store: &dyn Store, config: &DevnetConfig) -> Result<GenesisInfo, DevnetError> {
    if store.latest_checkpoint()?.is_some() {
        let bytes = store
            .meta(GENESIS_META_KEY)?
            .ok_or_else(|| DevnetError::GenesisInfo("missing".into()))?;
        return serde_json::from_slice(&bytes).map_err(|e| DevnetError::GenesisInfo(e.to_string()));
    }
    let timestamp = now_ms();
    let (objects, mut info) = genesis::build(config, timestamp)?;
    Chain::write_genesis(store, objects, timestamp)?;
    let checkpoint = store
        .checkpoint(0)?
        .ok_or_else(|| DevnetError::GenesisInfo("genesis checkpoint not written".into()))?;
    info.chain_id = checkpoint.summary.digest().to_string();
    let bytes =
        serde_json::to_vec_pretty(&info).map_err(|e| DevnetError::GenesisInfo(e.to_string()))?;
    store.commit(CommitBatch {
        meta: vec![(GENESIS_META_KEY.to_owned(), bytes)],
        ..CommitBatch::default()
    })?;
    Ok(info)
}

/// Runs genesis for `config` in memory and returns the genesis info (for `walrus-devnet genesis`).
pub fn genesis_info(config: &DevnetConfig) -> Result<GenesisInfo, DevnetError> {
    let store = crate::store::MemStore::default();
    ensure_genesis(&store, config)
}

impl Devnet {
    /// Starts a devnet persisted in `data_dir` (genesis on first start) on free loopback ports.
    pub async fn start(config: DevnetConfig, data_dir: &Path) -> Result<DevnetHandle, DevnetError> {
        Self::start_with_ports(config, data_dir, Ports::default()).await
    }

    /// Starts a devnet on the given loopback ports.
    pub async fn start_with_ports(
        config: DevnetConfig,
        data_dir: &Path,
        ports: Ports,
    ) -> Result<DevnetHandle, DevnetError> {
        std::fs::create_dir_all(data_dir)?;
        let store: Arc<dyn Store> = Arc::new(FjallStore::open(&data_dir.join("db"))?);
        let genesis = ensure_genesis(store.as_ref(), &config)?;
        std::fs::write(
            data_dir.join("genesis.json"),
            serde_json::to_vec_pretty(&genesis)
                .map_err(|e| DevnetError::GenesisInfo(e.to_string()))?,
        )?;
        let chain = Arc::new(RwLock::new(Chain::open(store)?));
        let (checkpoints, _) = broadcast::channel(256);
        let (writer_tx, writer_rx) = mpsc::channel(256);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (alive, alive_rx) = mpsc::channel(1);
        let state = RpcState {
            chain: chain.clone(),
            writer: writer_tx,
            checkpoints: checkpoints.clone(),
            shutdown: shutdown_rx.clone(),
            alive,
        };
        let mut tasks = Vec::new();
        tasks.push(tokio::spawn(writer_task(
            chain.clone(),
            writer_rx,
            checkpoints,
            Duration::from_millis(config.heartbeat_ms.max(10)),
            shutdown_rx.clone(),
        )));

        let grpc_listener = tokio::net::TcpListener::bind(("127.0.0.1", ports.grpc)).await?;
        let grpc_addr = grpc_listener.local_addr()?;
        let router = tonic::transport::Server::builder()
            .add_service(proto::ledger_service_server::LedgerServiceServer::new(
                state.clone(),
            ))
            .add_service(proto::state_service_server::StateServiceServer::new(
                state.clone(),
            ))
            .add_service(
                proto::subscription_service_server::SubscriptionServiceServer::new(state.clone()),
            )
            .add_service(
                proto::transaction_execution_service_server::TransactionExecutionServiceServer::new(
                    state.clone(),
                ),
            );
        let mut grpc_shutdown = shutdown_rx.clone();
        tasks.push(tokio::spawn(async move {
            // Without TCP_NODELAY a client that waits for each answer before its next request
            // (a follower catching up one checkpoint at a time) stalls on delayed ACKs: ~40 ms
            // per call instead of well under one.
            let incoming =
                tonic::transport::server::TcpIncoming::from(grpc_listener).with_nodelay(Some(true));
            let _ = router
                .serve_with_incoming_shutdown(incoming, async move {
                    let _ = grpc_shutdown.wait_for(|s| *s).await;
                })
                .await;
        }));

        let faucet_listener = tokio::net::TcpListener::bind(("127.0.0.1", ports.faucet)).await?;
        let faucet_addr = faucet_listener.local_addr()?;
        let faucet = Arc::new(FaucetState {
            rpc: state,
            genesis: genesis.clone(),
            sui_amount: config.faucet_sui_per_request,
            wal_amount: config.faucet_wal_per_request,
            lock: Mutex::new(()),
        });
        let app = axum::Router::new()
            .route("/v2/gas", axum::routing::post(faucet_handler))
            .route("/gas", axum::routing::post(faucet_handler))
            .with_state(faucet);
        let mut faucet_shutdown = shutdown_rx;
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(faucet_listener, app)
                .with_graceful_shutdown(async move {
                    let _ = faucet_shutdown.wait_for(|s| *s).await;
                })
                .await;
        }));

        Ok(DevnetHandle {
            grpc_addr,
            faucet_addr,
            genesis,
            data_dir: data_dir.to_path_buf(),
            shutdown,
            tasks,
            chain,
            alive: alive_rx,
        })
    }
}

impl DevnetHandle {
    /// The gRPC endpoint (`http://127.0.0.1:PORT`).
    pub fn grpc_url(&self) -> String {
        format!("http://{}", self.grpc_addr)
    }

    /// The faucet endpoint (`http://127.0.0.1:PORT`).
    pub fn faucet_url(&self) -> String {
        format!("http://{}", self.faucet_addr)
    }

    /// The genesis info (IDs and keys).
    pub fn genesis(&self) -> &GenesisInfo {
        &self.genesis
    }

    /// A `walrus-sui` client configuration for this devnet, built from its genesis output (the
    /// gRPC endpoint, package and object IDs, the WAL treasury) with a 30 s execution timeout.
    pub fn sui_config(&self) -> walrus_sui::config::WalrusSuiConfig {
        let mut config = walrus_sui::config::WalrusSuiConfig::new(
            self.grpc_url(),
            self.genesis.wal_package,
            self.genesis.walrus_package,
            self.genesis.system_object,
            self.genesis.staking_object,
        );
        config.wal_treasury_id = Some(self.genesis.wal_treasury);
        config.execution_timeout_secs = 30;
        config
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The latest checkpoint sequence number.
    pub async fn latest_checkpoint(&self) -> u64 {
        self.chain.read().await.latest().summary.sequence_number
    }

    /// Stops the servers, the writer and every open stream, and waits for them. When this
    /// returns the store is closed, so the same data directory can be opened again in this
    /// process.
    pub async fn shutdown(self) {
        let Self {
            shutdown,
            tasks,
            chain,
            mut alive,
            ..
        } = self;
        let _ = shutdown.send(true);
        for task in tasks {
            let _ = task.await;
        }
        // Stream tasks end on the shutdown signal; wait until the last one has dropped its state.
        while alive.recv().await.is_some() {}
        drop(chain);
    }
}

async fn writer_task(
    chain: Arc<RwLock<Chain>>,
    mut commands: mpsc::Receiver<WriterCmd>,
    checkpoints: broadcast::Sender<Arc<crate::store::CheckpointRecord>>,
    heartbeat: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut interval = tokio::time::interval(heartbeat);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            command = commands.recv() => {
                let Some(first) = command else { return };
                // Group commit: everything queued now goes into one checkpoint.
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH
                    && let Ok(next) = commands.try_recv()
                {
                    batch.push(next);
                }
                let (submissions, replies): (Vec<_>, Vec<_>) = batch
                    .into_iter()
                    .map(|WriterCmd::Execute { transaction, signatures, reply }| {
                        ((transaction, signatures), reply)
                    })
                    .unzip();
                let result = {
                    let mut guard = chain.write().await;
                    guard.execute_batch(submissions, now_ms())
                };
                match result {
                    Ok((results, checkpoint)) => {
                        if let Some(checkpoint) = checkpoint {
                            let _ = checkpoints.send(Arc::new(checkpoint));
                        }
                        for (reply, result) in replies.into_iter().zip(results) {
                            let _ = reply.send(result);
                        }
                    }
                    Err(e) => {
                        let message = e.to_string();
                        for reply in replies {
                            let _ = reply.send(Err(TxError::Store(StoreError::Engine(message.clone()))));
                        }
                    }
                }
                interval.reset();
            }
            _ = interval.tick() => {
                let result = chain.write().await.heartbeat(now_ms());
                if let Ok(checkpoint) = result {
                    let _ = checkpoints.send(Arc::new(checkpoint));
                }
            }
        }
    }
}

struct FaucetState {
    rpc: RpcState,
    genesis: GenesisInfo,
    sui_amount: u64,
    wal_amount: u64,
    lock: Mutex<()>,
}

fn faucet_failure(msg: impl std::fmt::Display) -> (StatusCode, Json<JsonValue>) {
    (
        StatusCode::OK,
        Json(json!({"status": {"Failure": {"Internal": msg.to_string()}}, "coins_sent": null})),
    )
}

async fn faucet_handler(
    State(state): State<Arc<FaucetState>>,
    Json(body): Json<JsonValue>,
) -> (StatusCode, Json<JsonValue>) {
    let recipient = body
        .get("FixedAmountRequest")
        .and_then(|r| r.get("recipient"))
        .and_then(JsonValue::as_str)
        .and_then(|s| s.parse::<Address>().ok());
    let Some(recipient) = recipient else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "expected {\"FixedAmountRequest\":{\"recipient\":\"0x…\"}}"})),
        );
    };
    match fund(&state, recipient).await {
        Ok(coins) => (
            StatusCode::CREATED,
            Json(json!({"status": "Success", "coins_sent": coins})),
        ),
        Err(e) => faucet_failure(e),
    }
}

/// Sends SUI and WAL from the faucet account to `recipient` in one checkpointed transaction.
async fn fund(state: &FaucetState, recipient: Address) -> Result<Vec<JsonValue>, String> {
    let _guard = state.lock.lock().await;
    let faucet = &state.genesis.faucet;
    let key = faucet.key().ok_or("bad faucet key")?;
    let wal_type = crate::framework::wal_type();
    let (gas, wal) = {
        let chain = state.rpc.chain.read().await;
        let mut gas = None;
        let mut wal = None;
        for o in chain.live().values() {
            if *o.owner() != sui_sdk_types::Owner::Address(faucet.address) {
                continue;
            }
            let Some(coin) = sui_sdk_types::framework::Coin::try_from_object(o) else {
                continue;
            };
            let reference = ObjectReference::new(o.object_id(), o.version(), o.digest());
            if *coin.coin_type() == crate::framework::sui_type()
                && coin.balance() > state.sui_amount
            {
                gas.get_or_insert((reference, coin.balance()));
            } else if *coin.coin_type() == wal_type && coin.balance() >= state.wal_amount {
                wal.get_or_insert(reference);
            }
        }
        (
            gas.ok_or("faucet is out of SUI")?,
            wal.ok_or("faucet is out of WAL")?,
        )
    };
    let pure = |v: Vec<u8>| Input::Pure(v);
    let enc = |v: &dyn erased::Bcs| v.bytes();
    let ptb = ProgrammableTransaction {
        inputs: vec![
            pure(enc(&recipient)),
            Input::ImmutableOrOwned(wal),
            pure(enc(&state.sui_amount)),
            pure(enc(&state.wal_amount)),
        ],
        commands: vec![
            Command::SplitCoins(SplitCoins {
                coin: Argument::Gas,
                amounts: vec![Argument::Input(2)],
            }),
            Command::SplitCoins(SplitCoins {
                coin: Argument::Input(1),
                amounts: vec![Argument::Input(3)],
            }),
            Command::TransferObjects(TransferObjects {
                objects: vec![Argument::NestedResult(0, 0), Argument::NestedResult(1, 0)],
                address: Argument::Input(0),
            }),
        ],
    };
    let transaction = Transaction {
        kind: TransactionKind::ProgrammableTransaction(ptb),
        sender: faucet.address,
        gas_payment: GasPayment {
            objects: vec![gas.0],
            owner: faucet.address,
            price: crate::chain::REFERENCE_GAS_PRICE,
            budget: 50_000_000,
        },
        expiration: TransactionExpiration::None,
    };
    let signature = key
        .sign_transaction(&transaction)
        .map_err(|e| e.to_string())?;
    let (reply, rx) = oneshot::channel();
    state
        .rpc
        .writer
        .send(WriterCmd::Execute {
            transaction,
            signatures: vec![signature],
            reply,
        })
        .await
        .map_err(|_| "devnet is shutting down")?;
    let executed = rx
        .await
        .map_err(|_| "devnet is shutting down")?
        .map_err(|e: TxError| e.to_string())?;
    let digest = executed.digest;
    let mut coins = Vec::new();
    for object in &executed.record.output_objects {
        if *object.owner() == sui_sdk_types::Owner::Address(recipient)
            && let Some(coin) = sui_sdk_types::framework::Coin::try_from_object(object)
        {
            coins.push(json!({
                "amount": coin.balance(),
                "id": object.object_id().to_string(),
                "transferTxDigest": digest.to_string(),
            }));
        }
    }
    if coins.is_empty() {
        return Err("faucet transaction failed".into());
    }
    Ok(coins)
}

mod erased {
    /// BCS encoding behind a trait object (pure inputs of different types).
    pub trait Bcs {
        fn bytes(&self) -> Vec<u8>;
    }

    impl<T: serde::Serialize> Bcs for T {
        fn bytes(&self) -> Vec<u8> {
            bcs::to_bytes(self).unwrap_or_default()
        }
    }
}
