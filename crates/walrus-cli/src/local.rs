//! `walrus local`: a whole Walrus network on loopback (devnet chain, storage nodes, indexer and
//! publisher/aggregator daemon) in one command.
//!
//! Every component runs as a child process of the same `walrus` executable (hidden
//! `walrus component ...` subcommands), so `cargo run -p walrus-cli --bin walrus -- local` needs
//! no other binary and tests can kill single nodes. The network's state lives in one directory:
//!
//! ```text
//! DIR/local.yaml            ports, sizes and seed of this network (written on first start)
//! DIR/client.yaml           the client config the other `walrus` commands use
//! DIR/wallet.keystore       the client's funded wallet
//! DIR/epoch-driver.keystore the wallet that pays for the epoch-change calls
//! DIR/devnet/               chain database, genesis.json
//! DIR/nodes/node-I/         node config and database
//! DIR/indexer/              indexer database
//! DIR/logs/*.log            one log per component
//! DIR/run/*.pid             the process ID of each running component (devnet, node-I, indexer,
//!                           daemon); removed when the component stops or is seen to have died
//! ```
//!
//! A second `walrus local` in the same directory resumes the same network with its data.
//!
//! Epochs: the contract's epoch changes are permissionless calls that someone has to make once
//! they are due. `walrus local` makes them (`voting_end` half-way through an epoch,
//! `initiate_epoch_change` once `--epoch-secs` have passed) from its own funded wallet, so the
//! storage nodes see epoch changes (and report `epoch_sync_done` themselves), stakes activate and
//! rewards are paid. The client wallet is left alone, so CLI commands never race with it.
//!
//! Supervision: a component that dies (say a storage node killed with `kill -9 $(cat
//! DIR/run/node-1.pid)`) is reported once on stderr and the rest of the network keeps running;
//! sending SIGHUP to `walrus local` restarts every component that has died, with the same
//! arguments and log. SIGTERM or Ctrl-C stops all components (SIGTERM, then SIGKILL after a
//! grace period) and removes their PID files.

mod supervisor;

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use walrus_devnet::{DevnetConfig, GenesisInfo, genesis::BalanceConfig};
use walrus_sui::{
    config::WalrusSuiConfig,
    wallet::{Keystore, Wallet},
};

pub use supervisor::{Component, free_ports};

/// SUI given to the local client at genesis (in MIST): 10,000 SUI.
const CLIENT_SUI: u64 = 10_000 * 1_000_000_000;
/// WAL given to the local client at genesis (in FROST): 1,000,000 WAL.
const CLIENT_WAL: u64 = 1_000_000 * 1_000_000_000;
/// SUI given to the epoch driver's wallet at genesis (in MIST): 1,000 SUI.
const DRIVER_SUI: u64 = 1_000 * 1_000_000_000;
/// How often the epoch driver reads the staking state.
const DRIVER_TICK: Duration = Duration::from_secs(1);
/// How long components get to start.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long components get to stop after SIGTERM.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Arguments of `walrus local`.
#[derive(Debug, Clone, clap::Args)]
pub struct LocalArgs {
    /// The directory holding the network's state; a second run in the same directory resumes it.
    #[arg(long, default_value = "walrus-local")]
    pub dir: PathBuf,
    /// The number of storage nodes (first start only).
    #[arg(long, default_value_t = 7)]
    pub nodes: u16,
    /// The number of shards (first start only).
    #[arg(long, default_value_t = 300)]
    pub shards: u16,
    /// The epoch duration in seconds (first start only).
    #[arg(long, default_value_t = 60)]
    pub epoch_secs: u64,
    /// Store and read back a sample file, print the result, and stop the network.
    #[arg(long)]
    pub demo: bool,
    /// The size of the demo file in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    pub demo_size: usize,
    /// Also write the client config to the default path (`~/.config/walrus/client.yaml`), so
    /// other commands find the network without `--config`. On by default.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub write_default_config: bool,
}

/// The persisted description of a local network (`DIR/local.yaml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalNetwork {
    /// Number of storage nodes.
    pub nodes: u16,
    /// Number of shards.
    pub shards: u16,
    /// Epoch duration in milliseconds.
    pub epoch_duration_ms: u64,
    /// Devnet gRPC port.
    pub grpc_port: u16,
    /// Devnet faucet port.
    pub faucet_port: u16,
    /// REST port of each node.
    pub node_ports: Vec<u16>,
    /// Metrics port of each node.
    pub metrics_ports: Vec<u16>,
    /// Indexer HTTP port.
    pub indexer_port: u16,
    /// Publisher/aggregator daemon port.
    pub daemon_port: u16,
}

impl LocalNetwork {
    fn new(args: &LocalArgs) -> anyhow::Result<Self> {
        if args.nodes == 0 {
            bail!("--nodes must be at least 1");
        }
        if args.shards < args.nodes {
            bail!(
                "--shards ({}) must be at least --nodes ({})",
                args.shards,
                args.nodes
            );
        }
        let n = usize::from(args.nodes);
        let ports = free_ports(4 + 2 * n)?;
        Ok(Self {
            nodes: args.nodes,
            shards: args.shards,
            epoch_duration_ms: args.epoch_secs.max(1) * 1000,
            grpc_port: ports[0],
            faucet_port: ports[1],
            indexer_port: ports[2],
            daemon_port: ports[3],
            node_ports: ports[4..4 + n].to_vec(),
            metrics_ports: ports[4 + n..].to_vec(),
        })
    }

    fn grpc_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }
}

/// The paths of a local network directory.
#[derive(Debug, Clone)]
pub struct LocalPaths {
    /// The root.
    pub dir: PathBuf,
}

impl LocalPaths {
    fn network(&self) -> PathBuf {
        self.dir.join("local.yaml")
    }
    /// The client config written for this network.
    pub fn client_config(&self) -> PathBuf {
        self.dir.join("client.yaml")
    }
    fn wallet(&self) -> PathBuf {
        self.dir.join("wallet.keystore")
    }
    fn driver_wallet(&self) -> PathBuf {
        self.dir.join("epoch-driver.keystore")
    }
    fn devnet_dir(&self) -> PathBuf {
        self.dir.join("devnet")
    }
    fn devnet_config(&self) -> PathBuf {
        self.dir.join("devnet").join("config.yaml")
    }
    fn genesis(&self) -> PathBuf {
        self.dir.join("devnet").join("genesis.json")
    }
    fn node_dir(&self, i: usize) -> PathBuf {
        self.dir.join("nodes").join(format!("node-{i}"))
    }
    fn indexer_dir(&self) -> PathBuf {
        self.dir.join("indexer")
    }
    fn log(&self, name: &str) -> PathBuf {
        self.dir.join("logs").join(format!("{name}.log"))
    }
    fn pid_file(&self, name: &str) -> PathBuf {
        self.dir.join("run").join(format!("{name}.pid"))
    }
}

/// What `walrus local` prints.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Endpoints {
    dir: String,
    client_config: String,
    grpc: String,
    faucet: String,
    nodes: Vec<String>,
    indexer: String,
    daemon: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    demo: Option<DemoResult>,
}

/// The result of `--demo`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DemoResult {
    blob_id: String,
    size: usize,
    store_ms: u128,
    read_ms: u128,
    identical: bool,
    /// Resident memory of this process before the demo blob existed (Linux only).
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_rss_mib: Option<u64>,
    /// Peak resident memory of this process (the client) after the store and the read.
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_rss_mib: Option<u64>,
}

/// Runs `walrus local`.
pub async fn run(args: LocalArgs, json: bool) -> anyhow::Result<()> {
    let paths = LocalPaths {
        dir: args.dir.clone(),
    };
    std::fs::create_dir_all(&paths.dir)
        .with_context(|| format!("creating {}", paths.dir.display()))?;
    let exe = std::env::current_exe().context("locating the walrus executable")?;
    let network = load_or_create_network(&args, &paths)?;

    let mut components = Vec::new();
    let result = start_and_serve(&args, json, &paths, &exe, &network, &mut components).await;
    // Stop in reverse order: daemon, indexer, nodes, then the chain.
    while let Some(component) = components.pop() {
        component.stop(STOP_GRACE).await;
    }
    result
}

fn load_or_create_network(args: &LocalArgs, paths: &LocalPaths) -> anyhow::Result<LocalNetwork> {
    let path = paths.network();
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let network: LocalNetwork =
            serde_yaml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        return Ok(network);
    }
    let network = LocalNetwork::new(args)?;
    let mut keystore =
        Keystore::load_or_create(paths.wallet()).context("creating the client wallet")?;
    let address = match keystore.first() {
        Some(wallet) => wallet.address(),
        None => {
            let address = keystore.generate();
            keystore.save().context("writing the client wallet")?;
            address
        }
    };

    let mut driver =
        Keystore::load_or_create(paths.driver_wallet()).context("creating the driver wallet")?;
    let driver_address = match driver.first() {
        Some(wallet) => wallet.address(),
        None => {
            let address = driver.generate();
            driver.save().context("writing the driver wallet")?;
            address
        }
    };

    let config = DevnetConfig {
        seed: rand::random(),
        n_shards: network.shards,
        nodes: (0..network.nodes)
            .zip(&network.node_ports)
            .map(|(i, port)| walrus_devnet::NodeConfig {
                name: format!("node-{i}"),
                network_address: format!("127.0.0.1:{port}"),
                ..walrus_devnet::NodeConfig::default()
            })
            .collect(),
        epoch_duration_ms: network.epoch_duration_ms,
        balances: vec![
            BalanceConfig {
                address,
                sui: CLIENT_SUI,
                wal: CLIENT_WAL,
            },
            BalanceConfig {
                address: driver_address,
                sui: DRIVER_SUI,
                wal: 0,
            },
        ],
        ..DevnetConfig::default()
    };
    std::fs::create_dir_all(paths.devnet_dir())?;
    write_file(&paths.devnet_config(), &serde_yaml::to_string(&config)?)?;
    // Written last: its presence means the directory is fully set up.
    write_file(&path, &serde_yaml::to_string(&network)?)?;
    Ok(network)
}

fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn sui_config(network: &LocalNetwork, genesis: &GenesisInfo) -> WalrusSuiConfig {
    WalrusSuiConfig::new(
        network.grpc_url(),
        genesis.wal_package,
        genesis.walrus_package,
        genesis.system_object,
        genesis.staking_object,
    )
}

async fn start_and_serve(
    args: &LocalArgs,
    json: bool,
    paths: &LocalPaths,
    exe: &Path,
    network: &LocalNetwork,
    components: &mut Vec<Component>,
) -> anyhow::Result<()> {
    let s = |p: &Path| p.display().to_string();

    // 1. The chain.
    let mut devnet = Component::spawn(
        "devnet",
        exe,
        &[
            "component".into(),
            "devnet".into(),
            "--config".into(),
            s(&paths.devnet_config()),
            "--data-dir".into(),
            s(&paths.devnet_dir()),
            "--grpc-port".into(),
            network.grpc_port.to_string(),
            "--faucet-port".into(),
            network.faucet_port.to_string(),
        ],
        &paths.log("devnet"),
        &paths.pid_file("devnet"),
    )?;
    devnet
        .wait_for_port(&format!("127.0.0.1:{}", network.grpc_port), START_TIMEOUT)
        .await?;
    devnet
        .wait_for_file(&paths.genesis(), START_TIMEOUT)
        .await?;
    components.push(devnet);
    let genesis: GenesisInfo = serde_json::from_slice(
        &std::fs::read(paths.genesis()).context("reading the genesis output")?,
    )
    .context("parsing the genesis output")?;
    let sui = sui_config(network, &genesis);

    // 2. The client config (before the daemon, which reads it).
    let mut client_sui = sui.clone();
    client_sui.wallet_path = Some(paths.wallet());
    let client = walrus_sdk::config::ClientConfig::new(client_sui);
    let client_yaml = client.to_yaml_string()?;
    write_file(&paths.client_config(), &client_yaml)?;
    if args.write_default_config
        && let Some(default) = walrus_sdk::config::ClientConfig::default_path()
    {
        write_file(&default, &client_yaml)?;
    }

    // 3. Storage nodes.
    for (i, node) in genesis.nodes.iter().enumerate() {
        let dir = paths.node_dir(i);
        let config_path = dir.join("node.yaml");
        let config = node_config(network, &sui, node, i, &dir)?;
        write_file(&config_path, &serde_yaml::to_string(&config)?)?;
        let name = format!("node-{i}");
        let component = Component::spawn(
            &name,
            exe,
            &[
                "component".into(),
                "node".into(),
                "--config".into(),
                s(&config_path),
            ],
            &paths.log(&name),
            &paths.pid_file(&name),
        )?;
        components.push(component);
    }
    let first_node = components.len() - genesis.nodes.len();
    for (component, node) in components[first_node..].iter_mut().zip(&genesis.nodes) {
        component
            .wait_for_port(&node.network_address, START_TIMEOUT)
            .await?;
    }

    // 4. Indexer.
    std::fs::create_dir_all(paths.indexer_dir())?;
    let indexer_config = paths.indexer_dir().join("sui.yaml");
    write_file(&indexer_config, &serde_yaml::to_string(&sui)?)?;
    let mut indexer = Component::spawn(
        "indexer",
        exe,
        &[
            "component".into(),
            "indexer".into(),
            "--sui-config".into(),
            s(&indexer_config),
            "--database-url".into(),
            format!(
                "sqlite://{}?mode=rwc",
                paths.indexer_dir().join("indexer.db").display()
            ),
            "--listen".into(),
            format!("127.0.0.1:{}", network.indexer_port),
        ],
        &paths.log("indexer"),
        &paths.pid_file("indexer"),
    )?;
    indexer
        .wait_for_port(
            &format!("127.0.0.1:{}", network.indexer_port),
            START_TIMEOUT,
        )
        .await?;
    components.push(indexer);

    // 5. Publisher/aggregator daemon.
    let mut daemon = Component::spawn(
        "daemon",
        exe,
        &[
            "--config".into(),
            s(&paths.client_config()),
            "daemon".into(),
            "--bind".into(),
            format!("127.0.0.1:{}", network.daemon_port),
        ],
        &paths.log("daemon"),
        &paths.pid_file("daemon"),
    )?;
    daemon
        .wait_for_port(&format!("127.0.0.1:{}", network.daemon_port), START_TIMEOUT)
        .await?;
    components.push(daemon);

    let mut endpoints = Endpoints {
        dir: s(&paths.dir),
        client_config: s(&paths.client_config()),
        grpc: network.grpc_url(),
        faucet: format!("http://127.0.0.1:{}", network.faucet_port),
        // In the order of `DIR/nodes/node-I` (and of the PID files and logs), which is the
        // genesis (committee) order, not the order of `node_ports`.
        nodes: genesis
            .nodes
            .iter()
            .map(|node| format!("http://{}", node.network_address))
            .collect(),
        indexer: format!("http://127.0.0.1:{}", network.indexer_port),
        daemon: format!("http://127.0.0.1:{}", network.daemon_port),
        demo: None,
    };

    if args.demo {
        endpoints.demo = Some(demo(&client, args.demo_size).await?);
        print_endpoints(&endpoints, json)?;
        return Ok(());
    }
    // Handlers first: whoever reads the endpoints may signal at once.
    let signals = Signals::new()?;
    let driver = match epoch_driver(paths, &sui)? {
        Some(client) => Some(tokio::spawn(drive_epochs(client))),
        None => {
            eprintln!(
                "warning: no {} (network created by an older walrus local): epochs will not \
                 change",
                paths.driver_wallet().display()
            );
            None
        }
    };
    print_endpoints(&endpoints, json)?;
    if !json {
        eprintln!("walrus local is running; press Ctrl-C to stop");
    }
    let result = watch(components, signals).await;
    if let Some(driver) = driver {
        driver.abort();
    }
    result
}

/// The chain client of the epoch driver, if this network has a driver wallet.
fn epoch_driver(
    paths: &LocalPaths,
    sui: &WalrusSuiConfig,
) -> anyhow::Result<Option<walrus_sui::client::WalrusSuiClient>> {
    let path = paths.driver_wallet();
    if !path.exists() {
        return Ok(None);
    }
    let keystore = Keystore::load(&path).with_context(|| format!("loading {}", path.display()))?;
    let Some(wallet) = keystore.first() else {
        return Ok(None);
    };
    let client = walrus_sui::client::WalrusSuiClient::new(sui.clone())
        .context("epoch driver: chain client")?
        .with_wallet(wallet.clone());
    Ok(Some(client))
}

/// Makes the permissionless epoch-change calls when they are due, until aborted.
async fn drive_epochs(client: walrus_sui::client::WalrusSuiClient) {
    let mut last_warning = None;
    walrus_sui::epoch_driver::drive_epochs(&client, DRIVER_TICK, |epoch, error| {
        // The chain's clock may lag ours by a moment ("too early"): warn once per epoch.
        if last_warning != Some(epoch) {
            last_warning = Some(epoch);
            eprintln!("warning: epoch driver (epoch {epoch}): {error}");
        }
    })
    .await;
}

/// The signals `walrus local` handles while it runs.
#[derive(Debug)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt()).context("installing the SIGINT handler")?,
            terminate: signal(SignalKind::terminate()).context("installing the SIGTERM handler")?,
            hangup: signal(SignalKind::hangup()).context("installing the SIGHUP handler")?,
        })
    }
}

fn print_endpoints(endpoints: &Endpoints, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(endpoints)?);
        return Ok(());
    }
    println!("Local Walrus network in {}", endpoints.dir);
    println!("  chain (Sui gRPC):  {}", endpoints.grpc);
    println!("  faucet:            {}", endpoints.faucet);
    for (i, node) in endpoints.nodes.iter().enumerate() {
        println!("  storage node {i}:    {node}");
    }
    println!("  indexer:           {}", endpoints.indexer);
    println!("  publisher/aggr.:   {}", endpoints.daemon);
    println!("  client config:     {}", endpoints.client_config);
    if let Some(demo) = &endpoints.demo {
        println!(
            "Demo: stored {} bytes as blob {} in {} ms, read back in {} ms: {}",
            demo.size,
            demo.blob_id,
            demo.store_ms,
            demo.read_ms,
            if demo.identical {
                "identical"
            } else {
                "DIFFERENT"
            }
        );
    }
    Ok(())
}

/// Runs until Ctrl-C or SIGTERM: reports each component that dies (once) and restarts the dead
/// ones on SIGHUP.
async fn watch(components: &mut [Component], mut signals: Signals) -> anyhow::Result<()> {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = signals.interrupt.recv() => return Ok(()),
            _ = signals.terminate.recv() => return Ok(()),
            _ = signals.hangup.recv() => {
                for component in components.iter_mut() {
                    match component.restart_if_exited() {
                        Ok(true) => eprintln!("restarted {}", component.name),
                        Ok(false) => {}
                        Err(error) => {
                            eprintln!("warning: cannot restart {}: {error:#}", component.name);
                        }
                    }
                }
            }
            _ = tick.tick() => {
                for component in components.iter_mut() {
                    if let Err(error) = component.check_newly_exited() {
                        eprintln!("warning: {error:#}");
                    }
                }
            }
        }
    }
}

/// Stores a sample file through the SDK and reads it back.
async fn demo(
    client: &walrus_sdk::config::ClientConfig,
    size: usize,
) -> anyhow::Result<DemoResult> {
    let sdk = walrus_sdk::client::WalrusClient::from_config(client.clone())
        .context("creating the client")?;
    let baseline_rss_mib = process_memory_mib("VmRSS");
    // The sample is handed to the SDK and regenerated for the comparison, so that the peak
    // memory shows what the client needs, not copies kept by the demo.
    let data = demo_bytes(size).collect::<Vec<u8>>();
    let started = Instant::now();
    let stored = sdk
        .store_blob(
            data,
            &walrus_sdk::store::StoreOptions::permanent(1),
            &walrus_sdk::progress::NoProgress,
        )
        .await
        .context("storing the demo blob")?;
    let store_ms = started.elapsed().as_millis();
    let started = Instant::now();
    let blob_id = stored.blob_id();
    let read = sdk
        .read_blob(&blob_id)
        .await
        .context("reading the demo blob back")?;
    let read_ms = started.elapsed().as_millis();
    let identical = read.len() == size && read.iter().copied().eq(demo_bytes(size));
    if !identical {
        bail!("the blob read back differs from the one stored");
    }
    Ok(DemoResult {
        blob_id: blob_id.to_string(),
        size,
        store_ms,
        read_ms,
        identical,
        baseline_rss_mib,
        peak_rss_mib: process_memory_mib("VmHWM"),
    })
}

/// A field of `/proc/self/status` in MiB (`VmRSS`: resident now, `VmHWM`: peak resident);
/// `None` where procfs is missing.
fn process_memory_mib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))?;
    let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kib / 1024)
}

/// A recognisable, incompressible-enough sample file of `size` bytes, generated on the fly.
fn demo_bytes(size: usize) -> impl Iterator<Item = u8> {
    let header = b"Hello from walrus local! ";
    // xorshift64*: cheap deterministic filler.
    let filler = std::iter::successors(Some(0x9e37_79b9_7f4a_7c15u64), |state| {
        let mut state = *state;
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        Some(state)
    })
    .skip(1)
    .map(|state| state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_be_bytes()[0]);
    header.iter().copied().chain(filler).take(size)
}

/// The configuration of storage node `i` of a local network.
fn node_config(
    network: &LocalNetwork,
    sui: &WalrusSuiConfig,
    node: &walrus_devnet::NodeInfo,
    i: usize,
    dir: &Path,
) -> anyhow::Result<walrus_node::NodeConfig> {
    let protocol_key = node
        .bls_key_pair()
        .with_context(|| format!("genesis: bad BLS key of node {i}"))?;
    let operator = Wallet::new(
        node.operator
            .key()
            .with_context(|| format!("genesis: bad operator key of node {i}"))?,
    );
    // Listen where the chain says this node is: genesis may order nodes differently from the
    // config.
    let rest_address: std::net::SocketAddr = node.network_address.parse().with_context(|| {
        format!(
            "genesis: node {i} has a non-socket network address {}",
            node.network_address
        )
    })?;
    let mut config = walrus_node::NodeConfig::for_local(
        format!("node-{i}"),
        &protocol_key,
        &operator,
        node.node_id,
        node.cap_id,
        sui.clone(),
        dir.join("db"),
        rest_address,
    );
    config.metrics_address = Some(std::net::SocketAddr::from((
        [127, 0, 0, 1],
        network.metrics_ports[i],
    )));
    Ok(config)
}

/// The hidden `walrus component ...` subcommands `walrus local` starts its children with.
#[derive(Debug, clap::Subcommand)]
pub enum ComponentCommand {
    /// The devnet chain.
    Devnet {
        /// The genesis config (YAML).
        #[arg(long)]
        config: PathBuf,
        /// The data directory.
        #[arg(long)]
        data_dir: PathBuf,
        /// The gRPC port on 127.0.0.1.
        #[arg(long)]
        grpc_port: u16,
        /// The faucet port on 127.0.0.1.
        #[arg(long)]
        faucet_port: u16,
    },
    /// The indexer service with its HTTP API.
    Indexer {
        /// The chain client config (YAML).
        #[arg(long)]
        sui_config: PathBuf,
        /// The database URL (`sqlite://...` or `postgres://...`).
        #[arg(long)]
        database_url: String,
        /// The API listen address.
        #[arg(long)]
        listen: std::net::SocketAddr,
    },
    /// A storage node.
    Node {
        /// The node config (YAML).
        #[arg(long)]
        config: PathBuf,
    },
}

/// Runs one component in this process until SIGTERM or Ctrl-C.
pub async fn run_component(command: ComponentCommand) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    match command {
        ComponentCommand::Devnet {
            config,
            data_dir,
            grpc_port,
            faucet_port,
        } => {
            let text = std::fs::read_to_string(&config)
                .with_context(|| format!("reading {}", config.display()))?;
            let config: DevnetConfig = serde_yaml::from_str(&text)
                .with_context(|| format!("parsing {}", config.display()))?;
            let devnet = walrus_devnet::Devnet::start_with_ports(
                config,
                &data_dir,
                walrus_devnet::Ports {
                    grpc: grpc_port,
                    faucet: faucet_port,
                },
            )
            .await?;
            println!(
                "devnet: gRPC {} faucet {}",
                devnet.grpc_url(),
                devnet.faucet_url()
            );
            wait_for_stop_signal().await?;
            devnet.shutdown().await;
            Ok(())
        }
        ComponentCommand::Indexer {
            sui_config,
            database_url,
            listen,
        } => run_indexer(&sui_config, &database_url, listen).await,
        ComponentCommand::Node { config } => {
            let config = walrus_node::NodeConfig::load(&config)
                .with_context(|| format!("loading {}", config.display()))?;
            let handle = walrus_node::start(config).await?;
            println!("node: listening on {}", handle.rest_url());
            let token = handle.cancellation_token();
            tokio::spawn(async move {
                let _ = wait_for_stop_signal().await;
                token.cancel();
            });
            handle.wait().await;
            Ok(())
        }
    }
}

async fn wait_for_stop_signal() -> anyhow::Result<()> {
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = sigterm.recv() => {}
    }
    Ok(())
}

/// Runs the indexer and its API until SIGTERM or Ctrl-C.
async fn run_indexer(
    sui_config: &Path,
    database_url: &str,
    listen: std::net::SocketAddr,
) -> anyhow::Result<()> {
    let config = WalrusSuiConfig::load(sui_config)
        .with_context(|| format!("reading {}", sui_config.display()))?;
    let client = walrus_sui::client::WalrusSuiClient::new(config).context("chain client")?;
    let store = walrus_indexer::store::open_url(database_url)
        .await
        .with_context(|| format!("opening {database_url}"))?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    println!("indexer: listening on {listen}");
    let stop = async {
        if let Err(e) = wait_for_stop_signal().await {
            eprintln!("indexer: cannot wait for signals ({e}); stopping");
        }
    };
    walrus_indexer::service::run(
        client,
        store,
        walrus_indexer::IndexerConfig::default(),
        listener,
        stop,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_bytes_are_deterministic_and_sized() {
        assert_eq!(demo_bytes(0).count(), 0);
        assert_eq!(demo_bytes(5).collect::<Vec<u8>>(), b"Hello");
        let long: Vec<u8> = demo_bytes(10_000).collect();
        assert_eq!(long.len(), 10_000);
        assert!(long.starts_with(b"Hello from walrus local! "));
        assert!(demo_bytes(10_000).eq(long.iter().copied()));
        // The filler is not constant.
        let distinct: std::collections::HashSet<u8> = long[100..].iter().copied().collect();
        assert!(distinct.len() > 200, "{} distinct bytes", distinct.len());
    }

    #[test]
    fn process_memory_is_read_from_procfs() {
        let Some(rss) = process_memory_mib("VmRSS") else {
            assert!(!std::path::Path::new("/proc/self/status").exists());
            return;
        };
        let peak = process_memory_mib("VmHWM").unwrap_or(0);
        assert!(peak >= rss && rss > 0, "rss {rss} MiB, peak {peak} MiB");
        assert_eq!(process_memory_mib("NoSuchField"), None);
    }
}
