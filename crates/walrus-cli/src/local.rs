//! `walrus local`: a whole Walrus network on loopback (devnet chain, storage nodes, indexer and
//! daemon) in one command.
//!
//! The coordinator of the local network lives here; `main.rs` only dispatches to [`run`].

use std::path::PathBuf;

/// Arguments of `walrus local`.
#[derive(Debug, clap::Args)]
pub struct LocalArgs {
    /// The directory holding the network's state; a second run in the same directory resumes it.
    #[arg(long, default_value = "walrus-local")]
    pub dir: PathBuf,
    /// The number of storage nodes.
    #[arg(long, default_value_t = 7)]
    pub nodes: u16,
    /// Store and read back a sample file, print the result, and stop.
    #[arg(long)]
    pub demo: bool,
}

/// Runs `walrus local`.
pub async fn run(args: LocalArgs) -> anyhow::Result<()> {
    anyhow::bail!(
        "`walrus local` is not implemented yet (requested for {})",
        args.dir.display()
    )
}
