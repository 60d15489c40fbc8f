//! The `walrus-node` binary: `walrus-node run --config node.yaml`,
//! `walrus-node keygen --out DIR` and `walrus-node vote --config node.yaml --slash-bps N` (and the
//! price and capacity votes).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use walrus_core::BlsKeyPair;
use walrus_node::NodeConfig;

#[derive(Debug, Parser)]
#[command(name = "walrus-node", about = "The Walrus storage node")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the node until SIGINT or SIGTERM.
    Run {
        /// The YAML config file.
        #[arg(long)]
        config: PathBuf,
    },
    /// Generates a BLS protocol key, a network key and an operator wallet in DIR.
    Keygen {
        /// The output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Casts the node's votes on chain with its operator wallet and `StorageNodeCap` (from the
    /// config). Votes count from the next epoch change on.
    Vote {
        /// The YAML config file.
        #[arg(long)]
        config: PathBuf,
        /// The fraction of a failing node's pool to slash, in basis points (0 to 10000).
        #[arg(long, value_parser = clap::value_parser!(u16).range(0..=10_000))]
        slash_bps: Option<u16>,
        /// The storage price per unit of size and epoch (FROST).
        #[arg(long)]
        storage_price: Option<u64>,
        /// The write price per unit of size (FROST).
        #[arg(long)]
        write_price: Option<u64>,
        /// The capacity the node offers (encoded bytes).
        #[arg(long)]
        capacity: Option<u64>,
    },
}

fn main() {
    if let Err(error) = real_main() {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

fn real_main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { config } => run(config),
        Command::Keygen { out } => keygen(&out),
        Command::Vote {
            config,
            slash_bps,
            storage_price,
            write_price,
            capacity,
        } => vote(
            config,
            Votes {
                slash_bps,
                storage_price,
                write_price,
                capacity,
            },
        ),
    }
}

/// The votes to cast; `None` leaves a vote unchanged.
#[derive(Debug, Clone, Copy)]
struct Votes {
    slash_bps: Option<u16>,
    storage_price: Option<u64>,
    write_price: Option<u64>,
    capacity: Option<u64>,
}

fn vote(config_path: PathBuf, votes: Votes) -> anyhow::Result<()> {
    if votes.slash_bps.is_none()
        && votes.storage_price.is_none()
        && votes.write_price.is_none()
        && votes.capacity.is_none()
    {
        anyhow::bail!(
            "nothing to vote: give --slash-bps, --storage-price, --write-price or --capacity"
        );
    }
    let config = NodeConfig::load(&config_path)
        .with_context(|| format!("loading {}", config_path.display()))?;
    let wallet = config.load_operator_wallet()?;
    let sui = walrus_sui::client::WalrusSuiClient::new(config.sui.clone())?.with_wallet(wallet);
    let cap = config.cap_id;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async move {
        if let Some(bps) = votes.slash_bps {
            sui.set_slash_bps_vote(cap, bps)
                .await
                .context("casting the slash vote")?;
            println!("slash vote: {bps} bps");
        }
        if let Some(price) = votes.storage_price {
            sui.set_storage_price_vote(cap, price)
                .await
                .context("casting the storage price vote")?;
            println!("storage price vote: {price}");
        }
        if let Some(price) = votes.write_price {
            sui.set_write_price_vote(cap, price)
                .await
                .context("casting the write price vote")?;
            println!("write price vote: {price}");
        }
        if let Some(capacity) = votes.capacity {
            sui.set_node_capacity_vote(cap, capacity)
                .await
                .context("casting the capacity vote")?;
            println!("capacity vote: {capacity}");
        }
        anyhow::Ok(())
    })
}

fn run(config_path: PathBuf) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = NodeConfig::load(&config_path)
        .with_context(|| format!("loading {}", config_path.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async move {
        let handle = walrus_node::start(config).await?;
        println!("listening on {}", handle.rest_url());
        let token = handle.cancellation_token();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down");
            token.cancel();
        });
        handle.wait().await;
        anyhow::Ok(())
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn keygen(out: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let protocol = BlsKeyPair::generate(&mut rand::rngs::OsRng);
    let protocol_path = out.join("protocol.key");
    write_new(&protocol_path, &protocol.to_tagged_base64())?;
    let network = walrus_sui::wallet::Wallet::generate();
    let network_path = out.join("network.key");
    write_new(&network_path, &network.to_base64())?;
    let operator = walrus_sui::wallet::Wallet::generate();
    let mut keystore = walrus_sui::wallet::Keystore::in_memory();
    keystore.add(operator.clone());
    let wallet_path = out.join("operator.keystore");
    if wallet_path.exists() {
        anyhow::bail!("{} already exists", wallet_path.display());
    }
    keystore
        .save_to(&wallet_path)
        .with_context(|| format!("writing {}", wallet_path.display()))?;
    println!("protocol key: {}", protocol_path.display());
    println!("protocol public key: {}", protocol.public_key().to_base64());
    println!("network key: {}", network_path.display());
    println!("operator keystore: {}", wallet_path.display());
    println!("operator address: {}", operator.address());
    Ok(())
}

fn write_new(path: &std::path::Path, contents: &str) -> anyhow::Result<()> {
    if path.exists() {
        anyhow::bail!("{} already exists", path.display());
    }
    std::fs::write(path, format!("{contents}\n"))
        .with_context(|| format!("writing {}", path.display()))
}
