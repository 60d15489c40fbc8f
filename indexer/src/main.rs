//! `walrus-indexer run`: follows a Walrus deployment's chain into a database and serves the HTTP
//! JSON API. Prints `listening on ADDR` on stdout once the API is up.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use sui_sdk_types::Address;
use walrus_indexer::store::open_url;
use walrus_indexer::{IndexerConfig, service};
use walrus_sui::client::WalrusSuiClient;
use walrus_sui::config::WalrusSuiConfig;

#[derive(Debug, Parser)]
#[command(
    name = "walrus-indexer",
    version,
    about = "The Walrus chain indexer and its API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Index the chain and serve the API.
    Run(RunArgs),
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The Sui gRPC endpoint (overrides the config file's `rpc_url`).
    #[arg(long)]
    grpc_url: Option<String>,
    /// A walrus-sui client config (YAML or TOML) naming the packages and objects.
    #[arg(long, conflicts_with_all = ["wal_package", "walrus_package", "system_object", "staking_object"])]
    config: Option<PathBuf>,
    /// The `wal` package ID (without --config).
    #[arg(long)]
    wal_package: Option<Address>,
    /// The `walrus` package ID (without --config).
    #[arg(long)]
    walrus_package: Option<Address>,
    /// The shared System object ID (without --config).
    #[arg(long)]
    system_object: Option<Address>,
    /// The shared Staking object ID (without --config).
    #[arg(long)]
    staking_object: Option<Address>,
    /// `sqlite:PATH`, `postgres://USER:PASS@HOST/DB` or `fjall:DIR`.
    #[arg(long, default_value = "sqlite:walrus-indexer.db")]
    database_url: String,
    /// The API's listen address.
    #[arg(long, default_value = "127.0.0.1:9185")]
    listen: SocketAddr,
    /// The most checkpoints committed in one transaction.
    #[arg(long, default_value_t = 256)]
    max_batch: usize,
}

fn client_config(args: &RunArgs) -> anyhow::Result<WalrusSuiConfig> {
    let mut config = match &args.config {
        Some(path) => {
            WalrusSuiConfig::load(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => {
            let missing = |what: &str| anyhow::anyhow!("--{what} is required without --config");
            WalrusSuiConfig::new(
                args.grpc_url.clone().ok_or_else(|| missing("grpc-url"))?,
                args.wal_package.ok_or_else(|| missing("wal-package"))?,
                args.walrus_package
                    .ok_or_else(|| missing("walrus-package"))?,
                args.system_object.ok_or_else(|| missing("system-object"))?,
                args.staking_object
                    .ok_or_else(|| missing("staking-object"))?,
            )
        }
    };
    if let Some(url) = &args.grpc_url {
        config.rpc_url = url.clone();
    }
    Ok(config)
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let config = client_config(&args)?;
    let client = WalrusSuiClient::new(config).context("chain client")?;
    let store = open_url(&args.database_url)
        .await
        .with_context(|| format!("opening {}", args.database_url))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let address = listener.local_addr()?;
    println!("listening on {address}");
    tracing::info!(%address, "indexer: API listening");
    let config = IndexerConfig {
        max_batch_checkpoints: args.max_batch,
        ..IndexerConfig::default()
    };
    let interrupted = async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("indexer: interrupted");
        }
    };
    service::run(client, store, config, listener, interrupted).await?;
    Ok(())
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args).await,
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
