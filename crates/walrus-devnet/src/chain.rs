//! The chain state machine: live objects, transaction validation (signatures, inputs, gas),
//! execution and checkpoint sealing. Owned by the single writer task.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use sui_crypto::{SuiVerifier, UserSignatureVerifier};
use sui_sdk_types::{
    Address, ChangedObject, CheckpointContents, CheckpointSummary, CheckpointTransactionInfo,
    ConsensusCommitPrologue, Digest, ExecutionStatus, GasCostSummary, GasPayment, GenesisObject,
    GenesisTransaction, IdOperation, Input, Object, ObjectData, ObjectIn, ObjectOut, Owner,
    Transaction, TransactionEffects, TransactionEffectsV2, TransactionExpiration, TransactionKind,
    UserSignature,
};

use crate::exec::{self, GAS_COMPUTATION_UNITS, InputKind, LoadedInput, LoadedTx};
use crate::framework::{CLOCK_ID, ClockData, RANDOM_ID};
use crate::natives::{self, ObjectSource};
use crate::store::{CheckpointRecord, CommitBatch, Store, StoreError, TxRecord};

/// The reference gas price.
pub const REFERENCE_GAS_PRICE: u64 = 1_000;
/// The largest gas price accepted.
pub const MAX_GAS_PRICE: u64 = 100_000;
/// The largest gas budget (50 SUI).
pub const MAX_TX_GAS: u64 = 50_000_000_000;
/// The largest pure argument.
pub const MAX_PURE_ARGUMENT_SIZE: usize = 16 * 1024;
/// The largest number of gas coins.
pub const MAX_GAS_OBJECTS: usize = 256;

/// Why a transaction was not executed (no effects, nothing committed).
#[derive(Debug, thiserror::Error)]
pub enum TxError {
    /// Malformed or invalid transaction, signature, inputs or gas (`INVALID_ARGUMENT`).
    #[error("{0}")]
    Invalid(String),
    /// Already executed with other signatures (`ABORTED`).
    #[error("{0}")]
    Conflict(String),
    /// Storage failure (`INTERNAL`).
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(msg: impl Into<String>) -> TxError {
    TxError::Invalid(msg.into())
}

fn input_error(msg: impl std::fmt::Display) -> TxError {
    TxError::Invalid(format!(
        "Transaction execution failed due to issues with transaction inputs, please review the errors and try again: {msg}"
    ))
}

/// The chain state.
pub struct Chain {
    store: Arc<dyn Store>,
    live: BTreeMap<Address, Object>,
    latest: CheckpointRecord,
    chain_id: Digest,
    /// Object versions written by the batch being executed (not yet committed).
    pending: BTreeMap<(Address, u64), Object>,
}

/// A signed transaction submitted for execution.
pub type Submission = (Transaction, Vec<UserSignature>);

/// The result of a batch: one result per submission and the sealed checkpoint, if any.
pub type BatchOutcome = (Vec<Result<Executed, TxError>>, Option<CheckpointRecord>);

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("objects", &self.live.len())
            .field("checkpoint", &self.latest.summary.sequence_number)
            .finish_non_exhaustive()
    }
}

impl ObjectSource for Chain {
    fn object(&self, id: &Address) -> Option<Object> {
        self.live.get(id).cloned()
    }
}

/// The result of executing one transaction, with the checkpoint that contains it.
#[derive(Debug, Clone)]
pub struct Executed {
    /// The transaction digest.
    pub digest: Digest,
    /// The stored record.
    pub record: TxRecord,
    /// The sealed checkpoint (None when the transaction was already executed).
    pub checkpoint: Option<CheckpointRecord>,
}

impl Chain {
    /// Opens the chain from a store that holds at least the genesis checkpoint.
    pub fn open(store: Arc<dyn Store>) -> Result<Self, StoreError> {
        let latest_seq = store
            .latest_checkpoint()?
            .ok_or_else(|| StoreError::Corrupt("no genesis checkpoint".into()))?;
        let latest = store
            .checkpoint(latest_seq)?
            .ok_or_else(|| StoreError::Corrupt("missing latest checkpoint".into()))?;
        let genesis = store
            .checkpoint(0)?
            .ok_or_else(|| StoreError::Corrupt("missing genesis checkpoint".into()))?;
        let live = store
            .live_objects()?
            .into_iter()
            .map(|o| (o.object_id(), o))
            .collect();
        Ok(Self {
            chain_id: genesis.summary.digest(),
            store,
            live,
            latest,
            pending: BTreeMap::new(),
        })
    }

    /// Writes the genesis checkpoint (checkpoint 0) creating `objects`, into an empty store.
    pub fn write_genesis(
        store: &dyn Store,
        objects: Vec<GenesisObject>,
        timestamp_ms: u64,
    ) -> Result<(), StoreError> {
        let transaction = Transaction {
            kind: TransactionKind::Genesis(GenesisTransaction {
                objects: objects.clone(),
            }),
            sender: Address::ZERO,
            gas_payment: GasPayment {
                objects: vec![],
                owner: Address::ZERO,
                price: 0,
                budget: 0,
            },
            expiration: TransactionExpiration::None,
        };
        let digest = transaction.digest();
        let mut written = Vec::new();
        for genesis in objects {
            let object = Object::new(genesis.data().clone(), *genesis.owner(), digest, 0);
            written.push(object);
        }
        written.sort_by_key(Object::object_id);
        let changed_objects = written
            .iter()
            .map(|o| ChangedObject {
                object_id: o.object_id(),
                input_state: ObjectIn::NotExist,
                output_state: match o.data() {
                    ObjectData::Package(_) => ObjectOut::PackageWrite {
                        version: o.version(),
                        digest: o.digest(),
                    },
                    _ => ObjectOut::ObjectWrite {
                        digest: o.digest(),
                        owner: *o.owner(),
                    },
                },
                id_operation: IdOperation::Created,
            })
            .collect();
        let effects = TransactionEffects::V2(Box::new(TransactionEffectsV2 {
            status: ExecutionStatus::Success,
            epoch: 0,
            gas_used: zero_gas(),
            transaction_digest: digest,
            gas_object_index: None,
            events_digest: None,
            dependencies: vec![],
            lamport_version: 1,
            changed_objects,
            unchanged_consensus_objects: vec![],
            auxiliary_data_digest: None,
        }));
        let record = TxRecord {
            transaction,
            signatures: vec![],
            effects,
            events: None,
            checkpoint: 0,
            index: 0,
            timestamp_ms,
            input_objects: vec![],
            output_objects: written.clone(),
        };
        let (checkpoint, _) = build_checkpoint(None, vec![(digest, &record)], timestamp_ms);
        store.commit(CommitBatch {
            objects: written,
            removed: vec![],
            transactions: vec![(digest, TxRecord { ..record })],
            checkpoint: Some(checkpoint),
            meta: vec![],
        })
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The chain ID (digest of checkpoint 0).
    pub fn chain_id(&self) -> Digest {
        self.chain_id
    }

    /// The latest sealed checkpoint.
    pub fn latest(&self) -> &CheckpointRecord {
        &self.latest
    }

    /// All live objects.
    pub fn live(&self) -> &BTreeMap<Address, Object> {
        &self.live
    }

    /// The Clock's current time.
    pub fn clock_ms(&self) -> u64 {
        self.live
            .get(&CLOCK_ID)
            .and_then(|o| o.as_struct())
            .and_then(|s| bcs::from_bytes::<ClockData>(s.contents()).ok())
            .map_or(0, |c| c.timestamp_ms)
    }

    /// Checks signatures, gas and inputs against the live state (§5 of the RPC reference).
    pub fn validate(
        &self,
        tx: &Transaction,
        signatures: &[UserSignature],
        check_signatures: bool,
    ) -> Result<LoadedTx, TxError> {
        let TransactionKind::ProgrammableTransaction(ptb) = &tx.kind else {
            return Err(invalid("only programmable transactions can be submitted"));
        };
        match tx.expiration {
            TransactionExpiration::None | TransactionExpiration::Epoch(_) => {}
            _ => return Err(invalid("unsupported transaction expiration")),
        }
        let gas = &tx.gas_payment;
        if check_signatures {
            let mut required: BTreeSet<Address> = BTreeSet::from([tx.sender, gas.owner]);
            if signatures.len() != required.len() {
                return Err(invalid(format!(
                    "Invalid user signature: expected {} signature(s), got {}",
                    required.len(),
                    signatures.len()
                )));
            }
            let verifier = UserSignatureVerifier::new();
            for signature in signatures {
                verifier
                    .verify_transaction(tx, signature)
                    .map_err(|e| invalid(format!("Invalid user signature: {e}")))?;
                let signer = signature.derive_address();
                if !required.remove(&signer) {
                    return Err(invalid(format!(
                        "Invalid user signature: signer {signer} is not a required signer"
                    )));
                }
            }
        }
        if gas.price < REFERENCE_GAS_PRICE || gas.price > MAX_GAS_PRICE {
            return Err(input_error(format!(
                "gas price {} outside [{REFERENCE_GAS_PRICE}, {MAX_GAS_PRICE}]",
                gas.price
            )));
        }
        let min_budget = GAS_COMPUTATION_UNITS * gas.price;
        if gas.budget < min_budget || gas.budget > MAX_TX_GAS {
            return Err(input_error(format!(
                "gas budget {} outside [{min_budget}, {MAX_TX_GAS}]",
                gas.budget
            )));
        }
        if gas.objects.is_empty() || gas.objects.len() > MAX_GAS_OBJECTS {
            return Err(input_error("missing or too many gas objects"));
        }
        let mut seen = BTreeSet::new();
        let mut gas_objects = Vec::new();
        let mut gas_total: u64 = 0;
        for reference in &gas.objects {
            let id = *reference.object_id();
            if !seen.insert(id) {
                return Err(input_error(format!("duplicate gas object {id}")));
            }
            let object = self.owned_at(
                reference.object_id(),
                reference.version(),
                reference.digest(),
            )?;
            let coin = sui_sdk_types::framework::Coin::try_from_object(&object)
                .filter(|c| *c.coin_type() == crate::framework::sui_type())
                .ok_or_else(|| input_error(format!("gas object {id} is not a Coin<SUI>")))?;
            if *object.owner() != Owner::Address(gas.owner) {
                return Err(input_error(format!(
                    "gas object {id} is not owned by the gas owner"
                )));
            }
            gas_total = gas_total.saturating_add(coin.balance());
            gas_objects.push(object);
        }
        if gas_total < gas.budget {
            return Err(input_error(format!(
                "gas balance {gas_total} is less than the budget {}",
                gas.budget
            )));
        }
        let mut inputs = Vec::new();
        for input in &ptb.inputs {
            inputs.push(match input {
                Input::Pure(bytes) => {
                    if bytes.len() > MAX_PURE_ARGUMENT_SIZE {
                        return Err(input_error("pure argument too large"));
                    }
                    LoadedInput::Pure(bytes.clone())
                }
                Input::ImmutableOrOwned(reference) => {
                    let id = *reference.object_id();
                    if !seen.insert(id) {
                        return Err(input_error(format!("object {id} used twice (or as gas)")));
                    }
                    let object = self.owned_at(&id, reference.version(), reference.digest())?;
                    match object.owner() {
                        Owner::Address(owner) if *owner == tx.sender => {
                            LoadedInput::Object(object, InputKind::Owned)
                        }
                        Owner::Immutable => LoadedInput::Object(object, InputKind::Immutable),
                        _ => {
                            return Err(input_error(format!(
                                "object {id} is not owned by the sender"
                            )));
                        }
                    }
                }
                Input::Shared(shared) => {
                    let id = shared.object_id();
                    if !seen.insert(id) {
                        return Err(input_error(format!("object {id} used twice")));
                    }
                    let object = self
                        .live
                        .get(&id)
                        .cloned()
                        .ok_or_else(|| input_error(format!("Object {id} not found")))?;
                    match object.owner() {
                        Owner::Shared(initial) if *initial == shared.version() => {}
                        Owner::Shared(initial) => {
                            return Err(input_error(format!(
                                "shared object {id} has initial shared version {initial}, not {}",
                                shared.version()
                            )));
                        }
                        _ => return Err(input_error(format!("object {id} is not shared"))),
                    }
                    let mutable = shared.mutability().is_mutable();
                    if mutable && (id == CLOCK_ID || id == RANDOM_ID) {
                        return Err(input_error(format!(
                            "system object {id} must be taken immutably"
                        )));
                    }
                    let kind = if mutable {
                        InputKind::SharedMut
                    } else {
                        InputKind::SharedRead
                    };
                    LoadedInput::Object(object, kind)
                }
                _ => return Err(input_error("unsupported input kind")),
            });
        }
        for command in &ptb.commands {
            if let sui_sdk_types::Command::MoveCall(call) = command
                && !natives::is_known_package(&call.package)
            {
                return Err(input_error(format!("package {} not found", call.package)));
            }
        }
        Ok(LoadedTx {
            digest: tx.digest(),
            sender: tx.sender,
            ptb: ptb.clone(),
            inputs,
            gas: gas_objects,
            gas_owner: gas.owner,
            gas_price: gas.price,
            gas_budget: gas.budget,
        })
    }

    fn owned_at(&self, id: &Address, version: u64, digest: &Digest) -> Result<Object, TxError> {
        let object = self
            .live
            .get(id)
            .ok_or_else(|| input_error(format!("Object {id} not found or deleted")))?;
        if object.version() != version || object.digest() != *digest {
            return Err(input_error(format!(
                "Object ({id}, {version}, {digest}) is not available for consumption, its current version: {}",
                object.version()
            )));
        }
        if matches!(object.owner(), Owner::Shared(_) | Owner::Object(_)) {
            return Err(input_error(format!(
                "object {id} cannot be used as an owned input"
            )));
        }
        Ok(object.clone())
    }

    /// Dry-runs a transaction without committing (no signature check).
    pub fn simulate(&self, tx: &Transaction) -> Result<TxRecord, TxError> {
        let loaded = self.validate(tx, &[], false)?;
        let outcome = exec::execute(&loaded, self.clock_ms(), 0, self);
        Ok(self.record(tx.clone(), vec![], &loaded, outcome, 0, 0, 0))
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        transaction: Transaction,
        signatures: Vec<UserSignature>,
        loaded: &LoadedTx,
        outcome: exec::Outcome,
        checkpoint: u64,
        index: u64,
        timestamp_ms: u64,
    ) -> TxRecord {
        let mut input_objects: Vec<Object> = loaded
            .inputs
            .iter()
            .filter_map(|i| match i {
                LoadedInput::Object(o, _) => Some(o.clone()),
                LoadedInput::Pure(_) => None,
            })
            .chain(loaded.gas.iter().cloned())
            .collect();
        // Loaded dynamic-field children that changed: their previous versions.
        for changed in outcome.effects_changed() {
            if let ObjectIn::Exist { version, .. } = changed.input_state
                && !input_objects
                    .iter()
                    .any(|o| o.object_id() == changed.object_id)
            {
                let key = (changed.object_id, version);
                let object = match self.pending.get(&key) {
                    Some(object) => Some(object.clone()),
                    None => self.store.object_version(&key.0, version).ok().flatten(),
                };
                if let Some(object) = object {
                    input_objects.push(object);
                }
            }
        }
        TxRecord {
            transaction,
            signatures,
            effects: outcome.effects,
            events: outcome.events,
            checkpoint,
            index,
            timestamp_ms,
            input_objects,
            output_objects: outcome.written.into_values().collect(),
        }
    }

    /// Executes a signed user transaction and seals a checkpoint with it.
    pub fn execute(
        &mut self,
        tx: Transaction,
        signatures: Vec<UserSignature>,
        now_ms: u64,
    ) -> Result<Executed, TxError> {
        let (mut results, checkpoint) = self.execute_batch(vec![(tx, signatures)], now_ms)?;
        let mut result = results
            .pop()
            .ok_or_else(|| TxError::Store(StoreError::Corrupt("empty batch result".into())))?;
        if let Ok(executed) = &mut result
            && executed.checkpoint.is_none()
        {
            executed.checkpoint = checkpoint;
        }
        result
    }

    /// Executes signed user transactions in order and seals one checkpoint holding all that
    /// pass validation (one durable commit for the whole batch). Returns one result per
    /// submission and the sealed checkpoint, if any transaction was executed. A transaction
    /// already executed (in an earlier checkpoint or earlier in the batch) returns its record.
    /// `Err` only when the commit fails.
    pub fn execute_batch(
        &mut self,
        batch: Vec<Submission>,
        now_ms: u64,
    ) -> Result<BatchOutcome, TxError> {
        self.pending.clear();
        let seq = self.latest.summary.sequence_number + 1;
        let mut results: Vec<Result<Executed, TxError>> = Vec::with_capacity(batch.len());
        let mut sealed: Vec<(Digest, TxRecord)> = Vec::new();
        let mut timestamp_ms = 0;
        for (tx, signatures) in batch {
            let digest = tx.digest();
            let earlier = sealed.iter().find(|(d, _)| *d == digest).map(|(_, r)| r);
            let previous = match earlier {
                Some(record) => Some(record.clone()),
                None => self.store.transaction(&digest)?,
            };
            if let Some(record) = previous {
                results.push(if record.signatures == signatures {
                    Ok(Executed {
                        digest,
                        record,
                        checkpoint: None,
                    })
                } else {
                    Err(TxError::Conflict(
                        "transaction already finalized but with different user signatures".into(),
                    ))
                });
                continue;
            }
            if let Err(e) = self.validate(&tx, &signatures, true) {
                results.push(Err(e));
                continue;
            }
            if sealed.is_empty() {
                let (prologue, timestamp) = self.prologue(now_ms)?;
                self.remember(&prologue.1);
                sealed.push(prologue);
                timestamp_ms = timestamp;
            }
            // Shared inputs (and the Clock) are read after the prologue and earlier transactions.
            let loaded = match self.validate(&tx, &signatures, false) {
                Ok(loaded) => loaded,
                Err(e) => {
                    results.push(Err(e));
                    continue;
                }
            };
            let outcome = exec::execute(&loaded, timestamp_ms, 0, self);
            let index = u64::try_from(sealed.len()).unwrap_or(u64::MAX);
            let record = self.record(tx, signatures, &loaded, outcome, seq, index, timestamp_ms);
            self.apply(&record);
            self.remember(&record);
            sealed.push((digest, record.clone()));
            results.push(Ok(Executed {
                digest,
                record,
                checkpoint: None,
            }));
        }
        self.pending.clear();
        if sealed.is_empty() {
            return Ok((results, None));
        }
        let checkpoint = self.seal(sealed, timestamp_ms)?;
        Ok((results, Some(checkpoint)))
    }

    /// Keeps the object versions a batch transaction wrote until the batch is committed.
    fn remember(&mut self, record: &TxRecord) {
        for object in &record.output_objects {
            self.pending
                .insert((object.object_id(), object.version()), object.clone());
        }
    }

    /// Seals a checkpoint holding only a consensus-commit prologue (advances the Clock).
    pub fn heartbeat(&mut self, now_ms: u64) -> Result<CheckpointRecord, TxError> {
        let (prologue, timestamp_ms) = self.prologue(now_ms)?;
        self.seal(vec![prologue], timestamp_ms)
    }

    /// Runs the consensus-commit prologue of the next checkpoint: sets the Clock.
    fn prologue(&mut self, now_ms: u64) -> Result<((Digest, TxRecord), u64), TxError> {
        let seq = self.latest.summary.sequence_number + 1;
        let timestamp_ms = now_ms.max(self.latest.summary.timestamp_ms);
        let transaction = Transaction {
            kind: TransactionKind::ConsensusCommitPrologue(ConsensusCommitPrologue {
                epoch: 0,
                round: seq,
                commit_timestamp_ms: timestamp_ms,
            }),
            sender: Address::ZERO,
            gas_payment: GasPayment {
                objects: vec![],
                owner: Address::ZERO,
                price: 1,
                budget: 0,
            },
            expiration: TransactionExpiration::None,
        };
        let digest = transaction.digest();
        let clock = self
            .live
            .get(&CLOCK_ID)
            .cloned()
            .ok_or_else(|| TxError::Store(StoreError::Corrupt("no Clock object".into())))?;
        let version = clock.version() + 1;
        let data = ClockData {
            id: crate::framework::to_object_id(CLOCK_ID),
            timestamp_ms,
        };
        let contents =
            bcs::to_bytes(&data).map_err(|e| TxError::Store(StoreError::Corrupt(e.to_string())))?;
        let strukt =
            sui_sdk_types::MoveStruct::new(crate::framework::clock_tag(), false, version, contents)
                .ok_or_else(|| TxError::Store(StoreError::Corrupt("clock".into())))?;
        let new_clock = Object::new(ObjectData::Struct(strukt), *clock.owner(), digest, 0);
        let effects = TransactionEffects::V2(Box::new(TransactionEffectsV2 {
            status: ExecutionStatus::Success,
            epoch: 0,
            gas_used: zero_gas(),
            transaction_digest: digest,
            gas_object_index: None,
            events_digest: None,
            dependencies: vec![clock.previous_transaction()],
            lamport_version: version,
            changed_objects: vec![ChangedObject {
                object_id: CLOCK_ID,
                input_state: ObjectIn::Exist {
                    version: clock.version(),
                    digest: clock.digest(),
                    owner: *clock.owner(),
                },
                output_state: ObjectOut::ObjectWrite {
                    digest: new_clock.digest(),
                    owner: *new_clock.owner(),
                },
                id_operation: IdOperation::None,
            }],
            unchanged_consensus_objects: vec![],
            auxiliary_data_digest: None,
        }));
        let record = TxRecord {
            transaction,
            signatures: vec![],
            effects,
            events: None,
            checkpoint: seq,
            index: 0,
            timestamp_ms,
            input_objects: vec![clock],
            output_objects: vec![new_clock],
        };
        self.apply(&record);
        Ok(((digest, record), timestamp_ms))
    }

    fn apply(&mut self, record: &TxRecord) {
        for changed in record.effects_changed() {
            if matches!(changed.output_state, ObjectOut::NotExist) {
                self.live.remove(&changed.object_id);
            }
        }
        for object in &record.output_objects {
            self.live.insert(object.object_id(), object.clone());
        }
    }

    fn seal(
        &mut self,
        transactions: Vec<(Digest, TxRecord)>,
        timestamp_ms: u64,
    ) -> Result<CheckpointRecord, TxError> {
        let (checkpoint, _) = build_checkpoint(
            Some(&self.latest),
            transactions.iter().map(|(d, r)| (*d, r)).collect(),
            timestamp_ms,
        );
        let mut objects = Vec::new();
        let mut removed = Vec::new();
        for (_, record) in &transactions {
            objects.extend(record.output_objects.iter().cloned());
            for changed in record.effects_changed() {
                if matches!(changed.output_state, ObjectOut::NotExist) {
                    removed.push(changed.object_id);
                }
            }
        }
        self.store.commit(CommitBatch {
            objects,
            removed,
            transactions,
            checkpoint: Some(checkpoint.clone()),
            meta: vec![],
        })?;
        self.latest = checkpoint.clone();
        Ok(checkpoint)
    }
}

fn zero_gas() -> GasCostSummary {
    GasCostSummary {
        computation_cost: 0,
        storage_cost: 0,
        storage_rebate: 0,
        non_refundable_storage_fee: 0,
    }
}

/// Builds the next checkpoint over `transactions` (digest, record).
fn build_checkpoint(
    previous: Option<&CheckpointRecord>,
    transactions: Vec<(Digest, &TxRecord)>,
    timestamp_ms: u64,
) -> (CheckpointRecord, ()) {
    let infos = transactions
        .iter()
        .map(|(digest, record)| {
            CheckpointTransactionInfo::new(
                *digest,
                record.effects.digest(),
                record.signatures.clone(),
            )
        })
        .collect();
    let contents = CheckpointContents::new_v1(infos);
    let mut gas = previous.map_or_else(zero_gas, |p| {
        p.summary.epoch_rolling_gas_cost_summary.clone()
    });
    for (_, record) in &transactions {
        let used = record.effects.gas_summary();
        gas.computation_cost += used.computation_cost;
        gas.storage_cost += used.storage_cost;
        gas.storage_rebate += used.storage_rebate;
        gas.non_refundable_storage_fee += used.non_refundable_storage_fee;
    }
    let count = u64::try_from(transactions.len()).unwrap_or(u64::MAX);
    let summary = CheckpointSummary {
        epoch: 0,
        sequence_number: previous.map_or(0, |p| p.summary.sequence_number + 1),
        network_total_transactions: previous.map_or(0, |p| p.summary.network_total_transactions)
            + count,
        content_digest: contents.digest(),
        previous_digest: previous.map(|p| p.summary.digest()),
        epoch_rolling_gas_cost_summary: gas,
        timestamp_ms,
        checkpoint_commitments: vec![],
        end_of_epoch_data: None,
        version_specific_data: vec![],
    };
    (
        CheckpointRecord {
            summary,
            contents,
            transactions: transactions.iter().map(|(d, _)| *d).collect(),
        },
        (),
    )
}

/// Access to the V2 effects' changed objects.
pub trait EffectsExt {
    /// The changed objects.
    fn effects_changed(&self) -> &[ChangedObject];
}

impl EffectsExt for TxRecord {
    fn effects_changed(&self) -> &[ChangedObject] {
        match &self.effects {
            TransactionEffects::V2(v2) => &v2.changed_objects,
            _ => &[],
        }
    }
}

impl EffectsExt for exec::Outcome {
    fn effects_changed(&self) -> &[ChangedObject] {
        match &self.effects {
            TransactionEffects::V2(v2) => &v2.changed_objects,
            _ => &[],
        }
    }
}
