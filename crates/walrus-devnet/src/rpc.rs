//! The `sui.rpc.v2` gRPC services (LedgerService, StateService, SubscriptionService,
//! TransactionExecutionService) over the devnet state.

// Proto messages are `#[non_exhaustive]`: they are built from `Default` and assigned field by field.
#![allow(clippy::field_reassign_with_default)]

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use prost_types::FieldMask;
use sui_rpc::field::FieldMaskTree;
use sui_rpc::merge::Merge;
use sui_rpc::proto::google::rpc::Status as RpcStatus;
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_rpc::proto::timestamp_ms_to_proto;
use sui_sdk_types::{Address, Digest, Object, Owner, StructTag, TransactionEffects, TypeTag};
use tokio::sync::{RwLock, broadcast, mpsc, oneshot, watch};
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use crate::chain::{Chain, Executed, TxError};
use crate::store::{CheckpointRecord, TxRecord};

/// A command for the single writer task.
#[derive(Debug)]
pub enum WriterCmd {
    /// Execute a signed transaction and seal a checkpoint.
    Execute {
        /// The transaction.
        transaction: sui_sdk_types::Transaction,
        /// Its signatures.
        signatures: Vec<sui_sdk_types::UserSignature>,
        /// Where to answer.
        reply: oneshot::Sender<Result<Executed, TxError>>,
    },
}

/// The shared state of the gRPC services.
#[derive(Debug, Clone)]
pub struct RpcState {
    /// The chain (written only by the writer task).
    pub chain: Arc<RwLock<Chain>>,
    /// The writer's queue.
    pub writer: mpsc::Sender<WriterCmd>,
    /// Sealed checkpoints.
    pub checkpoints: broadcast::Sender<Arc<CheckpointRecord>>,
    /// Becomes `true` when the devnet shuts down: open streams end.
    pub shutdown: watch::Receiver<bool>,
    /// Held by every clone of the state (services, faucet, stream tasks); the node waits until
    /// all are dropped so that the store is released when shutdown returns.
    pub alive: mpsc::Sender<()>,
}

fn internal(e: impl std::fmt::Display) -> Status {
    Status::internal(e.to_string())
}

fn mask(read_mask: Option<&FieldMask>, default: &str) -> Result<FieldMaskTree, Status> {
    match read_mask {
        Some(m) if !m.paths.is_empty() => Ok(FieldMaskTree::from(m.clone())),
        _ => FieldMaskTree::from_str(default).map_err(|_| Status::internal("bad default mask")),
    }
}

fn parse_address(value: Option<&String>, field: &str) -> Result<Address, Status> {
    let value = value.ok_or_else(|| Status::invalid_argument(format!("missing {field}")))?;
    Address::from_str(value).map_err(|e| Status::invalid_argument(format!("invalid {field}: {e}")))
}

fn parse_digest(value: Option<&String>) -> Result<Digest, Status> {
    let value = value.ok_or_else(|| Status::invalid_argument("missing digest"))?;
    Digest::from_str(value).map_err(|e| Status::invalid_argument(format!("invalid digest: {e}")))
}

/// The full proto of an object, with the balance of coins.
pub fn full_object(object: &Object) -> proto::Object {
    object_masked(object, &FieldMaskTree::new_wildcard())
}

/// The proto of an object with only the fields in `mask` computed (digests and type strings are
/// not free), with the balance of coins if asked.
fn object_masked(object: &Object, mask: &FieldMaskTree) -> proto::Object {
    let mut p = proto::Object::merge_from(object.clone(), mask);
    if mask.contains("balance")
        && let Some(coin) = sui_sdk_types::framework::Coin::try_from_object(object)
    {
        p.balance = Some(coin.balance());
    }
    p
}

fn object_type_of(record: &TxRecord, id: &Address) -> Option<String> {
    record
        .output_objects
        .iter()
        .chain(record.input_objects.iter())
        .find(|o| o.object_id() == *id)
        .map(|o| match o.object_type() {
            sui_sdk_types::ObjectType::Package => "package".to_owned(),
            sui_sdk_types::ObjectType::Struct(tag) => tag.to_string(),
        })
}

/// The full `ExecutedTransaction` of a record.
pub fn full_transaction(record: &TxRecord, checkpointed: bool) -> proto::ExecutedTransaction {
    transaction_masked(record, checkpointed, &FieldMaskTree::new_wildcard())
}

/// The `ExecutedTransaction` of a record with only the fields in `mask`. Only the parts the mask
/// selects are converted: a checkpoint stream that asks for `transactions.digest` (as every
/// `execute_transaction_and_wait_for_checkpoint` does) must not pay for effects and objects.
pub fn transaction_masked(
    record: &TxRecord,
    checkpointed: bool,
    mask: &FieldMaskTree,
) -> proto::ExecutedTransaction {
    let sub = |field: &str| {
        mask.subtree(field)
            .unwrap_or_else(FieldMaskTree::new_wildcard)
    };
    let mut t = proto::ExecutedTransaction::default();
    if mask.contains("digest") {
        t.digest = Some(record.transaction.digest().to_string());
    }
    if mask.contains("transaction") {
        t.transaction = Some(proto::Transaction::merge_from(
            record.transaction.clone(),
            &sub("transaction"),
        ));
    }
    if mask.contains("signatures") {
        t.signatures = record
            .signatures
            .iter()
            .cloned()
            .map(proto::UserSignature::from)
            .collect();
    }
    if mask.contains("effects") {
        let effects_mask = sub("effects");
        let mut effects = proto::TransactionEffects::merge_from(&record.effects, &effects_mask);
        if effects_mask.contains("changed_objects.object_type") {
            for changed in &mut effects.changed_objects {
                if let Some(id) = changed
                    .object_id
                    .as_ref()
                    .and_then(|s| Address::from_str(s).ok())
                {
                    changed.object_type = object_type_of(record, &id);
                }
            }
        }
        if effects_mask.contains("unchanged_consensus_objects.object_type") {
            for unchanged in &mut effects.unchanged_consensus_objects {
                if let Some(id) = unchanged
                    .object_id
                    .as_ref()
                    .and_then(|s| Address::from_str(s).ok())
                {
                    unchanged.object_type = object_type_of(record, &id);
                }
            }
        }
        t.effects = Some(effects);
    }
    if mask.contains("events") {
        t.events = record.events.clone().map(proto::TransactionEvents::from);
    }
    if checkpointed {
        t.checkpoint = Some(record.checkpoint);
        t.timestamp = Some(timestamp_ms_to_proto(record.timestamp_ms));
        t.transaction_index = Some(record.index);
    }
    if mask.contains("objects") {
        // Sorting and deduplication need the IDs and versions; the mask is applied afterwards.
        let object_mask = sub("objects").subtree("objects");
        let mut objects = proto::ObjectSet::default();
        objects.objects = record
            .input_objects
            .iter()
            .chain(record.output_objects.iter())
            .map(|o| {
                let mut p = object_masked(
                    o,
                    object_mask
                        .as_ref()
                        .unwrap_or(&FieldMaskTree::new_wildcard()),
                );
                p.object_id = Some(o.object_id().to_string());
                p.version = Some(o.version());
                p
            })
            .collect();
        objects.sort_objects();
        objects
            .objects
            .dedup_by(|a, b| a.object_id == b.object_id && a.version == b.version);
        t.objects = Some(objects);
    }
    proto::ExecutedTransaction::merge_from(&t, mask)
}

/// Whether a transactions mask selects nothing but `digest`, which the checkpoint record holds.
fn digests_only(mask: &FieldMaskTree) -> bool {
    let paths = mask.to_field_mask().paths;
    !paths.is_empty() && paths.iter().all(|p| p == "digest")
}

/// The checkpoint proto with the fields in `mask`. `load` reads the checkpoint's transaction
/// records; it is called only when the mask needs more of them than their digests.
fn checkpoint_proto(
    record: &CheckpointRecord,
    load: impl FnOnce() -> Result<Vec<TxRecord>, Status>,
    mask: &FieldMaskTree,
) -> Result<proto::Checkpoint, Status> {
    let mut c = proto::Checkpoint::merge_from(&record.summary, mask);
    c.merge(record.contents.clone(), mask);
    let tx_mask = mask.subtree("transactions");
    let objects_mask = mask.subtree("objects");
    if let Some(submask) = &tx_mask
        && digests_only(submask)
        && objects_mask.is_none()
    {
        c.transactions = record
            .transactions
            .iter()
            .map(|d| {
                let mut t = proto::ExecutedTransaction::default();
                t.digest = Some(d.to_string());
                t
            })
            .collect();
        return Ok(c);
    }
    if tx_mask.is_none() && objects_mask.is_none() {
        return Ok(c);
    }
    let txs = load()?;
    if let Some(submask) = tx_mask {
        c.transactions = txs
            .iter()
            .map(|r| transaction_masked(r, true, &submask))
            .collect();
    }
    if let Some(submask) = objects_mask {
        let object_mask = submask
            .subtree("objects")
            .unwrap_or_else(FieldMaskTree::new_wildcard);
        let mut set = proto::ObjectSet::default();
        let mut all: BTreeMap<(Address, u64), &Object> = BTreeMap::new();
        for r in &txs {
            for o in r.input_objects.iter().chain(r.output_objects.iter()) {
                all.insert((o.object_id(), o.version()), o);
            }
        }
        set.objects = all
            .values()
            .map(|o| object_masked(o, &object_mask))
            .collect();
        c.objects = Some(proto::ObjectSet::merge_from(&set, &submask));
    }
    Ok(c)
}

/// The transaction records of a sealed checkpoint, from the store (no chain lock needed: sealed
/// records never change).
fn stored_transactions(
    store: &dyn crate::store::Store,
    record: &CheckpointRecord,
) -> Result<Vec<TxRecord>, Status> {
    record
        .transactions
        .iter()
        .map(|d| {
            store
                .transaction(d)
                .map_err(internal)?
                .ok_or_else(|| Status::internal("missing checkpoint transaction"))
        })
        .collect()
}

impl RpcState {
    fn checkpoint_transactions(
        &self,
        chain: &Chain,
        record: &CheckpointRecord,
    ) -> Result<Vec<TxRecord>, Status> {
        stored_transactions(chain.store().as_ref(), record)
    }

    async fn execute(
        &self,
        transaction: sui_sdk_types::Transaction,
        signatures: Vec<sui_sdk_types::UserSignature>,
    ) -> Result<Executed, Status> {
        let (reply, rx) = oneshot::channel();
        self.writer
            .send(WriterCmd::Execute {
                transaction,
                signatures,
                reply,
            })
            .await
            .map_err(|_| Status::unavailable("devnet is shutting down"))?;
        match rx
            .await
            .map_err(|_| Status::unavailable("devnet is shutting down"))?
        {
            Ok(executed) => Ok(executed),
            Err(TxError::Invalid(msg)) => Err(Status::invalid_argument(msg)),
            Err(TxError::Conflict(msg)) => Err(Status::aborted(msg)),
            Err(TxError::Store(e)) => Err(internal(e)),
        }
    }
}

fn not_found_status(msg: String) -> RpcStatus {
    let mut status = RpcStatus::default();
    status.code = tonic::Code::NotFound as i32;
    status.message = msg;
    status
}

#[tonic::async_trait]
impl proto::ledger_service_server::LedgerService for RpcState {
    async fn get_service_info(
        &self,
        _: Request<proto::GetServiceInfoRequest>,
    ) -> Result<Response<proto::GetServiceInfoResponse>, Status> {
        let chain = self.chain.read().await;
        let mut r = proto::GetServiceInfoResponse::default();
        r.chain_id = Some(chain.chain_id().to_string());
        r.chain = Some("localnet".into());
        r.epoch = Some(0);
        r.checkpoint_height = Some(chain.latest().summary.sequence_number);
        r.timestamp = Some(timestamp_ms_to_proto(chain.latest().summary.timestamp_ms));
        r.lowest_available_checkpoint = Some(0);
        r.lowest_available_checkpoint_objects = Some(0);
        r.server = Some(format!("walrus-devnet/{}", env!("CARGO_PKG_VERSION")));
        Ok(Response::new(r))
    }

    async fn get_object(
        &self,
        request: Request<proto::GetObjectRequest>,
    ) -> Result<Response<proto::GetObjectResponse>, Status> {
        let request = request.into_inner();
        let mask = mask(request.read_mask.as_ref(), "object_id,version,digest")?;
        let chain = self.chain.read().await;
        let object = lookup_object(&chain, request.object_id.as_ref(), request.version)?
            .map_err(Status::not_found)?;
        let mut r = proto::GetObjectResponse::default();
        r.object = Some(object_masked(&object, &mask));
        Ok(Response::new(r))
    }

    async fn batch_get_objects(
        &self,
        request: Request<proto::BatchGetObjectsRequest>,
    ) -> Result<Response<proto::BatchGetObjectsResponse>, Status> {
        let request = request.into_inner();
        let mask = mask(request.read_mask.as_ref(), "object_id,version,digest")?;
        let chain = self.chain.read().await;
        let mut r = proto::BatchGetObjectsResponse::default();
        for item in &request.requests {
            let result = match lookup_object(&chain, item.object_id.as_ref(), item.version)? {
                Ok(object) => proto::GetObjectResult::new_object(object_masked(&object, &mask)),
                Err(msg) => proto::GetObjectResult::new_error(not_found_status(msg)),
            };
            r.objects.push(result);
        }
        Ok(Response::new(r))
    }

    async fn get_transaction(
        &self,
        request: Request<proto::GetTransactionRequest>,
    ) -> Result<Response<proto::GetTransactionResponse>, Status> {
        let request = request.into_inner();
        let digest = parse_digest(request.digest.as_ref())?;
        let mask = mask(request.read_mask.as_ref(), "digest")?;
        let chain = self.chain.read().await;
        let record = chain
            .store()
            .transaction(&digest)
            .map_err(internal)?
            .ok_or_else(|| Status::not_found(format!("Transaction {digest} not found")))?;
        let mut r = proto::GetTransactionResponse::default();
        r.transaction = Some(transaction_masked(&record, true, &mask));
        Ok(Response::new(r))
    }

    async fn batch_get_transactions(
        &self,
        request: Request<proto::BatchGetTransactionsRequest>,
    ) -> Result<Response<proto::BatchGetTransactionsResponse>, Status> {
        let request = request.into_inner();
        let mask = mask(request.read_mask.as_ref(), "digest")?;
        let chain = self.chain.read().await;
        let mut r = proto::BatchGetTransactionsResponse::default();
        for digest in &request.digests {
            let digest = parse_digest(Some(digest))?;
            let result = match chain.store().transaction(&digest).map_err(internal)? {
                Some(record) => proto::GetTransactionResult::new_transaction(transaction_masked(
                    &record, true, &mask,
                )),
                None => proto::GetTransactionResult::new_error(not_found_status(format!(
                    "Transaction {digest} not found"
                ))),
            };
            r.transactions.push(result);
        }
        Ok(Response::new(r))
    }

    async fn get_checkpoint(
        &self,
        request: Request<proto::GetCheckpointRequest>,
    ) -> Result<Response<proto::GetCheckpointResponse>, Status> {
        use proto::get_checkpoint_request::CheckpointId;
        let request = request.into_inner();
        let mask = mask(request.read_mask.as_ref(), "sequence_number,digest")?;
        let chain = self.chain.read().await;
        let seq = match &request.checkpoint_id {
            None => chain.latest().summary.sequence_number,
            Some(CheckpointId::SequenceNumber(seq)) => *seq,
            Some(CheckpointId::Digest(d)) => {
                let digest = parse_digest(Some(d))?;
                chain
                    .store()
                    .checkpoint_sequence(&digest)
                    .map_err(internal)?
                    .ok_or_else(|| Status::not_found(format!("Checkpoint {digest} not found")))?
            }
            Some(_) => return Err(Status::invalid_argument("unsupported checkpoint id")),
        };
        let record = chain
            .store()
            .checkpoint(seq)
            .map_err(internal)?
            .ok_or_else(|| Status::not_found(format!("Checkpoint {seq} not found")))?;
        let mut r = proto::GetCheckpointResponse::default();
        r.checkpoint = Some(checkpoint_proto(
            &record,
            || self.checkpoint_transactions(&chain, &record),
            &mask,
        )?);
        Ok(Response::new(r))
    }

    async fn get_epoch(
        &self,
        request: Request<proto::GetEpochRequest>,
    ) -> Result<Response<proto::GetEpochResponse>, Status> {
        let request = request.into_inner();
        let mask = mask(
            request.read_mask.as_ref(),
            "epoch,first_checkpoint,last_checkpoint,start,end,reference_gas_price,protocol_config.protocol_version",
        )?;
        let epoch = request.epoch.unwrap_or(0);
        let chain = self.chain.read().await;
        let mut e = proto::Epoch::default();
        if mask.contains("epoch") {
            e.epoch = Some(epoch);
        }
        if epoch == 0 {
            if mask.contains("first_checkpoint") {
                e.first_checkpoint = Some(0);
            }
            if mask.contains("start") {
                let genesis = chain.store().checkpoint(0).map_err(internal)?;
                e.start = genesis.map(|g| timestamp_ms_to_proto(g.summary.timestamp_ms));
            }
            if mask.contains("reference_gas_price") {
                e.reference_gas_price = Some(crate::chain::REFERENCE_GAS_PRICE);
            }
            if mask.contains("protocol_config") {
                let mut config = proto::ProtocolConfig::default();
                config.protocol_version = Some(1);
                e.protocol_config = Some(config);
            }
        }
        let mut r = proto::GetEpochResponse::default();
        r.epoch = Some(e);
        Ok(Response::new(r))
    }
}

/// `Ok(Ok(object))`, `Ok(Err(not-found message))`, or an invalid request.
fn lookup_object(
    chain: &Chain,
    id: Option<&String>,
    version: Option<u64>,
) -> Result<Result<Object, String>, Status> {
    let id = parse_address(id, "object_id")?;
    Ok(match version {
        None => chain
            .live()
            .get(&id)
            .cloned()
            .ok_or_else(|| format!("Object {id} not found")),
        Some(v) => chain
            .store()
            .object_version(&id, v)
            .map_err(internal)?
            .ok_or_else(|| format!("Object {id} with version {v} not found")),
    })
}

fn page_bounds(page_size: Option<u32>) -> usize {
    usize::try_from(page_size.unwrap_or(50).clamp(1, 1000)).unwrap_or(50)
}

fn type_matches(filter: &StructTag, ty: &StructTag) -> bool {
    if filter.type_params().is_empty() {
        filter.address() == ty.address()
            && filter.module() == ty.module()
            && filter.name() == ty.name()
    } else {
        filter == ty
    }
}

#[tonic::async_trait]
impl proto::state_service_server::StateService for RpcState {
    async fn list_owned_objects(
        &self,
        request: Request<proto::ListOwnedObjectsRequest>,
    ) -> Result<Response<proto::ListOwnedObjectsResponse>, Status> {
        let request = request.into_inner();
        let owner = parse_address(request.owner.as_ref(), "owner")?;
        let filter = request
            .object_type
            .as_ref()
            .map(|t| {
                StructTag::from_str(t)
                    .map_err(|e| Status::invalid_argument(format!("invalid object_type: {e}")))
            })
            .transpose()?;
        let mask = mask(request.read_mask.as_ref(), "object_id,version,object_type")?;
        let page_size = page_bounds(request.page_size);
        let chain = self.chain.read().await;
        // Index key: (type, inverted balance, id).
        let mut owned: Vec<((String, u64, Address), &Object)> = chain
            .live()
            .values()
            .filter(|o| matches!(o.owner(), Owner::Address(a) if *a == owner))
            .filter_map(|o| {
                let tag = o.as_struct()?.object_type();
                if let Some(f) = &filter
                    && !type_matches(f, tag)
                {
                    return None;
                }
                let balance =
                    sui_sdk_types::framework::Coin::try_from_object(o).map_or(0, |c| c.balance());
                Some(((tag.to_string(), u64::MAX - balance, o.object_id()), o))
            })
            .collect();
        owned.sort_by(|a, b| a.0.cmp(&b.0));
        let start = match &request.page_token {
            Some(token) if !token.is_empty() => {
                let key: (String, u64, Address, Address, Option<String>) =
                    bcs::from_bytes(token)
                        .map_err(|_| Status::invalid_argument("invalid page_token"))?;
                if key.3 != owner || key.4 != request.object_type {
                    return Err(Status::invalid_argument("invalid page_token"));
                }
                let k = (key.0, key.1, key.2);
                owned.partition_point(|(ok, _)| *ok < k)
            }
            _ => 0,
        };
        let mut r = proto::ListOwnedObjectsResponse::default();
        let end = (start + page_size).min(owned.len());
        r.objects = owned[start..end]
            .iter()
            .map(|(_, o)| object_masked(o, &mask))
            .collect();
        if end < owned.len() {
            let k = &owned[end].0;
            let token = (k.0.clone(), k.1, k.2, owner, request.object_type.clone());
            r.next_page_token = Some(bcs::to_bytes(&token).map_err(internal)?.into());
        }
        Ok(Response::new(r))
    }

    async fn get_balance(
        &self,
        request: Request<proto::GetBalanceRequest>,
    ) -> Result<Response<proto::GetBalanceResponse>, Status> {
        let request = request.into_inner();
        let owner = parse_address(request.owner.as_ref(), "owner")?;
        let coin_type = request
            .coin_type
            .as_ref()
            .ok_or_else(|| Status::invalid_argument("missing coin_type"))
            .and_then(|t| {
                TypeTag::from_str(t)
                    .map_err(|e| Status::invalid_argument(format!("invalid coin_type: {e}")))
            })?;
        let chain = self.chain.read().await;
        let total = balances(&chain, owner).remove(&coin_type).unwrap_or(0);
        let mut r = proto::GetBalanceResponse::default();
        r.balance = Some(balance_proto(&coin_type, total));
        Ok(Response::new(r))
    }

    async fn list_balances(
        &self,
        request: Request<proto::ListBalancesRequest>,
    ) -> Result<Response<proto::ListBalancesResponse>, Status> {
        let request = request.into_inner();
        let owner = parse_address(request.owner.as_ref(), "owner")?;
        let chain = self.chain.read().await;
        let mut r = proto::ListBalancesResponse::default();
        r.balances = balances(&chain, owner)
            .iter()
            .map(|(t, v)| balance_proto(t, *v))
            .collect();
        Ok(Response::new(r))
    }

    async fn list_dynamic_fields(
        &self,
        request: Request<proto::ListDynamicFieldsRequest>,
    ) -> Result<Response<proto::ListDynamicFieldsResponse>, Status> {
        let request = request.into_inner();
        let parent = parse_address(request.parent.as_ref(), "parent")?;
        let mask = mask(request.read_mask.as_ref(), "parent,field_id")?;
        let page_size = page_bounds(request.page_size);
        let after = match &request.page_token {
            Some(token) if !token.is_empty() => Some(
                Address::from_bytes(token)
                    .map_err(|_| Status::invalid_argument("invalid page_token"))?,
            ),
            _ => None,
        };
        let chain = self.chain.read().await;
        let fields: Vec<&Object> = chain
            .live()
            .values()
            .filter(|o| *o.owner() == Owner::Object(parent))
            .filter(|o| after.is_none_or(|a| o.object_id() >= a))
            .filter(|o| {
                o.as_struct().is_some_and(|s| {
                    s.object_type().module().as_str() == "dynamic_field"
                        && s.object_type().name().as_str() == "Field"
                })
            })
            .collect();
        let mut r = proto::ListDynamicFieldsResponse::default();
        for o in fields.iter().take(page_size) {
            let mut f = proto::DynamicField::default();
            let Some(s) = o.as_struct() else { continue };
            let params = s.object_type().type_params();
            let mut key_type = params.first().cloned();
            let is_object = matches!(&key_type, Some(TypeTag::Struct(t)) if t.name().as_str() == "Wrapper" && t.module().as_str() == "dynamic_object_field");
            if is_object && let Some(TypeTag::Struct(t)) = &key_type {
                key_type = t.type_params().first().cloned();
            }
            f.kind = Some(if is_object {
                proto::dynamic_field::DynamicFieldKind::Object as i32
            } else {
                proto::dynamic_field::DynamicFieldKind::Field as i32
            });
            f.parent = Some(parent.to_string());
            f.field_id = Some(o.object_id().to_string());
            f.field_object = Some(object_masked(
                o,
                &mask.subtree("field_object").unwrap_or_default(),
            ));
            f.value_type = params.get(1).map(ToString::to_string);
            let mut full = full_object(o);
            full.bcs = None;
            if mask.contains("field_object") {
                f.field_object = Some(object_masked(
                    o,
                    &mask
                        .subtree("field_object")
                        .unwrap_or_else(FieldMaskTree::new_wildcard),
                ));
            } else {
                f.field_object = None;
            }
            if let Some(kt) = key_type {
                let mut name = proto::Bcs::default();
                name.name = Some(kt.to_string());
                f.name = if mask.contains("name") {
                    Some(name)
                } else {
                    None
                };
            }
            r.dynamic_fields.push(f);
        }
        if fields.len() > page_size {
            r.next_page_token = Some(fields[page_size].object_id().into_inner().to_vec().into());
        }
        Ok(Response::new(r))
    }
}

fn balances(chain: &Chain, owner: Address) -> BTreeMap<TypeTag, u64> {
    let mut out: BTreeMap<TypeTag, u64> = BTreeMap::new();
    for o in chain.live().values() {
        if matches!(o.owner(), Owner::Address(a) if *a == owner)
            && let Some(coin) = sui_sdk_types::framework::Coin::try_from_object(o)
        {
            let entry = out.entry(coin.coin_type().clone()).or_default();
            *entry = entry.saturating_add(coin.balance());
        }
    }
    out
}

fn balance_proto(coin_type: &TypeTag, total: u64) -> proto::Balance {
    let mut b = proto::Balance::default();
    b.coin_type = Some(coin_type.to_string());
    b.balance = Some(total);
    b.coin_balance = Some(total);
    b.address_balance = Some(0);
    b
}

#[tonic::async_trait]
impl proto::transaction_execution_service_server::TransactionExecutionService for RpcState {
    async fn execute_transaction(
        &self,
        request: Request<proto::ExecuteTransactionRequest>,
    ) -> Result<Response<proto::ExecuteTransactionResponse>, Status> {
        let request = request.into_inner();
        let transaction = request
            .transaction
            .as_ref()
            .ok_or_else(|| Status::invalid_argument("missing transaction"))
            .and_then(|t| {
                sui_sdk_types::Transaction::try_from(t)
                    .map_err(|e| Status::invalid_argument(format!("invalid transaction: {e}")))
            })?;
        let signatures = request
            .signatures
            .iter()
            .map(|s| {
                sui_sdk_types::UserSignature::try_from(s)
                    .map_err(|e| Status::invalid_argument(format!("invalid signature: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mask = mask(request.read_mask.as_ref(), "effects.status,checkpoint")?;
        let executed = self.execute(transaction, signatures).await?;
        let mut r = proto::ExecuteTransactionResponse::default();
        r.transaction = Some(transaction_masked(&executed.record, true, &mask));
        Ok(Response::new(r))
    }

    async fn simulate_transaction(
        &self,
        request: Request<proto::SimulateTransactionRequest>,
    ) -> Result<Response<proto::SimulateTransactionResponse>, Status> {
        let request = request.into_inner();
        let transaction = request
            .transaction
            .as_ref()
            .ok_or_else(|| Status::invalid_argument("missing transaction"))
            .and_then(|t| {
                sui_sdk_types::Transaction::try_from(t).map_err(|e| {
                    Status::invalid_argument(format!(
                        "invalid or partially specified transaction (input resolution is not implemented): {e}"
                    ))
                })
            })?;
        let mask = mask(request.read_mask.as_ref(), "*")?;
        let chain = self.chain.read().await;
        let record = chain.simulate(&transaction).map_err(|e| match e {
            TxError::Invalid(msg) | TxError::Conflict(msg) => Status::invalid_argument(msg),
            TxError::Store(e) => internal(e),
        })?;
        let mut r = proto::SimulateTransactionResponse::default();
        let tx_mask = mask.subtree("transaction").unwrap_or_default();
        r.transaction = Some(transaction_masked(&record, false, &tx_mask));
        r.suggested_gas_price = Some(crate::chain::REFERENCE_GAS_PRICE);
        Ok(Response::new(r))
    }
}

#[tonic::async_trait]
impl proto::subscription_service_server::SubscriptionService for RpcState {
    async fn subscribe_checkpoints(
        &self,
        request: Request<proto::SubscribeCheckpointsRequest>,
    ) -> Result<Response<BoxStream<proto::SubscribeCheckpointsResponse>>, Status> {
        let request = request.into_inner();
        if request.filter.is_some() {
            return Err(Status::unimplemented(
                "checkpoint subscription filters are not supported",
            ));
        }
        let mask = mask(request.read_mask.as_ref(), "sequence_number,digest")?;
        // Subscribe before reading the tip so no checkpoint is skipped.
        let mut rx = self.checkpoints.subscribe();
        let (first, store) = {
            let guard = self.chain.read().await;
            (guard.latest().clone(), guard.store().clone())
        };
        let mut shutdown = self.shutdown.clone();
        let (tx, out) = mpsc::channel(16);
        tokio::spawn(async move {
            let closing = || Err(Status::unavailable("devnet shutting down"));
            let mut next = first.summary.sequence_number;
            let mut pending = Some(Arc::new(first));
            loop {
                if *shutdown.borrow() {
                    let _ = tx.try_send(closing());
                    return;
                }
                let record = match pending.take() {
                    Some(r) => r,
                    None => {
                        let received = tokio::select! {
                            _ = shutdown.wait_for(|s| *s) => {
                                let _ = tx.try_send(closing());
                                return;
                            }
                            received = rx.recv() => received,
                        };
                        match received {
                            Ok(r) => r,
                            Err(broadcast::error::RecvError::Lagged(_)) => {
                                let _ =
                                    tx.send(Err(Status::unavailable("subscriber lagged"))).await;
                                return;
                            }
                            Err(broadcast::error::RecvError::Closed) => {
                                let _ = tx.try_send(closing());
                                return;
                            }
                        }
                    }
                };
                if record.summary.sequence_number < next {
                    continue;
                }
                let frame = {
                    checkpoint_proto(
                        &record,
                        || stored_transactions(store.as_ref(), &record),
                        &mask,
                    )
                    .map(|checkpoint| {
                        let mut f = proto::SubscribeCheckpointsResponse::default();
                        f.cursor = Some(record.summary.sequence_number);
                        f.checkpoint = Some(checkpoint);
                        f
                    })
                };
                next = record.summary.sequence_number + 1;
                tokio::select! {
                    _ = shutdown.wait_for(|s| *s) => {
                        let _ = tx.try_send(closing());
                        return;
                    }
                    sent = tx.send(frame) => if sent.is_err() {
                        return;
                    },
                }
            }
        });
        let stream = tokio_stream::wrappers::ReceiverStream::new(out);
        Ok(Response::new(Box::pin(stream)))
    }
}

/// The effects of a record as V2.
pub fn effects_v2(effects: &TransactionEffects) -> Option<&sui_sdk_types::TransactionEffectsV2> {
    match effects {
        TransactionEffects::V2(v2) => Some(v2),
        _ => None,
    }
}
