//! `walrus`: the command-line client of our Walrus implementation.
//!
//! Every command takes `--json` for machine output (one JSON value on stdout); progress bars go
//! to stderr; errors are one line on stderr with exit status 1. The client config is found via
//! `--config`, `WALRUS_CONFIG` or `~/.config/walrus/client.yaml` (see the walrus-sdk README).

mod commands;
mod local;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The default shard count, as on Walrus mainnet and testnet.
const DEFAULT_N_SHARDS: u16 = 1000;

#[derive(Debug, Parser)]
#[command(name = "walrus", version, about = "Store and read blobs on Walrus")]
struct Cli {
    /// The client config file (default: $WALRUS_CONFIG, then ~/.config/walrus/client.yaml).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Print one JSON value on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Store files as blobs.
    Store(commands::StoreArgs),
    /// Read a blob.
    Read(commands::ReadArgs),
    /// Show a blob's status on the storage nodes and the wallet's objects for it.
    BlobStatus(commands::BlobStatusArgs),
    /// Extend a certified blob by some epochs.
    Extend(commands::ExtendArgs),
    /// Transfer a Blob, Storage or StakedWal object to another address.
    Transfer(commands::TransferArgs),
    /// Delete a deletable blob (its storage returns to the wallet).
    Delete(commands::DeleteArgs),
    /// Set an attribute on a blob object.
    SetAttribute(commands::SetAttributeArgs),
    /// Remove an attribute from a blob object.
    RemoveAttribute(commands::RemoveAttributeArgs),
    /// Show a blob object's attributes.
    GetAttributes(commands::GetAttributesArgs),
    /// List the wallet's blobs (and storage resources with --storage).
    ListBlobs(commands::ListBlobsArgs),
    /// Show the epoch, committee, prices and limits.
    Info,
    /// Stake WAL with a storage node's pool.
    Stake(commands::StakeArgs),
    /// Withdraw a stake: request it, or collect it once its withdrawal epoch has come.
    Withdraw(commands::WithdrawArgs),
    /// List the wallet's stakes: principal and current value (after a slash, less).
    Stakes,
    /// Show the storage-challenge record per node: recent outcomes and failure streaks.
    Challenges(commands::ChallengesArgs),
    /// Compute the blob ID of a file without storing it.
    BlobId(commands::BlobIdArgs),
    /// Run the publisher/aggregator HTTP API.
    Daemon(commands::DaemonArgs),
    /// Write a new random encryption key file.
    GenerateKey(commands::GenerateKeyArgs),
    /// Run a whole local Walrus network.
    Local(local::LocalArgs),
    /// A component of `walrus local` (started by it; not for direct use).
    #[command(subcommand, hide = true)]
    Component(local::ComponentCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One clear line: the chain of causes joined.
            let message = format!("{error:#}").replace('\n', " ");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let context = commands::Context {
        config_path: cli.config,
        json: cli.json,
    };
    match cli.command {
        Command::Store(args) => commands::store(&context, args).await,
        Command::Read(args) => commands::read(&context, args).await,
        Command::BlobStatus(args) => commands::blob_status(&context, args).await,
        Command::Extend(args) => commands::extend(&context, args).await,
        Command::Transfer(args) => commands::transfer(&context, args).await,
        Command::Delete(args) => commands::delete(&context, args).await,
        Command::SetAttribute(args) => commands::set_attribute(&context, args).await,
        Command::RemoveAttribute(args) => commands::remove_attribute(&context, args).await,
        Command::GetAttributes(args) => commands::get_attributes(&context, args).await,
        Command::ListBlobs(args) => commands::list_blobs(&context, args).await,
        Command::Info => commands::info(&context).await,
        Command::Stake(args) => commands::stake(&context, args).await,
        Command::Withdraw(args) => commands::withdraw(&context, args).await,
        Command::Stakes => commands::stakes(&context).await,
        Command::Challenges(args) => commands::challenges(&context, args).await,
        Command::BlobId(args) => commands::blob_id(&context, &args),
        Command::Daemon(args) => commands::daemon(&context, args).await,
        Command::GenerateKey(args) => commands::generate_key(&context, &args),
        Command::Local(args) => local::run(args, context.json).await,
        Command::Component(command) => local::run_component(command).await,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    /// A base64url blob ID may start with `-`; it must parse as the positional argument in any
    /// position, while real options around it still work.
    #[test]
    fn blob_ids_starting_with_a_hyphen_are_positional() {
        let id = "-6kk8ghyMf8fVZEB9lp0ufOWOzqP3VSf37AgNIhBGVw";
        for args in [
            vec!["walrus", "read", id, "--out", "x", "--json"],
            vec!["walrus", "--json", "read", "--out", "x", id],
            vec!["walrus", "read", "--range", "0-9", id],
        ] {
            let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            let Command::Read(read) = cli.command else {
                panic!("{args:?} is not a read");
            };
            assert_eq!(read.blob_id.to_string(), id, "{args:?}");
        }
        let cli = Cli::try_parse_from(["walrus", "blob-status", id, "--json"]).unwrap();
        assert!(cli.json);
        // Options that need a value still reject a missing one.
        assert!(Cli::try_parse_from(["walrus", "read", id, "--out"]).is_err());
    }
}
