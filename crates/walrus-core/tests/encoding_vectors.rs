//! Reproduces every encoding vector of the reference encoder in `../shared/vectors`.

use std::path::PathBuf;

use serde_json::Value;
use sha2::{Digest, Sha256};
use walrus_core::{
    BlobId, ShardIndex, SliverPairIndex,
    encoding::{
        self, Axis, ConsistencyCheck, EncodingConfig, EncodingError, Primary, Secondary, SliverData,
    },
};

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/redstuff.jsonl")
}

fn load_vectors(kind: &str) -> Vec<Value> {
    let path = vectors_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str::<Value>(line).expect("valid JSON line"))
        .filter(|value| value["kind"] == kind)
        .collect()
}

fn content(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 31 + 7) % 251).expect("below 251"))
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn int(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("missing integer {key}"))
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string {key}"))
}

/// Some list fields are stored as JSON text inside a string.
fn list(value: &Value, key: &str) -> Option<Vec<Value>> {
    match &value[key] {
        Value::Array(items) => Some(items.clone()),
        Value::String(inner) => serde_json::from_str::<Vec<Value>>(inner).ok(),
        _ => None,
    }
}

fn maybe_text(value: &Value, key: &str) -> Option<String> {
    match &value[key] {
        Value::String(inner) => {
            Some(serde_json::from_str::<String>(inner).unwrap_or_else(|_| inner.clone()))
        }
        _ => None,
    }
}

#[test]
fn every_encoding_vector_is_reproduced() {
    let vectors = load_vectors("vector");
    assert!(
        vectors.len() >= 20,
        "expected the full vector set, got {}",
        vectors.len()
    );
    let mut checked_slivers = 0;
    for vector in &vectors {
        let n = u16::try_from(int(vector, "n_shards")).expect("u16");
        let len = usize::try_from(int(vector, "data_len")).expect("usize");
        let case = format!("n = {n}, len = {len}");
        let data = content(len);
        assert_eq!(
            sha256_hex(&data),
            text(vector, "data_sha256"),
            "{case}: content rule"
        );
        let config = EncodingConfig::new(n).expect("supported");
        assert_eq!(
            u64::from(walrus_core::bft::max_n_faulty(n)),
            int(vector, "max_faulty")
        );
        assert_eq!(
            u64::from(config.n_primary_source_symbols()),
            int(vector, "primary_source_symbols")
        );
        assert_eq!(
            u64::from(config.n_secondary_source_symbols()),
            int(vector, "secondary_source_symbols")
        );

        if vector["ok"] == false {
            let error = encoding::encode_with_metadata(&config, &data).expect_err(&case);
            assert!(
                matches!(error, EncodingError::BlobTooLarge { .. }),
                "{case}: {error}"
            );
            assert!(
                text(vector, "error").contains("too large"),
                "{case}: the reference also reports a size error"
            );
            continue;
        }

        let encoded = encoding::encode_with_metadata(&config, &data).expect(&case);
        let metadata = &encoded.metadata;
        let blob_id = *metadata.blob_id();
        assert_eq!(
            hex::encode(blob_id.0),
            text(vector, "blob_id_hex"),
            "{case}"
        );
        assert_eq!(blob_id.to_string(), text(vector, "blob_id"), "{case}");
        assert_eq!(
            text(vector, "blob_id").parse::<BlobId>().expect("parses"),
            blob_id
        );
        assert_eq!(
            hex::encode(metadata.metadata().compute_root_hash().bytes()),
            text(vector, "root_hash_hex"),
            "{case}"
        );
        assert_eq!(metadata.metadata().encoding_type().as_u8(), 1);
        assert_eq!(
            metadata.metadata().unencoded_length(),
            int(vector, "unencoded_length")
        );
        let symbol_size = u64::from(metadata.symbol_size());
        assert_eq!(symbol_size, int(vector, "symbol_size"), "{case}");
        let len64 = u64::try_from(len).expect("u64");
        assert_eq!(
            config.sliver_size(Axis::Primary, len64).expect("fits") as u64,
            int(vector, "primary_sliver_len")
        );
        assert_eq!(
            config.sliver_size(Axis::Secondary, len64).expect("fits") as u64,
            int(vector, "secondary_sliver_len")
        );
        assert_eq!(
            config.encoded_blob_length(len64).expect("fits"),
            int(vector, "encoded_length")
        );
        assert_eq!(
            config.storage_units(len64).expect("fits"),
            int(vector, "storage_units")
        );
        assert_eq!(
            u64::from(blob_id.rotation_offset(n)),
            int(vector, "rotation_offset")
        );
        assert_eq!(
            u64::from(SliverPairIndex(0).to_shard_index(n, &blob_id).get()),
            int(vector, "shard_of_pair0")
        );
        assert_eq!(
            u64::from(ShardIndex(0).to_pair_index(n, &blob_id).get()),
            int(vector, "pair_of_shard0")
        );

        let metadata_bcs = bcs::to_bytes(metadata.metadata()).expect("serializes");
        assert_eq!(
            metadata_bcs.len() as u64,
            int(vector, "metadata_bcs_len"),
            "{case}"
        );
        assert_eq!(
            sha256_hex(&metadata_bcs),
            text(vector, "metadata_bcs_sha256"),
            "{case}"
        );
        if let Some(expected) = maybe_text(vector, "metadata_bcs_hex") {
            assert_eq!(hex::encode(&metadata_bcs), expected, "{case}");
        }
        let with_id = bcs::to_bytes(metadata.as_unverified()).expect("serializes");
        assert_eq!(
            sha256_hex(&with_id),
            text(vector, "metadata_with_id_bcs_sha256"),
            "{case}"
        );

        let primary_bcs: Vec<Vec<u8>> = encoded
            .sliver_pairs
            .iter()
            .map(|pair| bcs::to_bytes(&pair.primary).expect("serializes"))
            .collect();
        let secondary_bcs: Vec<Vec<u8>> = encoded
            .sliver_pairs
            .iter()
            .map(|pair| bcs::to_bytes(&pair.secondary).expect("serializes"))
            .collect();
        assert_eq!(
            sha256_hex(&primary_bcs.concat()),
            text(vector, "all_primary_bcs_sha256"),
            "{case}"
        );
        assert_eq!(
            sha256_hex(&secondary_bcs.concat()),
            text(vector, "all_secondary_bcs_sha256"),
            "{case}"
        );
        for (key, all_bcs) in [
            ("primary_slivers_bcs_hex", &primary_bcs),
            ("secondary_slivers_bcs_hex", &secondary_bcs),
        ] {
            if let Some(expected) = list(vector, key) {
                let actual: Vec<String> = all_bcs.iter().map(hex::encode).collect();
                let expected: Vec<String> = expected
                    .iter()
                    .map(|item| item.as_str().expect("hex string").to_owned())
                    .collect();
                assert_eq!(actual, expected, "{case}: {key}");
            }
        }
        for (axis, key) in [(Axis::Primary, "primary"), (Axis::Secondary, "secondary")] {
            for entry in list(vector, key).expect("sliver list") {
                let pair = usize::try_from(int(&entry, "pair_index")).expect("usize");
                let sliver_pair = &encoded.sliver_pairs[pair];
                let (index, data, bcs_bytes, hash) = match axis {
                    Axis::Primary => (
                        sliver_pair.primary.index(),
                        sliver_pair.primary.data(),
                        &primary_bcs[pair],
                        metadata.metadata().hashes()[pair].primary_hash,
                    ),
                    Axis::Secondary => (
                        sliver_pair.secondary.index(),
                        sliver_pair.secondary.data(),
                        &secondary_bcs[pair],
                        metadata.metadata().hashes()[pair].secondary_hash,
                    ),
                };
                assert_eq!(
                    u64::from(index.get()),
                    int(&entry, "sliver_index"),
                    "{case}"
                );
                let pair_index = SliverPairIndex(u16::try_from(pair).expect("u16"));
                assert_eq!(
                    u64::from(pair_index.to_shard_index(n, &blob_id).get()),
                    int(&entry, "shard_index")
                );
                assert_eq!(data.len() as u64, int(&entry, "data_len"));
                assert_eq!(bcs_bytes.len() as u64, int(&entry, "bcs_len"));
                assert_eq!(
                    sha256_hex(data),
                    text(&entry, "sha256_data"),
                    "{case} {key}"
                );
                assert_eq!(
                    sha256_hex(bcs_bytes),
                    text(&entry, "sha256_bcs"),
                    "{case} {key}"
                );
                assert_eq!(hex::encode(hash.bytes()), text(&entry, "metadata_hash"));
                checked_slivers += 1;
            }
        }

        // Round trips: BCS of metadata and slivers, verification, and decoding from the last
        // n - 2f primary slivers (as the reference checks).
        let parsed: walrus_core::metadata::BlobMetadataWithId =
            bcs::from_bytes(&with_id).expect("parses");
        let verified = parsed.verify(n).expect("verifies");
        for pair in &encoded.sliver_pairs {
            pair.primary.verify(&verified).expect("primary verifies");
            pair.secondary
                .verify(&verified)
                .expect("secondary verifies");
            let reparsed: SliverData<Primary> =
                bcs::from_bytes(&bcs::to_bytes(&pair.primary).expect("ok")).expect("parses");
            assert_eq!(reparsed, pair.primary);
        }
        let k = usize::from(config.n_primary_source_symbols());
        let last_k: Vec<SliverData<Primary>> = encoded
            .sliver_pairs
            .iter()
            .rev()
            .take(k)
            .map(|pair| pair.primary.clone())
            .collect();
        let decoded = encoding::decode(&verified, last_k, ConsistencyCheck::Strict).expect(&case);
        assert_eq!(
            decoded, data,
            "{case}: decode from the last k primary slivers"
        );
        let secondary: Vec<SliverData<Secondary>> = encoded
            .sliver_pairs
            .iter()
            .take(usize::from(config.n_secondary_source_symbols()))
            .map(|pair| pair.secondary.clone())
            .collect();
        let decoded =
            encoding::decode(&verified, secondary, ConsistencyCheck::Default).expect(&case);
        assert_eq!(decoded, data, "{case}: decode from secondary slivers");
    }
    assert!(
        checked_slivers >= 100,
        "checked {checked_slivers} listed slivers"
    );
}

#[test]
fn compute_metadata_agrees_with_encoder() {
    for vector in load_vectors("vector") {
        if vector["ok"] == false {
            continue;
        }
        let n = u16::try_from(int(&vector, "n_shards")).expect("u16");
        let data = content(usize::try_from(int(&vector, "data_len")).expect("usize"));
        let config = EncodingConfig::new(n).expect("supported");
        let metadata = encoding::compute_metadata(&config, &data).expect("encodes");
        assert_eq!(metadata.blob_id().to_string(), text(&vector, "blob_id"));
    }
}

#[test]
fn spec_appendix_blob_ids() {
    let hello = b"hello world".to_vec();
    let pat1000: Vec<u8> = (0..1000)
        .map(|i| u8::try_from(i % 251).expect("small"))
        .collect();
    let cases: [(u16, &[u8], &str, Option<u16>); 10] = [
        (4, b"", "CmzciFdWJP1IIM-rD3cqXlVBXYM0fpAfHahZBvkaZUI", None),
        (
            4,
            &hello,
            "1coVmp5gV9JYX9dmvlKgfpSxgwUL8yBgS0Izl6K00jc",
            Some(3),
        ),
        (
            4,
            &pat1000,
            "ZpPN1vkqTXymVOA0zsUyx1h49TbnzHd0vSLgORW3BzY",
            None,
        ),
        (
            7,
            &hello,
            "IkX8BpCKx-wtrc_31rReoVnustGZ7aOCklk9kEXSQfA",
            None,
        ),
        (10, b"", "gLzpD29smKZiYJIWwKatudKr76kEprQeMPyAhuMbWd4", None),
        (
            10,
            &pat1000,
            "asw--O_1SfB-F6SKjSLCwRCu34Kz5nys36KkK2i22no",
            Some(6),
        ),
        (
            100,
            &hello,
            "e_tR5y-kc_7m2MW6bNUHnp9yVK_wjvzJLPG834WdLhg",
            Some(4),
        ),
        (
            1000,
            b"",
            "3GPQL3HZNnFhN_F7l5Aa-X1VOtAKwIsg9zuWk8R81v4",
            Some(422),
        ),
        (
            1000,
            &hello,
            "vldooumlbSRuiUvv54k0MowsF5afG7SVC0b9oXufbzQ",
            Some(604),
        ),
        (
            1000,
            &pat1000,
            "T5mgHae73yglKnNimxLl3kDX5oyiVh__vYGufQuqZqs",
            Some(803),
        ),
    ];
    for (n, data, expected, shard_of_pair0) in cases {
        let config = EncodingConfig::new(n).expect("supported");
        let metadata = encoding::compute_metadata(&config, data).expect("encodes");
        assert_eq!(metadata.blob_id().to_string(), expected, "n = {n}");
        if let Some(shard) = shard_of_pair0 {
            assert_eq!(
                SliverPairIndex(0)
                    .to_shard_index(n, metadata.blob_id())
                    .get(),
                shard
            );
        }
        if n == 1000 {
            let bytes = bcs::to_bytes(metadata.as_unverified()).expect("serializes");
            assert_eq!(bytes.len(), 66_044);
        }
    }
}

#[test]
fn spec_appendix_hello_world_n4_detail() {
    let config = EncodingConfig::new(4).expect("supported");
    let encoded = encoding::encode_with_metadata(&config, b"hello world").expect("encodes");
    let expected = [
        ("68656c6c6f20", "6b296103"),
        ("776f726c6400", "6f206400"),
        ("a168466c9a19", "6c6c726c"),
        ("be62586c9139", "6865776f"),
    ];
    for (pair, (primary, secondary)) in encoded.sliver_pairs.iter().zip(expected) {
        assert_eq!(hex::encode(pair.primary.data()), primary);
        assert_eq!(hex::encode(pair.secondary.data()), secondary);
    }
    let bytes = bcs::to_bytes(encoded.metadata.as_unverified()).expect("serializes");
    assert_eq!(bytes.len(), 307);
    assert_eq!(
        hex::encode(encoded.metadata.metadata().compute_root_hash().bytes()),
        "977f1587c4919d5b77d7cc98478b36f4067c29461361bf325219494131d71fec"
    );
    // Recovery symbol from pair 1's secondary sliver (index 2) for the primary sliver of pair 3.
    let symbol = encoded.sliver_pairs[1]
        .secondary
        .recovery_symbol_for(&encoded.metadata, walrus_core::SliverIndex(3))
        .expect("builds");
    assert_eq!(
        hex::encode(bcs::to_bytes(&symbol).expect("serializes")),
        "000200029139030002\
         01608eb2e211b66cae2f5325bb21ac1e09b469ecd721c132250b3a1fcbb69a34c6\
         01961e1afd11dad8e69c8c18ce1f787077e5aedc306321c28d9ec7e80947067198"
            .replace(' ', "")
    );
    symbol
        .verify(
            &encoded.metadata,
            walrus_core::SliverIndex(3),
            Axis::Primary,
        )
        .expect("verifies");
}
