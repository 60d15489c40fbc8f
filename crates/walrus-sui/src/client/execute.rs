//! Signing, executing (and waiting for the checkpoint), and reading the results of a transaction.

use std::str::FromStr;

use sui_rpc::client::ExecuteAndWaitError;
use sui_rpc::field::{FieldMask, FieldMaskUtil};
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{Address, Digest, StructTag, Transaction};

use super::read::parse_owner;
use super::stream::EventEnvelope;
use super::{ChainError, ObjectOwner, ObjectRef, PtbBuilder, WalrusSuiClient, check_status};
use crate::events::ContractEvent;
use crate::move_types::MoveStruct;

/// An object written by a transaction (created or mutated), with its new reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedObject {
    /// The object ID.
    pub id: Address,
    /// The output version.
    pub version: u64,
    /// The output digest.
    pub digest: Digest,
    /// The object's type, if the node reported it.
    pub type_: Option<StructTag>,
    /// The new owner.
    pub owner: Option<ObjectOwner>,
}

impl CreatedObject {
    /// The new reference (owned objects).
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef::owned(self.id, self.version, self.digest)
    }

    /// Whether the type is `package::module::name` (any type parameters).
    pub fn has_type(&self, tag: &StructTag) -> bool {
        self.type_.as_ref().is_some_and(|t| same_struct(t, tag))
    }
}

/// Whether two struct tags name the same struct, ignoring type parameters.
pub fn same_struct(a: &StructTag, b: &StructTag) -> bool {
    a.address() == b.address() && a.module() == b.module() && a.name() == b.name()
}

/// The result of a successful transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxOutcome {
    /// The transaction digest.
    pub digest: Digest,
    /// The checkpoint that includes it.
    pub checkpoint: Option<u64>,
    /// Created objects (find them by type, not by position).
    pub created: Vec<CreatedObject>,
    /// Mutated objects with their new references.
    pub mutated: Vec<CreatedObject>,
    /// Deleted or wrapped objects.
    pub deleted: Vec<Address>,
    /// Every event, with the Walrus ones decoded.
    pub events: Vec<EventEnvelope>,
    /// Computation + storage − rebate, in MIST (saturating at zero).
    pub gas_cost: u64,
}

impl TxOutcome {
    /// The IDs of the created objects of type `tag`.
    pub fn created_of_type(&self, tag: &StructTag) -> Vec<Address> {
        self.created
            .iter()
            .filter(|o| o.has_type(tag))
            .map(|o| o.id)
            .collect()
    }

    /// The one created object of type `tag`.
    pub fn single_created(&self, tag: &StructTag) -> Result<Address, ChainError> {
        match self.created_of_type(tag).as_slice() {
            [id] => Ok(*id),
            ids => Err(ChainError::Malformed(format!(
                "transaction {} created {} objects of type {tag}, expected one",
                self.digest,
                ids.len()
            ))),
        }
    }

    /// The decoded Walrus events, in emission order.
    pub fn contract_events(&self) -> impl Iterator<Item = &ContractEvent> {
        self.events.iter().filter_map(|e| e.event.as_ref())
    }

    /// The first event of type `T`.
    pub fn event<T>(&self) -> Option<T>
    where
        T: MoveStruct + serde::de::DeserializeOwned,
    {
        self.events
            .iter()
            .filter(|e| {
                e.type_.module().as_str() == T::MODULE && e.type_.name().as_str() == T::NAME
            })
            .find_map(|e| bcs::from_bytes(&e.contents).ok())
    }

    /// Parses an executed transaction read with the mask `digest,effects,events,checkpoint`;
    /// a failed execution becomes the matching error. `walrus_types` is the package defining
    /// the Walrus event types.
    pub fn from_proto(
        executed: &proto::ExecutedTransaction,
        walrus_types: &Address,
    ) -> Result<Self, ChainError> {
        let effects = executed
            .effects
            .as_ref()
            .ok_or_else(|| ChainError::Malformed("executed transaction without effects".into()))?;
        let digest_str = executed
            .digest
            .as_deref()
            .or(effects.transaction_digest.as_deref())
            .ok_or_else(|| ChainError::Malformed("executed transaction without digest".into()))?;
        let digest = Digest::from_str(digest_str)
            .map_err(|e| ChainError::Malformed(format!("digest: {e}")))?;
        check_status(Some(digest), effects.status.as_ref())?;

        let mut created = Vec::new();
        let mut mutated = Vec::new();
        let mut deleted = Vec::new();
        for change in &effects.changed_objects {
            let id: Address = change
                .object_id
                .as_deref()
                .unwrap_or_default()
                .parse()
                .map_err(|e| ChainError::Malformed(format!("changed object id: {e}")))?;
            let written =
                change.output_state() == proto::changed_object::OutputObjectState::ObjectWrite;
            if !written {
                if change.input_state() == proto::changed_object::InputObjectState::Exists {
                    deleted.push(id);
                }
                continue;
            }
            let object = CreatedObject {
                id,
                version: change.output_version.unwrap_or_default(),
                digest: change
                    .output_digest
                    .as_deref()
                    .unwrap_or_default()
                    .parse()
                    .map_err(|e| ChainError::Malformed(format!("output digest: {e}")))?,
                type_: change
                    .object_type
                    .as_deref()
                    .and_then(|t| StructTag::from_str(t).ok()),
                owner: change
                    .output_owner
                    .as_ref()
                    .and_then(|o| parse_owner(o).ok()),
            };
            if change.id_operation() == proto::changed_object::IdOperation::Created {
                created.push(object);
            } else {
                mutated.push(object);
            }
        }

        let events = executed
            .events
            .as_ref()
            .map(|events| {
                events
                    .events
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        EventEnvelope::from_proto(
                            e,
                            executed.checkpoint,
                            digest,
                            u32::try_from(i).unwrap_or(u32::MAX),
                            walrus_types,
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();

        let gas_cost = effects.gas_used.as_ref().map_or(0, |g| {
            (g.computation_cost() + g.storage_cost()).saturating_sub(g.storage_rebate())
        });
        Ok(Self {
            digest,
            checkpoint: executed.checkpoint,
            created,
            mutated,
            deleted,
            events,
            gas_cost,
        })
    }
}

impl WalrusSuiClient {
    /// Builds `ptb` with this wallet as sender (gas coins selected for the configured budget at
    /// the reference gas price), signs, executes and waits for the checkpoint.
    ///
    /// Only gas selection and execution run under this client's transaction lock: a caller that
    /// resolved owned object references for `ptb` itself should hold
    /// [`Self::lock_transactions`] from then on and call [`Self::execute_locked`], or concurrent
    /// transactions of clones may build on stale versions.
    pub async fn execute_ptb(&self, ptb: PtbBuilder) -> Result<TxOutcome, ChainError> {
        let _guard = self.lock_transactions().await;
        self.execute_locked(ptb).await
    }

    /// Locks this client's transactions (shared by its clones). Every contract call holds it
    /// from resolving its owned objects and WAL coins until its effects are checkpointed, so
    /// concurrent calls never use the same object version twice. Not reentrant.
    pub async fn lock_transactions(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.tx_lock.lock().await
    }

    /// Like [`Self::execute_ptb`], for a caller already holding [`Self::lock_transactions`].
    pub async fn execute_locked(&self, ptb: PtbBuilder) -> Result<TxOutcome, ChainError> {
        let sender = self.address()?;
        let budget = self.config.gas_budget;
        let price = self.reference_gas_price().await?;
        let gas = self.gas_coins(sender, budget).await?;
        let tx = ptb.build(sender, &gas, budget, price)?;
        self.sign_and_execute(tx).await
    }

    /// SUI coins covering `budget`, or [`ChainError::InsufficientGas`].
    pub async fn gas_coins(
        &self,
        owner: Address,
        budget: u64,
    ) -> Result<Vec<ObjectRef>, ChainError> {
        match self
            .select_coins(owner, &Self::sui_type(), budget, &[])
            .await?
        {
            Some(mut coins) => {
                coins.truncate(256);
                Ok(coins)
            }
            None => Err(ChainError::InsufficientGas {
                required: budget,
                available: self.sui_balance(owner).await?,
            }),
        }
    }

    /// Signs a fully built transaction with this wallet, executes it and waits until it is in
    /// a checkpoint (so that later reads see its writes).
    pub async fn sign_and_execute(&self, tx: Transaction) -> Result<TxOutcome, ChainError> {
        let signature = self.signer()?.sign_transaction(&tx)?;
        let digest = tx.digest();
        let mut request = proto::ExecuteTransactionRequest::default();
        request.transaction = Some(tx.into());
        request.signatures = vec![signature.into()];
        request.read_mask = Some(FieldMask::from_paths([
            "digest",
            "effects",
            "events",
            "checkpoint",
        ]));
        let timeout = self.config.execution_timeout();
        let response = match self
            .rpc()
            .execute_transaction_and_wait_for_checkpoint(request, timeout)
            .await
        {
            Ok(response) => response.into_inner(),
            Err(ExecuteAndWaitError::RpcError(status)) => return Err(status.into()),
            Err(
                ExecuteAndWaitError::CheckpointTimeout(_)
                | ExecuteAndWaitError::CheckpointStreamError { .. },
            ) => return Err(ChainError::CheckpointTimeout { digest }),
            Err(other) => return Err(ChainError::Malformed(other.to_string())),
        };
        let executed = response.transaction.ok_or_else(|| {
            ChainError::Malformed("execution response without transaction".into())
        })?;
        TxOutcome::from_proto(&executed, &self.config.walrus_type_package())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use walrus_core::{BlobId, ObjectId};

    use super::*;
    use crate::events::BlobRegistered;

    fn changed(
        id: Address,
        op: proto::changed_object::IdOperation,
        output: proto::changed_object::OutputObjectState,
        object_type: &str,
    ) -> proto::ChangedObject {
        let mut c = proto::ChangedObject::default();
        c.object_id = Some(id.to_string());
        c.set_id_operation(op);
        c.set_output_state(output);
        c.set_input_state(if op == proto::changed_object::IdOperation::Created {
            proto::changed_object::InputObjectState::DoesNotExist
        } else {
            proto::changed_object::InputObjectState::Exists
        });
        c.output_version = Some(9);
        c.output_digest = Some(Digest::new([4; 32]).to_string());
        c.object_type = Some(object_type.to_owned());
        c
    }

    #[test]
    fn outcome_finds_created_objects_by_type_and_decodes_events() {
        let pkg = Address::from_static("0xabc");
        let blob_id = Address::from_static("0xb1");
        let gas_id = Address::from_static("0x6a5");
        let gone = Address::from_static("0xdead");
        let digest = Digest::new([7; 32]);
        let event = BlobRegistered {
            epoch: 1,
            blob_id: BlobId([3; 32]),
            size: 10,
            encoding_type: 1,
            end_epoch: 3,
            deletable: false,
            object_id: ObjectId(blob_id.into_inner()),
        };

        let mut effects = proto::TransactionEffects::default();
        let mut status = proto::ExecutionStatus::default();
        status.success = Some(true);
        effects.status = Some(status);
        use proto::changed_object::{IdOperation, OutputObjectState};
        effects.changed_objects = vec![
            changed(
                gas_id,
                IdOperation::None,
                OutputObjectState::ObjectWrite,
                "0x2::coin::Coin<0x2::sui::SUI>",
            ),
            changed(
                blob_id,
                IdOperation::Created,
                OutputObjectState::ObjectWrite,
                &format!("{pkg}::blob::Blob"),
            ),
            changed(
                gone,
                IdOperation::Deleted,
                OutputObjectState::DoesNotExist,
                &format!("{pkg}::storage_resource::Storage"),
            ),
        ];
        let mut gas = proto::GasCostSummary::default();
        gas.computation_cost = Some(1000);
        gas.storage_cost = Some(500);
        gas.storage_rebate = Some(300);
        effects.gas_used = Some(gas);

        let mut ev = proto::Event::default();
        ev.package_id = Some(pkg.to_string());
        ev.module = Some("system".into());
        ev.sender = Some(Address::ZERO.to_string());
        ev.event_type = Some(format!("{pkg}::events::BlobRegistered"));
        let mut bcs_value = proto::Bcs::default();
        bcs_value.value = Some(bcs::to_bytes(&event).unwrap().into());
        ev.contents = Some(bcs_value);
        let mut events = proto::TransactionEvents::default();
        events.events = vec![ev];

        let mut executed = proto::ExecutedTransaction::default();
        executed.digest = Some(digest.to_string());
        executed.effects = Some(effects);
        executed.events = Some(events);
        executed.checkpoint = Some(12);

        let outcome = TxOutcome::from_proto(&executed, &pkg).unwrap();
        assert_eq!(outcome.digest, digest);
        assert_eq!(outcome.checkpoint, Some(12));
        let blob_tag = StructTag::from_str(&format!("{pkg}::blob::Blob")).unwrap();
        assert_eq!(outcome.single_created(&blob_tag).unwrap(), blob_id);
        assert_eq!(outcome.mutated.len(), 1);
        assert_eq!(outcome.mutated[0].object_ref().version, 9);
        assert_eq!(outcome.deleted, vec![gone]);
        assert_eq!(outcome.gas_cost, 1200);
        assert_eq!(
            outcome.contract_events().collect::<Vec<_>>(),
            vec![&ContractEvent::BlobRegistered(event.clone())]
        );
        assert_eq!(outcome.event::<BlobRegistered>(), Some(event));

        // Events of another package are kept raw, not decoded.
        let other = TxOutcome::from_proto(&executed, &Address::from_static("0x999")).unwrap();
        assert_eq!(other.contract_events().count(), 0);
        assert_eq!(other.events.len(), 1);
    }
}
