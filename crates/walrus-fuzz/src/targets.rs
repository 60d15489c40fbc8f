//! The in-process fuzz targets and their seeds. See the crate documentation for what counts as a
//! bug; every `assert!` here states a property the code under test promises.

use serde::{Serialize, de::DeserializeOwned};
use walrus_core::{
    SliverIndex,
    encoding::{
        ConsistencyCheck, GeneralRecoverySymbol, InconsistencyProof, Primary, RecoveryAxis,
        RecoveryOutcome, RecoverySymbol, Secondary, Sliver, SliverData, decode,
    },
    messages::{
        ChallengeVerdict, ChallengeVerdictCertificate, ConfirmationCertificate,
        InvalidBlobCertificate, InvalidBlobIdAttestation, MessageBody, ProofOfPossessionBody,
        ProtocolMessage, ProtocolMessageCertificate, SignedMessage, SyncShardRequest,
    },
    metadata::BlobMetadataWithId,
};
use walrus_sui::{events::ContractEvent, objects};

use crate::fixture::{EPOCH, Fixture, N_SHARDS, fixture};

/// At most this many slivers or symbols are built from one input (bounds the work per input).
const MAX_ITEMS: usize = 48;

fn bcs_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    bcs::to_bytes(value).expect("fixture values serialize")
}

/// Decodes `data` as BCS and checks that encoding the result gives `data` back (BCS decoding is
/// canonical: one value, one encoding).
fn decode_canonical<T: Serialize + DeserializeOwned>(data: &[u8]) -> Option<T> {
    let value: T = bcs::from_bytes(data).ok()?;
    assert_eq!(
        bcs::to_bytes(&value).ok().as_deref(),
        Some(data),
        "BCS decoding of {} is not canonical",
        std::any::type_name::<T>()
    );
    Some(value)
}

fn split_first(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((first, rest)) => (*first, rest),
        None => (0, &[]),
    }
}

// ===== Axis-generic access to the fixture

/// Access to the fixture's true slivers and symbols for one axis.
trait FixtureAxis: RecoveryAxis {
    /// The true sliver `index` of this axis.
    fn true_sliver(fixture: &Fixture, index: u16) -> Option<SliverData<Self>>;
    /// The true recovery symbol for target sliver `target` of this axis, taken from source
    /// sliver `source` of the orthogonal axis.
    fn true_symbol(fixture: &Fixture, source: u16, target: u16) -> Option<RecoverySymbol<Self>>;
}

impl FixtureAxis for Primary {
    fn true_sliver(fixture: &Fixture, index: u16) -> Option<SliverData<Self>> {
        fixture.primary(index).cloned()
    }

    fn true_symbol(fixture: &Fixture, source: u16, target: u16) -> Option<RecoverySymbol<Self>> {
        fixture
            .secondary(source)?
            .recovery_symbol_for(fixture.metadata(), SliverIndex(target))
            .ok()?
            .into_primary()
    }
}

impl FixtureAxis for Secondary {
    fn true_sliver(fixture: &Fixture, index: u16) -> Option<SliverData<Self>> {
        fixture.secondary(index).cloned()
    }

    fn true_symbol(fixture: &Fixture, source: u16, target: u16) -> Option<RecoverySymbol<Self>> {
        fixture
            .primary(source)?
            .recovery_symbol_for(fixture.metadata(), SliverIndex(target))
            .ok()?
            .into_secondary()
    }
}

fn flip(bytes: &mut [u8], at: u8) {
    if !bytes.is_empty() {
        let at = usize::from(at) % bytes.len();
        bytes[at] ^= 0x5a;
    }
}

// ===== metadata

/// `BlobMetadataWithId` from BCS, then verification for the shard count it claims and for the
/// fixture's: verified metadata must answer its accessors without panicking.
pub fn metadata(data: &[u8]) {
    let Some(metadata) = decode_canonical::<BlobMetadataWithId>(data) else {
        return;
    };
    let claimed = u16::try_from(metadata.metadata.hashes().len()).unwrap_or(u16::MAX);
    for n_shards in [claimed, N_SHARDS] {
        if let Ok(verified) = metadata.clone().verify(n_shards) {
            let _ = verified.symbol_size();
            let _ = verified.metadata().compute_root_hash();
            assert_eq!(verified.blob_id(), &metadata.blob_id);
        }
    }
}

/// The fixture's metadata, and one with a changed length (wrong blob ID).
pub fn metadata_seeds() -> Vec<Vec<u8>> {
    let fixture = fixture();
    let good = bcs_bytes(&fixture.metadata_with_id());
    let mut other = good.clone();
    flip(&mut other, 40);
    vec![good, other]
}

// ===== slivers

/// A `Sliver` from BCS, verified against the fixture's metadata: a sliver that verifies must be
/// the true sliver of its index.
pub fn sliver(data: &[u8]) {
    let Some(sliver) = decode_canonical::<Sliver>(data) else {
        return;
    };
    let fixture = fixture();
    if sliver.verify(fixture.metadata()).is_ok() {
        match &sliver {
            Sliver::Primary(s) => {
                assert_eq!(Some(s), fixture.primary(s.index().get()).as_ref().copied())
            }
            Sliver::Secondary(s) => {
                assert_eq!(
                    Some(s),
                    fixture.secondary(s.index().get()).as_ref().copied()
                )
            }
        }
    }
}

/// True slivers of both axes.
pub fn sliver_seeds() -> Vec<Vec<u8>> {
    let fixture = fixture();
    let pair = &fixture.encoded.sliver_pairs[1];
    vec![
        bcs_bytes(&Sliver::Primary(pair.primary.clone())),
        bcs_bytes(&Sliver::Secondary(pair.secondary.clone())),
    ]
}

// ===== recovery symbols

/// A `GeneralRecoverySymbol` from BCS (the node API's body), verified against the fixture: a
/// symbol that verifies must carry the true bytes of its cell.
pub fn recovery_symbol(data: &[u8]) {
    let Some(symbol) = decode_canonical::<GeneralRecoverySymbol>(data) else {
        return;
    };
    let fixture = fixture();
    let target = symbol.target_index;
    if symbol
        .verify(fixture.metadata(), target, symbol.target_axis())
        .is_err()
    {
        return;
    }
    match symbol.into_primary() {
        Some(primary) => {
            let truth = Primary::true_symbol(fixture, primary.symbol.index, target.get());
            assert_eq!(truth.map(|t| t.symbol), Some(primary.symbol));
        }
        None => {
            // Verified, so it is one of the two variants; re-decode for the secondary case.
            let Ok(symbol) = bcs::from_bytes::<GeneralRecoverySymbol>(data) else {
                unreachable!("decoded a moment ago");
            };
            let Some(secondary) = symbol.into_secondary() else {
                unreachable!("not primary, so secondary");
            };
            let truth = Secondary::true_symbol(fixture, secondary.symbol.index, target.get());
            assert_eq!(truth.map(|t| t.symbol), Some(secondary.symbol));
        }
    }
}

/// True symbols for both axes.
pub fn recovery_symbol_seeds() -> Vec<Vec<u8>> {
    let fixture = fixture();
    let metadata = fixture.metadata();
    let mut seeds = Vec::new();
    if let Some(secondary) = fixture.secondary(3)
        && let Ok(symbol) = secondary.recovery_symbol_for(metadata, SliverIndex(5))
    {
        seeds.push(bcs_bytes(&symbol));
    }
    if let Some(primary) = fixture.primary(2)
        && let Ok(symbol) = primary.recovery_symbol_for(metadata, SliverIndex(4))
    {
        seeds.push(bcs_bytes(&symbol));
    }
    seeds
}

// ===== inconsistency proofs

fn inconsistency_proof_for<T: FixtureAxis>(data: &[u8]) {
    let Some(proof) = decode_canonical::<InconsistencyProof<T>>(data) else {
        return;
    };
    // The fixture blob was encoded honestly: no proof against it can verify.
    assert!(
        proof.verify(fixture().metadata()).is_err(),
        "an inconsistency proof verified against a consistent blob"
    );
}

/// An `InconsistencyProof` (first byte: axis) from BCS, verified against the consistent fixture
/// blob: it must never verify.
pub fn inconsistency_proof(data: &[u8]) {
    let (axis, rest) = split_first(data);
    if axis & 1 == 0 {
        inconsistency_proof_for::<Primary>(rest);
    } else {
        inconsistency_proof_for::<Secondary>(rest);
    }
}

fn true_proof<T: FixtureAxis>(target: u16) -> Vec<u8> {
    let fixture = fixture();
    let need = fixture.metadata().config().n_symbols_for_recovery(T::AXIS);
    let recovery_symbols: Vec<RecoverySymbol<T>> = (0..need)
        .filter_map(|source| T::true_symbol(fixture, source, target))
        .collect();
    bcs_bytes(&InconsistencyProof {
        target_sliver_index: SliverIndex(target),
        recovery_symbols,
    })
}

/// Proofs made of true symbols (which decode to the true sliver, so do not prove anything).
pub fn inconsistency_proof_seeds() -> Vec<Vec<u8>> {
    vec![
        [vec![0], true_proof::<Primary>(2)].concat(),
        [vec![1], true_proof::<Secondary>(6)].concat(),
    ]
}

// ===== sliver recovery

fn recover_for<T: FixtureAxis>(target: u16, program: &[u8]) {
    let fixture = fixture();
    let mut symbols = Vec::new();
    for op in program.iter().take(MAX_ITEMS) {
        let source = u16::from(op & 0x0f) % N_SHARDS;
        let Some(mut symbol) = T::true_symbol(fixture, source, target) else {
            continue;
        };
        if op & 0x80 != 0 {
            flip(&mut symbol.symbol.data, op >> 4);
        }
        if op & 0x40 != 0 {
            symbol.symbol.index = (symbol.symbol.index + 1) % N_SHARDS;
        }
        if op & 0x20 != 0 {
            symbol.symbol.data.pop();
        }
        symbols.push(symbol);
    }
    match walrus_core::encoding::recover_sliver::<T>(
        fixture.metadata(),
        SliverIndex(target),
        symbols,
    ) {
        Ok(RecoveryOutcome::Recovered(sliver)) => {
            assert_eq!(
                Some(sliver),
                T::true_sliver(fixture, target),
                "recovered a wrong sliver"
            );
        }
        Ok(RecoveryOutcome::Inconsistent(_)) => {
            panic!("recovery of a consistent blob from verified symbols reported inconsistency")
        }
        Err(_) => {}
    }
}

/// Recovers a sliver (first byte: axis and target) from true symbols, some corrupted, re-indexed
/// or truncated as the other bytes say: a recovered sliver must be the true one, and corrupted
/// symbols must never make the honest blob look inconsistent.
pub fn recover_sliver(data: &[u8]) {
    let (head, program) = split_first(data);
    let target = u16::from(head >> 1) % N_SHARDS;
    if head & 1 == 0 {
        recover_for::<Primary>(target, program);
    } else {
        recover_for::<Secondary>(target, program);
    }
}

/// Enough clean symbols for each axis, and a mix with corrupted ones.
pub fn recover_sliver_seeds() -> Vec<Vec<u8>> {
    vec![
        vec![0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        vec![3, 9, 8, 7, 6, 5, 4, 3],
        vec![4, 0x80, 1, 0x42, 3, 0x24, 5, 6, 7, 8, 9, 0],
    ]
}

// ===== blob decoding

fn decode_for<T: FixtureAxis>(program: &[u8]) {
    let fixture = fixture();
    let mut slivers = Vec::new();
    for op in program.iter().take(MAX_ITEMS) {
        let index = u16::from(op & 0x0f) % N_SHARDS;
        let Some(mut sliver) = T::true_sliver(fixture, index) else {
            continue;
        };
        if op & 0x80 != 0 {
            flip(sliver.symbols_mut().data_mut(), op >> 4);
        }
        if op & 0x40 != 0 {
            sliver.symbols_mut().data_mut().pop();
        }
        slivers.push(sliver);
    }
    if let Ok(blob) = decode::<T>(fixture.metadata(), slivers, ConsistencyCheck::Default) {
        assert!(
            blob == fixture.blob,
            "decoding passed the consistency check with wrong bytes"
        );
    }
}

/// Decodes the blob (first byte: axis) from true slivers, some corrupted or truncated: whatever
/// passes the default consistency check must be the true blob.
pub fn decode_blob(data: &[u8]) {
    let (head, program) = split_first(data);
    if head & 1 == 0 {
        decode_for::<Primary>(program);
    } else {
        decode_for::<Secondary>(program);
    }
}

/// Clean sets for both axes, and one with a corrupted sliver.
pub fn decode_blob_seeds() -> Vec<Vec<u8>> {
    vec![
        vec![0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        vec![1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
        vec![0, 0x81, 2, 3, 4, 5, 6, 7],
    ]
}

// ===== signed messages

fn signed_message_of<T: MessageBody>(data: &[u8]) {
    if let Some(message) = decode_canonical::<ProtocolMessage<T>>(data) {
        assert_eq!(message.to_bcs(), data);
    }
    let Ok(signed) = SignedMessage::<T>::from_bcs(data) else {
        return;
    };
    assert_eq!(signed.to_bcs(), data, "signed message BCS is not canonical");
    let _ = signed.decode_message();
    let fixture = fixture();
    if signed
        .verify_signature(fixture.keys[0].public_key())
        .is_ok()
    {
        // Only the fixture itself signs with member 0's key.
        assert_eq!(
            signed.serialized_message, fixture.confirmation.serialized_message,
            "a forged message verified under member 0's key"
        );
    }
}

/// A signed message (first byte: message type) from BCS, and the bare protocol message: both
/// decode canonically, and only the fixture's confirmation verifies under member 0's key.
pub fn signed_message(data: &[u8]) {
    let (kind, rest) = split_first(data);
    match kind % 5 {
        0 => signed_message_of::<walrus_core::messages::BlobPersistenceConfirmation>(rest),
        1 => signed_message_of::<InvalidBlobIdAttestation>(rest),
        2 => signed_message_of::<ProofOfPossessionBody>(rest),
        3 => signed_message_of::<SyncShardRequest>(rest),
        _ => signed_message_of::<ChallengeVerdict>(rest),
    }
}

/// The fixture's signed confirmation.
pub fn signed_message_seeds() -> Vec<Vec<u8>> {
    vec![[vec![0], fixture().confirmation.to_bcs()].concat()]
}

// ===== certificates

fn certificate_of<T: MessageBody>(
    data: &[u8],
    sdk_layout: bool,
) -> Option<ProtocolMessageCertificate<T>> {
    if sdk_layout {
        let certificate = ProtocolMessageCertificate::<T>::from_sdk_bcs(data).ok()?;
        assert_eq!(
            certificate.to_sdk_bcs(),
            data,
            "SDK certificate BCS is not canonical"
        );
        Some(certificate)
    } else {
        let certificate = ProtocolMessageCertificate::<T>::from_bcs(data).ok()?;
        assert_eq!(
            certificate.to_bcs(),
            data,
            "certificate BCS is not canonical"
        );
        Some(certificate)
    }
}

/// A certificate (first byte: layout and message type) from BCS, verified against the fixture's
/// committee: only the fixture's own confirmation can verify.
pub fn certificate(data: &[u8]) {
    let (kind, rest) = split_first(data);
    let sdk_layout = kind & 1 == 1;
    let fixture = fixture();
    match (kind >> 1) % 3 {
        0 => {
            let Some(certificate) = certificate_of(rest, sdk_layout) else {
                return;
            };
            let certificate: ConfirmationCertificate = certificate;
            let Ok(message) = certificate.decode_message() else {
                return;
            };
            let expected = *message.contents();
            if certificate
                .verify(&fixture.committee, N_SHARDS, EPOCH, &expected)
                .is_ok()
            {
                assert_eq!(
                    certificate.serialized_message, fixture.certificate.serialized_message,
                    "a forged certificate verified"
                );
            }
        }
        1 => {
            if let Some(certificate) = certificate_of(rest, sdk_layout) {
                let certificate: InvalidBlobCertificate = certificate;
                if let Ok(message) = certificate.decode_message() {
                    let expected = *message.contents();
                    assert!(
                        certificate
                            .verify(&fixture.committee, N_SHARDS, message.epoch(), &expected)
                            .is_err(),
                        "nobody signed an invalid-blob attestation, yet one verified"
                    );
                }
            }
        }
        _ => {
            if let Some(certificate) = certificate_of(rest, sdk_layout) {
                let certificate: ChallengeVerdictCertificate = certificate;
                if let Ok(message) = certificate.decode_message() {
                    let expected = *message.contents();
                    assert!(
                        certificate
                            .verify(&fixture.committee, N_SHARDS, message.epoch(), &expected)
                            .is_err(),
                        "nobody signed a challenge verdict, yet one verified"
                    );
                }
            }
        }
    }
}

/// The fixture's certificate in both layouts.
pub fn certificate_seeds() -> Vec<Vec<u8>> {
    let certificate = &fixture().certificate;
    vec![
        [vec![0], certificate.to_bcs()].concat(),
        [vec![1], certificate.to_sdk_bcs()].concat(),
    ]
}

// ===== chain events and objects

fn object_of<T: Serialize + DeserializeOwned>(data: &[u8]) {
    let _ = decode_canonical::<T>(data);
}

/// A Walrus event (first byte below 0x80: which event, by Move struct name, including an unknown
/// name) or a Walrus object the clients read (first byte from 0x80) from BCS.
pub fn chain_event(data: &[u8]) {
    let (kind, rest) = split_first(data);
    if kind < 0x80 {
        let layouts = walrus_sui::events::layouts();
        let name = layouts
            .get(usize::from(kind) % (layouts.len() + 1))
            .map_or("NotAWalrusEvent", |layout| layout.name);
        let _ = ContractEvent::decode(name, rest);
        return;
    }
    match kind % 8 {
        0 => object_of::<objects::Blob>(rest),
        1 => object_of::<objects::SharedBlob>(rest),
        2 => object_of::<objects::SystemStateInnerV1>(rest),
        3 => object_of::<objects::StakingInnerV1>(rest),
        4 => object_of::<objects::StakingPool>(rest),
        5 => object_of::<objects::StakedWal>(rest),
        6 => object_of::<objects::StorageNodeInfo>(rest),
        _ => object_of::<objects::StorageNodeCap>(rest),
    }
}

/// Zero-filled bodies for every event and object kind (enough to decode the fixed-size ones).
pub fn chain_event_seeds() -> Vec<Vec<u8>> {
    let n_events = u8::try_from(walrus_sui::events::layouts().len()).unwrap_or(0x7f);
    (0..n_events)
        .chain(0x80..0x88)
        .map(|kind| [vec![kind], vec![0; 96]].concat())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The seeds must reach the success paths, or the targets' properties are never exercised.
    #[test]
    fn seeds_reach_the_verified_paths() {
        let fixture = fixture();
        let metadata: BlobMetadataWithId = bcs::from_bytes(&metadata_seeds()[0]).unwrap();
        assert!(metadata.verify(N_SHARDS).is_ok());
        for seed in sliver_seeds() {
            let sliver: Sliver = bcs::from_bytes(&seed).unwrap();
            sliver.verify(fixture.metadata()).unwrap();
        }
        let symbols = recovery_symbol_seeds();
        assert_eq!(symbols.len(), 2);
        for seed in symbols {
            let symbol: GeneralRecoverySymbol = bcs::from_bytes(&seed).unwrap();
            symbol
                .verify(
                    fixture.metadata(),
                    symbol.target_index,
                    symbol.target_axis(),
                )
                .unwrap();
        }
        let signed = fixture.confirmation.clone();
        signed
            .verify_signature(fixture.keys[0].public_key())
            .unwrap();
        let message = fixture.certificate.decode_message().unwrap();
        fixture
            .certificate
            .verify(&fixture.committee, N_SHARDS, EPOCH, message.contents())
            .unwrap();
        let symbols: Vec<RecoverySymbol<Primary>> = (0..N_SHARDS)
            .filter_map(|source| Primary::true_symbol(fixture, source, 4))
            .collect();
        let outcome =
            walrus_core::encoding::recover_sliver(fixture.metadata(), SliverIndex(4), symbols)
                .unwrap();
        assert!(matches!(outcome, RecoveryOutcome::Recovered(_)));
        let slivers = (0..N_SHARDS).filter_map(|i| Secondary::true_sliver(fixture, i));
        let blob = decode::<Secondary>(fixture.metadata(), slivers, ConsistencyCheck::Default);
        assert_eq!(blob.unwrap(), fixture.blob);
    }

    /// A corrupted sliver or symbol is rejected, so the "verified means true" assertions are
    /// reachable only through a verification bug.
    #[test]
    fn corrupted_inputs_do_not_verify() {
        let fixture = fixture();
        let mut sliver = fixture.primary(3).unwrap().clone();
        flip(sliver.symbols_mut().data_mut(), 7);
        assert!(sliver.verify(fixture.metadata()).is_err());
        let mut symbol = Secondary::true_symbol(fixture, 2, 5).unwrap();
        flip(&mut symbol.symbol.data, 1);
        assert!(symbol.verify(fixture.metadata(), SliverIndex(5)).is_err());
    }
}
