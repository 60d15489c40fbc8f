//! The storage node's HTTP handlers under fuzzing: a devnet and one storage node holding every
//! shard run on 127.0.0.1 inside the harness; the fixture blob is registered on chain, so
//! uploads of its metadata and slivers reach the node's verification code. Each input becomes
//! one request sent to the node's router in process.
//!
//! Input layout: `method || route || flags || material [|| '\n' || body]`, where `route` picks a
//! route template of the node API (or a raw path), `flags` choose for each path parameter
//! between a valid value (the fixture's blob ID, an owned sliver pair, an axis name) and bytes
//! from `material` (percent-encoded, split on `/`), and whether to add a query string and a
//! content type.
//!
//! The property: a request never makes a handler panic and never gets a server error (5xx) from
//! a healthy node.

use std::{
    error::Error,
    net::SocketAddr,
    sync::OnceLock,
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use tokio::{net::TcpListener, runtime::Runtime};
use tower::ServiceExt;
use walrus_core::BlobId;
use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle};
use walrus_node::NodeHandle;
use walrus_node_api::routes;
use walrus_sui::{
    client::{BlobRegistration, WalrusSuiClient},
    config::WalrusSuiConfig,
    wallet::Wallet,
};

use crate::fixture::{N_SHARDS, fixture};

/// Why the harness could not start.
#[derive(Debug, thiserror::Error)]
#[error("fuzz harness setup failed at {step}: {source}")]
pub struct HarnessError {
    step: &'static str,
    source: Box<dyn Error + Send + Sync>,
}

trait Step<T> {
    fn step(self, step: &'static str) -> Result<T, HarnessError>;
}

impl<T, E: Into<Box<dyn Error + Send + Sync>>> Step<T> for Result<T, E> {
    fn step(self, step: &'static str) -> Result<T, HarnessError> {
        self.map_err(|error| HarnessError {
            step,
            source: error.into(),
        })
    }
}

impl<T> Step<T> for Option<T> {
    fn step(self, step: &'static str) -> Result<T, HarnessError> {
        self.ok_or_else(|| HarnessError {
            step,
            source: "missing value".into(),
        })
    }
}

/// The route templates an input can pick; the last choice is a raw path.
const ROUTES: &[&str] = &[
    routes::API_DOCS,
    routes::METADATA,
    routes::METADATA_STATUS,
    routes::SLIVER,
    routes::SLIVER_STATUS,
    routes::PERMANENT_CONFIRMATION,
    routes::DELETABLE_CONFIRMATION,
    routes::RECOVERY_SYMBOLS,
    routes::INCONSISTENCY_PROOF,
    routes::BLOB_STATUS,
    routes::HEALTH,
    routes::SYNC_SHARD,
];

const METHODS: &[Method] = &[
    Method::GET,
    Method::PUT,
    Method::POST,
    Method::DELETE,
    Method::HEAD,
    Method::OPTIONS,
    Method::PATCH,
];

/// A devnet and a storage node on 127.0.0.1, with the node's router at hand.
#[derive(Debug)]
pub struct HttpHarness {
    runtime: Runtime,
    router: Router,
    node: Option<NodeHandle>,
    devnet: Option<DevnetHandle>,
    _dir: tempfile::TempDir,
}

fn sui_config(devnet: &DevnetHandle) -> WalrusSuiConfig {
    devnet.sui_config()
}

impl HttpHarness {
    /// Starts the devnet and the node, and registers the fixture blob.
    pub fn start() -> Result<Self, HarnessError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .step("tokio runtime")?;
        let dir = tempfile::tempdir().step("temporary directory")?;
        let (devnet, node) = runtime.block_on(Self::start_network(dir.path()))?;
        let router = walrus_node::api::router(std::sync::Arc::clone(node.node()));
        Ok(Self {
            runtime,
            router,
            node: Some(node),
            devnet: Some(devnet),
            _dir: dir,
        })
    }

    async fn start_network(
        dir: &std::path::Path,
    ) -> Result<(DevnetHandle, NodeHandle), HarnessError> {
        let listener = TcpListener::bind("127.0.0.1:0").await.step("bind")?;
        let address: SocketAddr = listener.local_addr().step("local address")?;
        let devnet_config = DevnetConfig {
            n_shards: N_SHARDS,
            heartbeat_ms: 200,
            nodes: vec![walrus_devnet::NodeConfig {
                name: "fuzz-node".to_owned(),
                network_address: address.to_string(),
                ..walrus_devnet::NodeConfig::default()
            }],
            ..DevnetConfig::default()
        };
        let devnet = Devnet::start(devnet_config, &dir.join("devnet"))
            .await
            .step("devnet")?;
        let genesis = devnet.genesis().clone();
        let info = genesis.nodes.first().step("genesis node")?;
        let config = walrus_node::NodeConfig::for_local(
            info.name.clone(),
            &info.bls_key_pair().step("node protocol key")?,
            &Wallet::new(info.operator.key().step("node operator key")?),
            info.node_id,
            info.cap_id,
            sui_config(&devnet),
            dir.join("node"),
            address,
        );
        let node = walrus_node::start_with_listener(config, listener)
            .await
            .step("storage node")?;

        let fixture = fixture();
        let user = WalrusSuiClient::new(sui_config(&devnet))
            .step("chain client")?
            .with_wallet(Wallet::new(genesis.faucet.key().step("faucet key")?));
        user.reserve_and_register_blob(
            5,
            &BlobRegistration::from_metadata(fixture.metadata(), false),
        )
        .await
        .step("register the fixture blob")?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while !matches!(node.node().blob_info(fixture.blob_id()), Ok(Some(_))) {
            if Instant::now() > deadline {
                return Err(HarnessError {
                    step: "node sees the registration",
                    source: "timed out after 60 s".into(),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok((devnet, node))
    }

    /// Sends the request `data` describes; panics if a handler panics or answers 5xx.
    pub fn run(&self, data: &[u8]) {
        let _ = self.send(data);
    }

    /// Sends the request `data` describes and returns the response status (`None` if the input
    /// does not describe a request); panics if a handler panics or answers 5xx.
    pub fn send(&self, data: &[u8]) -> Option<StatusCode> {
        let request = request_from(data)?;
        let description = format!("{} {}", request.method(), request.uri());
        let router = self.router.clone();
        let response = self
            .runtime
            .block_on(async move { router.oneshot(request).await });
        let Ok(response) = response;
        assert!(
            !response.status().is_server_error(),
            "{description} answered {}",
            response.status()
        );
        Some(response.status())
    }

    /// Requests that reach every handler with valid parameters and bodies. The last three are
    /// uploads of the fixture's metadata and of a primary and a secondary sliver of pair 2, in
    /// that order.
    pub fn seeds() -> Vec<Vec<u8>> {
        let fixture = fixture();
        let metadata = bcs::to_bytes(fixture.metadata().metadata()).unwrap_or_default();
        let pair = &fixture.encoded.sliver_pairs[2];
        let primary = bcs::to_bytes(&pair.primary).unwrap_or_default();
        let secondary = bcs::to_bytes(&pair.secondary).unwrap_or_default();
        let mut seeds = Vec::new();
        for route in 0..=ROUTES.len() {
            let route = u8::try_from(route).unwrap_or(0);
            seeds.push(vec![0, route, 0b0000_0111]);
        }
        // PUT metadata, PUT primary and secondary slivers of pair 2 (flags carry the pair).
        seeds.push([vec![1, 1, 0b0010_0001, b'\n'], metadata].concat());
        seeds.push([vec![1, 3, 0b0010_0111, b'\n'], primary].concat());
        seeds.push([vec![1, 3, 0b0010_1111, b'\n'], secondary].concat());
        // A recovery-symbol query and a raw path.
        seeds.push(vec![0, 7, 0b0001_0001, b'0', b'/', b'1', b'\n']);
        seeds.push([vec![0, 12, 0], b"v1/blobs/../health".to_vec()].concat());
        seeds
    }
}

impl Drop for HttpHarness {
    fn drop(&mut self) {
        let node = self.node.take();
        let devnet = self.devnet.take();
        self.runtime.block_on(async move {
            if let Some(node) = node {
                node.shutdown().await;
            }
            if let Some(devnet) = devnet {
                devnet.shutdown().await;
            }
        });
    }
}

/// Percent-encodes every byte outside RFC 3986's unreserved set.
fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn blob_id_text(id: &BlobId) -> String {
    id.to_string()
}

/// Builds the request an input describes, or `None` if the input is too short.
fn request_from(data: &[u8]) -> Option<Request<Body>> {
    let (&method, rest) = data.split_first()?;
    let (&route, rest) = rest.split_first()?;
    let (&flags, rest) = rest.split_first()?;
    let (material, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let mut parts = material.split(|&b| b == b'/');
    let method = METHODS[usize::from(method) % METHODS.len()].clone();
    let fixture = fixture();
    let pair = u16::from(flags >> 4) % N_SHARDS;

    let path = match ROUTES.get(usize::from(route) % (ROUTES.len() + 1)) {
        None => format!("/{}", percent_encode(material)),
        Some(template) => {
            let mut path = String::new();
            let mut rest = *template;
            while let Some(open) = rest.find('{') {
                path.push_str(&rest[..open]);
                let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
                let name = &rest[open + 1..close.saturating_sub(1)];
                let mut raw = || percent_encode(parts.next().unwrap_or_default());
                let value = match name {
                    "blob_id" if flags & 1 != 0 => blob_id_text(fixture.blob_id()),
                    "sliver_pair_index" if flags & 2 != 0 => pair.to_string(),
                    "sliver_type" if flags & 4 != 0 => if flags & 8 != 0 {
                        "secondary"
                    } else {
                        "primary"
                    }
                    .to_owned(),
                    "object_id" if flags & 1 != 0 => format!("0x{}", "ab".repeat(32)),
                    _ => raw(),
                };
                path.push_str(&value);
                rest = &rest[close.min(rest.len())..];
            }
            path.push_str(rest);
            path
        }
    };
    let uri = if flags & 0x10 != 0 {
        let query: Vec<u8> = parts.flat_map(|p| p.iter().copied()).collect();
        let query: Vec<String> = query
            .split(|&b| b == b'&')
            .map(|pair| {
                pair.split(|&b| b == b'=')
                    .map(percent_encode)
                    .collect::<Vec<_>>()
                    .join("=")
            })
            .collect();
        format!("{path}?{}", query.join("&"))
    } else {
        path
    };
    let mut builder = Request::builder().method(method).uri(uri);
    if flags & 0x20 != 0 {
        builder = builder.header(header::CONTENT_TYPE, "application/octet-stream");
    }
    builder.body(Body::from(body.to_vec())).ok()
}

/// The `cargo fuzz` entry point: one shared harness per process.
pub fn node_http(data: &[u8]) {
    static HARNESS: OnceLock<HttpHarness> = OnceLock::new();
    let harness = HARNESS.get_or_init(|| match HttpHarness::start() {
        Ok(harness) => harness,
        Err(error) => panic!("{error}"),
    });
    harness.run(data);
}
