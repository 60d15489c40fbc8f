//! Peak resident memory of one store or one read, each in its own process.
//!
//! ```text
//! client_memory CLIENT_YAML store FILE
//! client_memory CLIENT_YAML read BLOB_ID OUT
//! ```
//!
//! `store` reads FILE into memory (as `walrus store` does), stores it for one epoch (`force`,
//! so it is encoded and uploaded even if already certified) and prints the blob ID; `read`
//! reads the blob and writes it to OUT. Both then print one JSON line with the blob size, the
//! resident memory before the blob existed (`baselineRssMib`, `VmRSS`) and the process's peak
//! (`peakRssMib`, `VmHWM` from `/proc/self/status`, Linux only), and the encoded slivers the
//! operation holds (`sliverMib`: all `2n` slivers for a store, `n - 2f` primary slivers for a
//! read), so that `peak - baseline - slivers` is the memory beyond the slivers. Used by
//! `scripts/client-memory.sh`.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use walrus_core::BlobId;
use walrus_core::encoding::{Axis, EncodingConfig};
use walrus_sdk::client::WalrusClient;
use walrus_sdk::config::ClientConfig;
use walrus_sdk::progress::NoProgress;
use walrus_sdk::read::ReadOptions;
use walrus_sdk::store::StoreOptions;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const USAGE: &str = "usage: client_memory CLIENT_YAML store FILE | CLIENT_YAML read BLOB_ID OUT";

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config, rest) = args.split_first().ok_or(USAGE)?;
    let client = WalrusClient::from_config(ClientConfig::load(&PathBuf::from(config))?)?;
    let n_shards = client.committee().await?.n_shards;
    let encoding = EncodingConfig::new(n_shards)?;
    let baseline = memory_mib("VmRSS");
    let started = Instant::now();
    let (op, size, blob_id, slivers) = match rest {
        [op, file] if op == "store" => {
            let data = std::fs::read(file)?;
            let size = u64::try_from(data.len())?;
            let options = StoreOptions {
                force: true,
                ..StoreOptions::permanent(1)
            };
            let stored = client.store_blob(data, &options, &NoProgress).await?;
            let per_pair = encoding.sliver_size(Axis::Primary, size)?
                + encoding.sliver_size(Axis::Secondary, size)?;
            let slivers = u64::from(n_shards) * u64::try_from(per_pair)?;
            ("store", size, stored.blob_id(), slivers)
        }
        [op, blob_id, out] if op == "read" => {
            let blob_id: BlobId = blob_id.parse()?;
            let output = client
                .read_blob_with(&blob_id, &ReadOptions::default(), &NoProgress)
                .await?;
            let size = u64::try_from(output.data.len())?;
            std::fs::write(out, &output.data)?;
            drop(output);
            let primary = u64::from(encoding.n_source_symbols(Axis::Primary));
            let per_sliver = u64::try_from(encoding.sliver_size(Axis::Primary, size)?)?;
            ("read", size, blob_id, primary * per_sliver)
        }
        _ => return Err(USAGE.into()),
    };
    println!(
        "{{\"op\":\"{op}\",\"blobId\":\"{blob_id}\",\"size\":{size},\"seconds\":{:.2},\
         \"baselineRssMib\":{},\"peakRssMib\":{},\"sliverMib\":{}}}",
        started.elapsed().as_secs_f64(),
        baseline,
        memory_mib("VmHWM"),
        slivers >> 20,
    );
    Ok(())
}

/// A field of `/proc/self/status` in MiB (0 where procfs is missing).
fn memory_mib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status
                .lines()
                .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))?;
            line.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()
        })
        .map_or(0, |kib| kib / 1024)
}
