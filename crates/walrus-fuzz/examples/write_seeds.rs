//! Writes every target's seeds into a corpus directory, one file per seed named after its
//! content hash, for `cargo fuzz` to start from:
//! `cargo run -p walrus-fuzz --example write_seeds -- fuzz/corpus`.

use std::{
    collections::hash_map::DefaultHasher,
    hash::{Hash, Hasher},
    path::PathBuf,
};

use anyhow::Context;
use walrus_fuzz::{NODE_HTTP, TARGETS, http::HttpHarness};

fn main() -> anyhow::Result<()> {
    let root = PathBuf::from(
        std::env::args()
            .nth(1)
            .context("usage: write_seeds <corpus directory>")?,
    );
    let all = TARGETS
        .iter()
        .map(|target| (target.name, (target.seeds)()))
        .chain(std::iter::once((NODE_HTTP, HttpHarness::seeds())));
    for (name, seeds) in all {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        for seed in seeds {
            let mut hasher = DefaultHasher::new();
            seed.hash(&mut hasher);
            let path = dir.join(format!("seed-{:016x}", hasher.finish()));
            std::fs::write(&path, &seed).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}
