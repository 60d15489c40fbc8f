//! Bytes a storage node downloads to rebuild one lost sliver, against `|blob| / n`:
//! `cargo run --release -p walrus-core --example recovery_cost -- N_SHARDS BYTES...`.
//!
//! For each blob size it encodes a blob, builds the recovery symbols (with their Merkle proofs,
//! BCS-encoded as the node API serves them) that rebuild primary sliver 0 and secondary sliver 0,
//! checks that recovery succeeds from them, and prints one Markdown table row per axis.

use walrus_core::{
    SliverIndex,
    encoding::{
        self, Axis, EncodingConfig, GeneralRecoverySymbol, RecoveryOutcome, RecoverySymbol,
        recover_sliver,
    },
};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u16 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let sizes: Vec<usize> = args.filter_map(|a| a.parse().ok()).collect();
    let config = EncodingConfig::new(n).expect("a supported shard count");
    println!(
        "| n | blob bytes | axis | symbols fetched | bytes fetched (with proofs) | sliver bytes | blob/n | fetched / (blob/n) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for size in sizes {
        let data: Vec<u8> = (0..size)
            .map(|i| u8::try_from(i % 251).unwrap_or(0))
            .collect();
        let encoded = encoding::encode_with_metadata(&config, &data).expect("encodable");
        let metadata = &encoded.metadata;
        let per_node = size as f64 / f64::from(n);
        for axis in [Axis::Primary, Axis::Secondary] {
            let need = config.n_symbols_for_recovery(axis);
            let target = SliverIndex(0);
            // Symbols for a primary target come from secondary slivers and vice versa; take
            // them from the first `need` source slivers.
            let symbols: Vec<GeneralRecoverySymbol> = (0..need)
                .map(|source| {
                    let pair = &encoded.sliver_pairs[usize::from(match axis {
                        Axis::Primary => n - 1 - source,
                        Axis::Secondary => source,
                    })];
                    match axis {
                        Axis::Primary => pair.secondary.recovery_symbol_for(metadata, target),
                        Axis::Secondary => pair.primary.recovery_symbol_for(metadata, target),
                    }
                    .expect("an in-range target")
                })
                .collect();
            let fetched: usize = symbols
                .iter()
                .map(|s| bcs::to_bytes(s).expect("serializable").len())
                .sum();
            let (sliver_len, recovered) = match axis {
                Axis::Primary => {
                    let typed: Vec<RecoverySymbol<encoding::Primary>> = symbols
                        .into_iter()
                        .filter_map(|s| s.into_primary())
                        .collect();
                    (
                        encoded.sliver_pairs[0].primary.data().len(),
                        matches!(
                            recover_sliver(metadata, target, typed),
                            Ok(RecoveryOutcome::Recovered(_))
                        ),
                    )
                }
                Axis::Secondary => {
                    let typed: Vec<RecoverySymbol<encoding::Secondary>> = symbols
                        .into_iter()
                        .filter_map(|s| s.into_secondary())
                        .collect();
                    (
                        encoded.sliver_pairs[usize::from(n - 1)]
                            .secondary
                            .data()
                            .len(),
                        matches!(
                            recover_sliver(metadata, target, typed),
                            Ok(RecoveryOutcome::Recovered(_))
                        ),
                    )
                }
            };
            assert!(recovered, "recovery from the fetched symbols failed");
            println!(
                "| {n} | {size} | {axis:?} | {need} | {fetched} | {sliver_len} | {per_node:.0} | {:.2} |",
                fetched as f64 / per_node
            );
        }
    }
}
