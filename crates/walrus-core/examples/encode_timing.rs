//! Times one encoding, decoding and verification run: `cargo run --release -p walrus-core
//! --example encode_timing -- N_SHARDS BYTES [encode-only]`.

use std::time::Instant;

use walrus_core::encoding::{self, ConsistencyCheck, EncodingConfig, Primary, SliverData};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u16 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let len: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let data: Vec<u8> = (0..len)
        .map(|i| u8::try_from(i % 251).unwrap_or(0))
        .collect();
    let encode_only = args.next().as_deref() == Some("encode-only");
    let config = EncodingConfig::new(n).expect("supported");
    if encode_only {
        let start = Instant::now();
        let encoded = encoding::encode_with_metadata(&config, &data).expect("encodes");
        println!(
            "encode_with_metadata n={n} len={len}: {:?} {}",
            start.elapsed(),
            encoded.blob_id()
        );
        return;
    }
    let start = Instant::now();
    let metadata = encoding::compute_metadata(&config, &data).expect("encodes");
    println!("compute_metadata n={n} len={len}: {:?}", start.elapsed());
    let start = Instant::now();
    let encoded = encoding::encode_with_metadata(&config, &data).expect("encodes");
    let elapsed = start.elapsed();
    println!(
        "encode_with_metadata n={n} len={len}: {elapsed:?} ({:.1} MiB/s)",
        len as f64 / 1048576.0 / elapsed.as_secs_f64()
    );
    assert_eq!(metadata.blob_id(), encoded.blob_id());
    let k = usize::from(config.n_primary_source_symbols());
    let slivers: Vec<SliverData<Primary>> = encoded
        .sliver_pairs
        .iter()
        .rev()
        .take(k)
        .map(|p| p.primary.clone())
        .collect();
    let start = Instant::now();
    let decoded =
        encoding::decode(&encoded.metadata, slivers, ConsistencyCheck::Default).expect("decodes");
    let elapsed = start.elapsed();
    println!(
        "decode (repair rows, default check): {elapsed:?} ({:.1} MiB/s)",
        len as f64 / 1048576.0 / elapsed.as_secs_f64()
    );
    assert_eq!(decoded, data);
    let start = Instant::now();
    encoded.sliver_pairs[n as usize / 2]
        .primary
        .verify(&encoded.metadata)
        .expect("verifies");
    println!("verify one primary sliver: {:?}", start.elapsed());
}
