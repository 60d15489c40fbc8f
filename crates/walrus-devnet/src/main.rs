//! `walrus-devnet`: run a local devnet or write a genesis file.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use walrus_devnet::{Devnet, DevnetConfig, Ports};

#[derive(Parser, Debug)]
#[command(
    name = "walrus-devnet",
    about = "Local Sui-compatible chain running the Walrus contracts"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Runs the devnet (genesis on first start) until interrupted.
    Run {
        /// The genesis config (YAML); defaults if absent.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The data directory.
        #[arg(long)]
        data_dir: PathBuf,
        /// The gRPC port on 127.0.0.1.
        #[arg(long, default_value_t = 9000)]
        grpc_port: u16,
        /// The faucet port on 127.0.0.1.
        #[arg(long, default_value_t = 9123)]
        faucet_port: u16,
    },
    /// Writes the genesis output (IDs and keys) for a config without running.
    Genesis {
        /// The genesis config (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Where to write the genesis output (JSON).
        #[arg(long)]
        out: PathBuf,
    },
}

fn load_config(path: Option<&PathBuf>) -> anyhow::Result<DevnetConfig> {
    match path {
        None => Ok(DevnetConfig::default()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            serde_yaml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Run {
            config,
            data_dir,
            grpc_port,
            faucet_port,
        } => {
            let config = load_config(config.as_ref())?;
            let devnet = Devnet::start_with_ports(
                config,
                &data_dir,
                Ports {
                    grpc: grpc_port,
                    faucet: faucet_port,
                },
            )
            .await?;
            println!("gRPC:    {}", devnet.grpc_url());
            println!("faucet:  {}", devnet.faucet_url());
            println!("genesis: {}", data_dir.join("genesis.json").display());
            tokio::signal::ctrl_c().await?;
            devnet.shutdown().await;
        }
        Cmd::Genesis { config, out } => {
            let config = load_config(config.as_ref())?;
            let info = walrus_devnet::genesis_info(&config)?;
            std::fs::write(&out, serde_json::to_vec_pretty(&info)?)?;
            println!("wrote {}", out.display());
        }
    }
    Ok(())
}
