//! Property tests of the RedStuff codec: decoding from any sufficient subset, verification
//! catching corruption, recovery from symbols, inconsistency proofs, and total wire decoders.

use proptest::prelude::*;
use walrus_core::{
    SliverIndex,
    encoding::{
        self, ConsistencyCheck, DecodeError, EncodedBlob, EncodingConfig, GeneralRecoverySymbol,
        InconsistencyProof, Primary, RecoveryError, RecoveryOutcome, RecoverySymbol, Secondary,
        Sliver, SliverData, SliverVerificationError, recover_sliver,
    },
    merkle::{MerkleProof, Node},
    metadata::{BlobMetadataWithId, VerifiedBlobMetadataWithId},
};

fn encode(n: u16, data: &[u8]) -> EncodedBlob {
    let config = EncodingConfig::new(n).expect("supported n");
    encoding::encode_with_metadata(&config, data).expect("encodes")
}

fn primaries(encoded: &EncodedBlob, picks: &[usize]) -> Vec<SliverData<Primary>> {
    picks
        .iter()
        .map(|&i| encoded.sliver_pairs[i].primary.clone())
        .collect()
}

/// Secondary sliver with index `c` lives in pair `n - 1 - c`.
fn secondary(encoded: &EncodedBlob, index: usize) -> SliverData<Secondary> {
    let n = encoded.sliver_pairs.len();
    encoded.sliver_pairs[n - 1 - index].secondary.clone()
}

/// Symbols for primary sliver `target` from the secondary slivers `sources`.
fn symbols_for_primary(
    encoded: &EncodedBlob,
    target: u16,
    sources: &[usize],
) -> Vec<RecoverySymbol<Primary>> {
    sources
        .iter()
        .map(|&c| {
            secondary(encoded, c)
                .recovery_symbol_for(&encoded.metadata, SliverIndex(target))
                .expect("builds")
                .into_primary()
                .expect("primary target")
        })
        .collect()
}

fn symbols_for_secondary(
    encoded: &EncodedBlob,
    target: u16,
    sources: &[usize],
) -> Vec<RecoverySymbol<Secondary>> {
    sources
        .iter()
        .map(|&r| {
            encoded.sliver_pairs[r]
                .primary
                .recovery_symbol_for(&encoded.metadata, SliverIndex(target))
                .expect("builds")
                .into_secondary()
                .expect("secondary target")
        })
        .collect()
}

/// A deterministic Fisher-Yates shuffle driven by a 64-bit LCG.
fn shuffled(items: &[usize], seed: u64) -> Vec<usize> {
    let mut items = items.to_vec();
    let mut state = seed | 1;
    for i in (1..items.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = usize::try_from((state >> 33) % (i as u64 + 1)).expect("small");
        items.swap(i, j);
    }
    items
}

fn n_and_data() -> impl Strategy<Value = (u16, Vec<u8>)> {
    (
        prop_oneof![
            1 => Just(1u16),
            1 => Just(2),
            1 => Just(3),
            2 => Just(4),
            2 => Just(7),
            6 => 5u16..40,
            1 => Just(1000),
        ],
        proptest::collection::vec(any::<u8>(), 0..3000),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn decodes_from_any_sufficient_subset(
        (n, data) in n_and_data(),
        seed in any::<u64>(),
    ) {
        let encoded = encode(n, &data);
        let config = encoded.metadata.config();
        let k_primary = usize::from(config.n_primary_source_symbols());
        let k_secondary = usize::from(config.n_secondary_source_symbols());
        let all: Vec<usize> = (0..usize::from(n)).collect();
        let picks = shuffled(&all, seed)[..k_primary].to_vec();
        let decoded = encoding::decode(&encoded.metadata, primaries(&encoded, &picks), ConsistencyCheck::Default)
            .expect("decodes from primary");
        prop_assert_eq!(&decoded, &data);
        let picks = shuffled(&all, seed.rotate_left(17))[..k_secondary].to_vec();
        let slivers: Vec<_> = picks.iter().map(|&c| secondary(&encoded, c)).collect();
        let decoded = encoding::decode(&encoded.metadata, slivers, ConsistencyCheck::Strict)
            .expect("decodes from secondary");
        prop_assert_eq!(&decoded, &data);
    }

    #[test]
    fn too_few_slivers_is_an_error((n, data) in n_and_data()) {
        let encoded = encode(n, &data);
        let k = usize::from(encoded.metadata.config().n_primary_source_symbols());
        let picks: Vec<usize> = (0..k - 1).collect();
        let result = encoding::decode(&encoded.metadata, primaries(&encoded, &picks), ConsistencyCheck::Default);
        let is_not_enough = matches!(result, Err(DecodeError::NotEnoughSlivers { .. }));
        prop_assert!(is_not_enough);
    }

    #[test]
    fn a_flipped_byte_fails_verification(
        (n, data) in n_and_data(),
        pair in any::<prop::sample::Index>(),
        position in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let encoded = encode(n, &data);
        let pair = pair.index(usize::from(n));
        let mut primary = encoded.sliver_pairs[pair].primary.clone();
        let bytes = primary.symbols_mut().data_mut();
        let at = position.index(bytes.len());
        bytes[at] ^= 1 << bit;
        prop_assert_eq!(primary.verify(&encoded.metadata), Err(SliverVerificationError::MerkleRootMismatch));
        let mut secondary = encoded.sliver_pairs[pair].secondary.clone();
        let bytes = secondary.symbols_mut().data_mut();
        let at = position.index(bytes.len());
        bytes[at] ^= 1 << bit;
        prop_assert_eq!(secondary.verify(&encoded.metadata), Err(SliverVerificationError::MerkleRootMismatch));
    }

    #[test]
    fn recovery_rebuilds_the_exact_sliver(
        (n, data) in (4u16..40, proptest::collection::vec(any::<u8>(), 0..2000)),
        target in any::<prop::sample::Index>(),
    ) {
        let encoded = encode(n, &data);
        let config = *encoded.metadata.config();
        let target = target.index(usize::from(n));
        let target16 = u16::try_from(target).expect("u16");
        // Primary target from the last n - f secondary slivers.
        let k = usize::from(config.n_secondary_source_symbols());
        let sources: Vec<usize> = (usize::from(n) - k..usize::from(n)).collect();
        let outcome = recover_sliver(&encoded.metadata, SliverIndex(target16), symbols_for_primary(&encoded, target16, &sources))
            .expect("recovers");
        prop_assert_eq!(outcome, RecoveryOutcome::Recovered(encoded.sliver_pairs[target].primary.clone()));
        // Secondary target from the last n - 2f primary slivers.
        let k = usize::from(config.n_primary_source_symbols());
        let sources: Vec<usize> = (usize::from(n) - k..usize::from(n)).collect();
        let outcome = recover_sliver(&encoded.metadata, SliverIndex(target16), symbols_for_secondary(&encoded, target16, &sources))
            .expect("recovers");
        prop_assert_eq!(outcome, RecoveryOutcome::Recovered(secondary(&encoded, target)));
    }

    #[test]
    fn tampered_recovery_symbols_and_proofs_fail(
        (n, data) in (4u16..30, proptest::collection::vec(any::<u8>(), 1..1000)),
        target in any::<prop::sample::Index>(),
        source in any::<prop::sample::Index>(),
        node in any::<prop::sample::Index>(),
    ) {
        let encoded = encode(n, &data);
        let target = u16::try_from(target.index(usize::from(n))).expect("u16");
        let source = source.index(usize::from(n));
        let mut symbol = symbols_for_primary(&encoded, target, &[source]).remove(0);
        prop_assert!(symbol.verify(&encoded.metadata, SliverIndex(target)).is_ok());
        // Wrong target index.
        // A symbol only verifies at another position if that cell holds the same bytes (and
        // so the same Merkle path), e.g. in a blob of zeros.
        let other = (target + 1) % n;
        let other_cell = symbols_for_primary(&encoded, other, &[source]).remove(0);
        prop_assert_eq!(
            symbol.verify(&encoded.metadata, SliverIndex(other)).is_ok(),
            other_cell.symbol.data == symbol.symbol.data && other_cell.proof == symbol.proof
        );
        // Tampered data.
        let mut tampered = symbol.clone();
        tampered.symbol.data[0] ^= 0x80;
        prop_assert!(tampered.verify(&encoded.metadata, SliverIndex(target)).is_err());
        // Tampered proof node.
        let mut path = symbol.proof.path().to_vec();
        let at = node.index(path.len());
        let mut bytes = *path[at].bytes();
        bytes[0] ^= 1;
        path[at] = Node::Digest(bytes);
        symbol.proof = MerkleProof::new(path);
        prop_assert!(symbol.verify(&encoded.metadata, SliverIndex(target)).is_err());
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = bcs::from_bytes::<SliverData<Primary>>(&bytes);
        let _ = bcs::from_bytes::<SliverData<Secondary>>(&bytes);
        let _ = bcs::from_bytes::<Sliver>(&bytes);
        let _ = bcs::from_bytes::<BlobMetadataWithId>(&bytes);
        let _ = bcs::from_bytes::<GeneralRecoverySymbol>(&bytes);
        let _ = bcs::from_bytes::<Vec<GeneralRecoverySymbol>>(&bytes);
        let _ = bcs::from_bytes::<InconsistencyProof<Primary>>(&bytes);
        let _ = bcs::from_bytes::<InconsistencyProof<Secondary>>(&bytes);
        let _ = bcs::from_bytes::<MerkleProof>(&bytes);
    }

    #[test]
    fn arbitrary_slivers_and_proofs_never_panic_verification(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        data in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let encoded = encode(7, &data);
        if let Ok(sliver) = bcs::from_bytes::<SliverData<Primary>>(&bytes) {
            let _ = sliver.verify(&encoded.metadata);
        }
        if let Ok(symbol) = bcs::from_bytes::<GeneralRecoverySymbol>(&bytes) {
            let _ = symbol.verify(&encoded.metadata, SliverIndex(0), encoding::Axis::Primary);
        }
        if let Ok(proof) = bcs::from_bytes::<InconsistencyProof<Secondary>>(&bytes) {
            let _ = proof.verify(&encoded.metadata);
        }
    }
}

/// Builds metadata for `data` whose slivers were tampered with before hashing: an inconsistent
/// encoding, as a malicious client would upload.
fn inconsistent_blob(
    n: u16,
    data: &[u8],
    bad_column: usize,
) -> (EncodedBlob, VerifiedBlobMetadataWithId) {
    let encoded = encode(n, data);
    // Replace the secondary hash of one column by the hash of a corrupted column: the metadata
    // still verifies (the blob ID is recomputed), but that column disagrees with the rows.
    let mut corrupted = secondary(&encoded, bad_column);
    corrupted.symbols_mut().data_mut()[0] ^= 0xff;
    let config = *encoded.metadata.config();
    let root = corrupted.merkle_root(&config).expect("root");
    let mut hashes = encoded.metadata.metadata().hashes().to_vec();
    hashes[usize::from(n) - 1 - bad_column].secondary_hash = root;
    let metadata = walrus_core::metadata::BlobMetadata::new(
        encoded.metadata.metadata().encoding_type(),
        encoded.metadata.metadata().unencoded_length(),
        hashes,
    );
    let blob_id = metadata.compute_blob_id();
    let verified = BlobMetadataWithId { blob_id, metadata }
        .verify(n)
        .expect("well-formed");
    (encoded, verified)
}

#[test]
fn inconsistent_encoding_yields_a_verifiable_proof() {
    let n = 10u16;
    let data: Vec<u8> = (0..5000u32)
        .map(|i| u8::try_from(i % 256).expect("byte"))
        .collect();
    let bad_column = 2usize;
    let (encoded, metadata) = inconsistent_blob(n, &data, bad_column);
    let config = *metadata.config();
    // The node holding secondary sliver `bad_column` rebuilds it from honest primary slivers.
    let k = usize::from(config.n_primary_source_symbols());
    let symbols: Vec<RecoverySymbol<Secondary>> = (0..k)
        .map(|r| {
            encoded.sliver_pairs[r]
                .primary
                .recovery_symbol_for(
                    &metadata,
                    SliverIndex(u16::try_from(bad_column).expect("u16")),
                )
                .expect("builds")
                .into_secondary()
                .expect("secondary")
        })
        .collect();
    let outcome = recover_sliver(
        &metadata,
        SliverIndex(u16::try_from(bad_column).expect("u16")),
        symbols,
    )
    .expect("decodes");
    let RecoveryOutcome::Inconsistent(proof) = outcome else {
        panic!("expected an inconsistency proof");
    };
    proof.verify(&metadata).expect("the proof verifies");
    let bytes = bcs::to_bytes(&proof).expect("serializes");
    let parsed: InconsistencyProof<Secondary> = bcs::from_bytes(&bytes).expect("parses");
    parsed.verify(&metadata).expect("the parsed proof verifies");

    // The same proof against the honest metadata proves nothing.
    assert_eq!(
        proof.verify(&encoded.metadata).map_err(|error| matches!(
            error,
            RecoveryError::InvalidSymbol(_) | RecoveryError::SliverNotInconsistent
        )),
        Err(true)
    );
    // A proof with a symbol missing is rejected.
    let mut short = proof.clone();
    short.recovery_symbols.pop();
    assert!(matches!(
        short.verify(&metadata),
        Err(RecoveryError::WrongSymbolCount { .. })
    ));

    // Readers: the strict and default checks refuse to return data for this blob when decoding
    // from secondary slivers that include the bad column.
    let slivers: Vec<_> = (0..usize::from(config.n_secondary_source_symbols()))
        .map(|c| secondary(&encoded, c))
        .collect();
    assert_eq!(
        encoding::decode(&metadata, slivers.clone(), ConsistencyCheck::Strict),
        Err(DecodeError::InconsistentBlob)
    );
}

#[test]
fn honest_recovery_proof_does_not_verify_as_inconsistency() {
    let encoded = encode(7, b"an honest blob");
    let config = *encoded.metadata.config();
    let k = usize::from(config.n_secondary_source_symbols());
    let sources: Vec<usize> = (0..k).collect();
    let proof = InconsistencyProof {
        target_sliver_index: SliverIndex(1),
        recovery_symbols: symbols_for_primary(&encoded, 1, &sources),
    };
    assert_eq!(
        proof.verify(&encoded.metadata),
        Err(RecoveryError::SliverNotInconsistent)
    );
}

#[test]
fn large_committee_round_trip_n1000() {
    let n = 1000u16;
    let data: Vec<u8> = (0..200_000u32)
        .map(|i| u8::try_from((i * 7 + 3) % 256).expect("byte"))
        .collect();
    let encoded = encode(n, &data);
    let config = *encoded.metadata.config();
    let k = usize::from(config.n_primary_source_symbols());
    // Any n - 2f primary slivers: take every third sliver from an offset, wrapping around.
    let picks: Vec<usize> = (0..k).map(|i| (i * 3 + 1) % usize::from(n)).collect();
    let mut unique = picks.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), k);
    let decoded = encoding::decode(
        &encoded.metadata,
        primaries(&encoded, &picks),
        ConsistencyCheck::Default,
    )
    .expect("decodes");
    assert_eq!(decoded, data);
    let slivers: Vec<_> = (0..usize::from(config.n_secondary_source_symbols()))
        .map(|c| secondary(&encoded, usize::from(n) - 1 - c))
        .collect();
    let decoded =
        encoding::decode(&encoded.metadata, slivers, ConsistencyCheck::Skip).expect("decodes");
    assert_eq!(decoded, data);
    // Recover primary sliver 500 from the last n - f secondary slivers.
    let sources: Vec<usize> = (usize::from(n) - usize::from(config.n_secondary_source_symbols())
        ..usize::from(n))
        .collect();
    let outcome = recover_sliver(
        &encoded.metadata,
        SliverIndex(500),
        symbols_for_primary(&encoded, 500, &sources),
    )
    .expect("recovers");
    assert_eq!(
        outcome,
        RecoveryOutcome::Recovered(encoded.sliver_pairs[500].primary.clone())
    );
    encoded.sliver_pairs[999]
        .primary
        .verify(&encoded.metadata)
        .expect("verifies");
}
