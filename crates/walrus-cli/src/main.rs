//! `walrus`: the command-line client of our Walrus implementation.
//!
//! Today it offers `walrus blob-id`, which computes a file's blob ID offline exactly as the
//! reference encoder does. Later issues add storing, reading and the local network.

use std::{
    fs::File,
    io::Read,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use serde::Serialize;
use walrus_core::encoding::{EncodingConfig, compute_metadata};

/// The default shard count, as on Walrus mainnet and testnet.
const DEFAULT_N_SHARDS: u16 = 1000;

#[derive(Debug, Parser)]
#[command(name = "walrus", version, about = "Store and read blobs on Walrus")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compute the blob ID of a file without storing it.
    BlobId(BlobIdArgs),
}

#[derive(Debug, clap::Args)]
struct BlobIdArgs {
    /// The file to encode.
    file: PathBuf,
    /// The number of shards of the committee the blob is encoded for.
    #[arg(long, default_value_t = DEFAULT_N_SHARDS)]
    n_shards: u16,
    /// Print one JSON object instead of the bare blob ID.
    #[arg(long)]
    json: bool,
}

/// The `--json` output of `walrus blob-id`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BlobIdOutput {
    blob_id: String,
    blob_id_u256: String,
    root_hash: String,
    unencoded_length: u64,
    symbol_size: u16,
    encoded_length: u64,
    storage_units: u64,
    n_shards: u16,
    encoding_type: String,
    file: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One clear line: the chain of causes joined.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::BlobId(args) => blob_id(&args),
    }
}

fn blob_id(args: &BlobIdArgs) -> anyhow::Result<()> {
    let config = EncodingConfig::new(args.n_shards)?;
    let data = read_blob_file(&args.file, config.max_blob_size())?;
    let metadata = compute_metadata(&config, &data)
        .with_context(|| format!("cannot encode {}", args.file.display()))?;
    let length = metadata.metadata().unencoded_length();
    if args.json {
        let output = BlobIdOutput {
            blob_id: metadata.blob_id().to_string(),
            blob_id_u256: metadata.blob_id().to_move_u256_decimal(),
            root_hash: hex::encode(metadata.metadata().compute_root_hash().bytes()),
            unencoded_length: length,
            symbol_size: metadata.symbol_size(),
            encoded_length: config.encoded_blob_length(length)?,
            storage_units: config.storage_units(length)?,
            n_shards: args.n_shards,
            encoding_type: "RS2".to_owned(),
            file: args.file.display().to_string(),
        };
        println!("{}", serde_json::to_string(&output)?);
    } else {
        println!("{}", metadata.blob_id());
    }
    Ok(())
}

/// Reads a whole file, refusing it up front if it is larger than `max_size`.
fn read_blob_file(path: &Path, max_size: u64) -> anyhow::Result<Vec<u8>> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if !file.metadata().map(|m| m.is_file()).unwrap_or(false) {
        bail!("{} is not a regular file", path.display());
    }
    if size > max_size {
        bail!(
            "{} is {size} bytes, larger than the maximum blob size of {max_size} bytes for this \
             shard count",
            path.display()
        );
    }
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.read_to_end(&mut data)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if u64::try_from(data.len()).unwrap_or(u64::MAX) > max_size {
        bail!(
            "{} grew beyond the maximum blob size while reading",
            path.display()
        );
    }
    Ok(data)
}
