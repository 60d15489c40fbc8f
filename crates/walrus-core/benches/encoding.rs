//! Criterion benchmarks of the data plane: encoding with metadata, decoding, single-sliver
//! verification and certificate verification.
//!
//! Run with `cargo bench -p walrus-core`. Set `WALRUS_BENCH_QUICK=1` to skip the 128 MiB cases.

use std::{hint::black_box, time::Duration};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use walrus_core::encoding::{
    self, ConsistencyCheck, EncodingConfig, Primary, SliverData, compute_metadata,
    encode_with_metadata,
};

const MIB: usize = 1024 * 1024;

fn blob(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

fn sizes() -> Vec<(&'static str, usize)> {
    let mut sizes = vec![("1B", 1), ("1MiB", MIB), ("32MiB", 32 * MIB)];
    if std::env::var_os("WALRUS_BENCH_QUICK").is_none() {
        sizes.push(("128MiB", 128 * MIB));
    }
    sizes
}

fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    len: usize,
) {
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(if len >= 32 * MIB { 20 } else { 5 }));
    group.throughput(Throughput::Bytes(u64::try_from(len).unwrap_or(u64::MAX)));
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_with_metadata");
    for n in [10u16, 100, 1000] {
        let config = EncodingConfig::new(n).expect("supported");
        for (name, len) in sizes() {
            if config
                .check_blob_size(u64::try_from(len).unwrap_or(u64::MAX))
                .is_err()
            {
                continue;
            }
            let data = blob(len);
            configure(&mut group, len);
            group.bench_with_input(BenchmarkId::new(format!("n{n}"), name), &data, |b, data| {
                b.iter(|| encode_with_metadata(&config, black_box(data)).expect("encodes"));
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("compute_metadata");
    let config = EncodingConfig::new(1000).expect("supported");
    for (name, len) in sizes() {
        let data = blob(len);
        configure(&mut group, len);
        group.bench_with_input(BenchmarkId::new("n1000", name), &data, |b, data| {
            b.iter(|| compute_metadata(&config, black_box(data)).expect("encodes"));
        });
    }
    group.finish();
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode_primary");
    let config = EncodingConfig::new(1000).expect("supported");
    let k = usize::from(config.n_primary_source_symbols());
    for (name, len) in sizes() {
        let data = blob(len);
        let encoded = encode_with_metadata(&config, &data).expect("encodes");
        // The last n - 2f slivers: all repair rows, so every column is really decoded.
        let slivers: Vec<SliverData<Primary>> = encoded
            .sliver_pairs
            .iter()
            .rev()
            .take(k)
            .map(|pair| pair.primary.clone())
            .collect();
        configure(&mut group, len);
        for (check_name, check) in [
            ("skip", ConsistencyCheck::Skip),
            ("default", ConsistencyCheck::Default),
        ] {
            group.bench_with_input(
                BenchmarkId::new(format!("n1000_{check_name}"), name),
                &slivers,
                |b, slivers| {
                    b.iter(|| {
                        encoding::decode(&encoded.metadata, slivers.clone(), check)
                            .expect("decodes")
                    });
                },
            );
        }
    }
    group.finish();
}

fn verify_sliver(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify_sliver");
    let config = EncodingConfig::new(1000).expect("supported");
    for (name, len) in [("1MiB", MIB), ("32MiB", 32 * MIB)] {
        let encoded = encode_with_metadata(&config, &blob(len)).expect("encodes");
        let pair = &encoded.sliver_pairs[700];
        group.sample_size(20);
        group.bench_function(BenchmarkId::new("primary_n1000", name), |b| {
            b.iter(|| pair.primary.verify(&encoded.metadata).expect("verifies"));
        });
        group.bench_function(BenchmarkId::new("secondary_n1000", name), |b| {
            b.iter(|| pair.secondary.verify(&encoded.metadata).expect("verifies"));
        });
    }
    group.finish();
}

/// Verifies a confirmation certificate signed by 667 of 1000 single-shard members: decode,
/// check signers and weight, aggregate 667 public keys and verify one pairing.
fn verify_certificate(c: &mut Criterion) {
    use rand::{SeedableRng, rngs::StdRng};
    use walrus_core::{
        BlobId, BlsKeyPair, Confirmation, ConfirmationCertificate, messages::BlobPersistenceType,
    };

    let mut rng = StdRng::seed_from_u64(7);
    let keys: Vec<BlsKeyPair> = (0..1000).map(|_| BlsKeyPair::generate(&mut rng)).collect();
    let committee: Vec<_> = keys
        .iter()
        .map(|key| (key.public_key().clone(), 1u16))
        .collect();
    let message = Confirmation::for_blob(3, BlobId([7; 32]), BlobPersistenceType::Permanent);
    let signed: Vec<_> = keys[..667].iter().map(|key| message.sign(key)).collect();
    let certificate = ConfirmationCertificate::from_signed_messages(
        signed
            .iter()
            .enumerate()
            .map(|(i, s)| (u16::try_from(i).expect("small"), s)),
    )
    .expect("builds");
    let mut group = c.benchmark_group("verify_certificate");
    group.sample_size(20);
    group.bench_function("667_of_1000_signers", |b| {
        b.iter(|| {
            certificate
                .verify(&committee, 1000, 3, message.contents())
                .expect("verifies")
        });
    });
    group.finish();
}

criterion_group!(benches, encode, decode, verify_sliver, verify_certificate);
criterion_main!(benches);
