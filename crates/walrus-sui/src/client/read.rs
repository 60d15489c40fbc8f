//! Reads: objects (decoded from BCS), the versioned System and Staking state, committee and
//! shard assignment, prices, owned objects and balances.

use std::str::FromStr;

use futures::StreamExt;
use serde::de::DeserializeOwned;
use sui_rpc::field::{FieldMask, FieldMaskUtil};
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{Address, Digest, StructTag, TypeTag};
use walrus_core::ObjectId;

use super::{ChainError, ObjectKind, ObjectRef, WalrusSuiClient, to_address};
use crate::move_types::{G1Element, MoveStruct};
use crate::objects::{
    Blob, ChallengeState, Committee, Metadata, NodeRecord, ProtectedTreasury, StakedWal, Staking,
    StakingInnerV1, StakingPool, Storage, StorageNodeCap, System, SystemStateInnerV1,
};

const OBJECT_MASK: &[&str] = &[
    "object_id",
    "version",
    "digest",
    "owner",
    "object_type",
    "contents",
];

/// The owner of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectOwner {
    /// An address.
    Address(Address),
    /// Another object (dynamic fields, table entries).
    Object(Address),
    /// Shared since this version.
    Shared(u64),
    /// Frozen.
    Immutable,
    /// A consensus-managed address-owned object.
    ConsensusAddress(Address),
}

/// An object as read from the chain: its reference, owner, type and BCS contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveObject {
    /// The object ID.
    pub id: Address,
    /// The version.
    pub version: u64,
    /// The digest.
    pub digest: Digest,
    /// The owner.
    pub owner: ObjectOwner,
    /// The Move type (`"package"` objects are not Move objects and are rejected).
    pub type_: StructTag,
    /// The BCS of the Move struct (starts with the 32-byte UID).
    pub contents: Vec<u8>,
}

impl MoveObject {
    /// The reference to pass as a transaction input.
    pub fn object_ref(&self) -> ObjectRef {
        let kind = match self.owner {
            ObjectOwner::Shared(v) => ObjectKind::Shared {
                initial_shared_version: v,
            },
            ObjectOwner::Immutable => ObjectKind::Immutable,
            _ => ObjectKind::Owned,
        };
        ObjectRef {
            id: self.id,
            version: self.version,
            digest: self.digest,
            kind,
        }
    }

    /// Decodes the contents.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, ChainError> {
        bcs::from_bytes(&self.contents).map_err(|e| ChainError::UnexpectedObject {
            id: self.id,
            message: format!(
                "contents do not decode as {}: {e}",
                std::any::type_name::<T>()
            ),
        })
    }

    /// Parses a GetObject / ListOwnedObjects answer read with the object mask.
    pub fn from_proto(object: &proto::Object) -> Result<Self, ChainError> {
        let missing = |field: &str| ChainError::Malformed(format!("object without {field}"));
        let id: Address = object
            .object_id
            .as_deref()
            .ok_or_else(|| missing("object_id"))?
            .parse()
            .map_err(|e| ChainError::Malformed(format!("object_id: {e}")))?;
        let version = object.version.ok_or_else(|| missing("version"))?;
        let digest: Digest = object
            .digest
            .as_deref()
            .ok_or_else(|| missing("digest"))?
            .parse()
            .map_err(|e| ChainError::Malformed(format!("digest: {e}")))?;
        let owner = parse_owner(object.owner.as_ref().ok_or_else(|| missing("owner"))?)?;
        let type_str = object
            .object_type
            .as_deref()
            .ok_or_else(|| missing("object_type"))?;
        let type_ = StructTag::from_str(type_str).map_err(|e| ChainError::UnexpectedObject {
            id,
            message: format!("not a Move object ({type_str}): {e}"),
        })?;
        let contents = object
            .contents
            .as_ref()
            .and_then(|c| c.value.as_ref())
            .ok_or_else(|| missing("contents"))?
            .to_vec();
        Ok(Self {
            id,
            version,
            digest,
            owner,
            type_,
            contents,
        })
    }
}

/// Parses a proto owner.
pub(crate) fn parse_owner(owner: &proto::Owner) -> Result<ObjectOwner, ChainError> {
    use proto::owner::OwnerKind;
    let address = || -> Result<Address, ChainError> {
        owner
            .address
            .as_deref()
            .ok_or_else(|| ChainError::Malformed("owner without address".into()))?
            .parse()
            .map_err(|e| ChainError::Malformed(format!("owner address: {e}")))
    };
    Ok(match owner.kind() {
        OwnerKind::Address => ObjectOwner::Address(address()?),
        OwnerKind::Object => ObjectOwner::Object(address()?),
        OwnerKind::Shared => ObjectOwner::Shared(
            owner
                .version
                .ok_or_else(|| ChainError::Malformed("shared owner without version".into()))?,
        ),
        OwnerKind::Immutable => ObjectOwner::Immutable,
        OwnerKind::ConsensusAddress => ObjectOwner::ConsensusAddress(address()?),
        _ => return Err(ChainError::Malformed("unknown owner kind".into())),
    })
}

/// A decoded object with its reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owned<T> {
    /// The reference (current version and digest).
    pub object_ref: ObjectRef,
    /// The decoded Move value.
    pub value: T,
}

/// The current prices, in FROST per MiB unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prices {
    /// Storage price per unit and epoch.
    pub storage_price_per_unit_size: u64,
    /// Write price per unit.
    pub write_price_per_unit_size: u64,
}

/// One member of the current committee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitteeMember {
    /// The node ID (= its staking pool's object ID).
    pub node_id: ObjectId,
    /// The BLS public key (48 bytes, compressed G1).
    pub public_key: G1Element,
    /// The number of shards (the member's weight).
    pub weight: u16,
    /// The shards it holds in this epoch.
    pub shards: Vec<u16>,
}

/// The current committee with its shard assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitteeInfo {
    /// The Walrus epoch.
    pub epoch: u32,
    /// The number of shards.
    pub n_shards: u16,
    /// Members in node-ID order.
    pub members: Vec<CommitteeMember>,
}

/// `BYTES_PER_UNIT_SIZE` of `walrus::system`.
pub const BYTES_PER_UNIT_SIZE: u64 = 1024 * 1024;

/// The number of priced units (MiB, rounded up) of `size` bytes.
pub fn storage_units_from_size(size: u64) -> u64 {
    size.div_ceil(BYTES_PER_UNIT_SIZE)
}

impl WalrusSuiClient {
    /// Reads an object (any type), decoded from its BCS contents.
    pub async fn get_object(&self, id: Address) -> Result<MoveObject, ChainError> {
        let request =
            proto::GetObjectRequest::new(&id).with_read_mask(FieldMask::from_paths(OBJECT_MASK));
        let response = self.rpc().ledger_client().get_object(request).await?;
        let object = response
            .into_inner()
            .object
            .ok_or(ChainError::ObjectNotFound(id))?;
        MoveObject::from_proto(&object)
    }

    /// Reads an object, checks that it is a `T` of our packages and decodes it.
    pub async fn get_typed<T: MoveStruct + DeserializeOwned>(
        &self,
        id: Address,
    ) -> Result<Owned<T>, ChainError> {
        let object = self.get_object(id).await?;
        self.check_type::<T>(&object)?;
        Ok(Owned {
            object_ref: object.object_ref(),
            value: object.decode()?,
        })
    }

    fn check_type<T: MoveStruct>(&self, object: &MoveObject) -> Result<(), ChainError> {
        let expected = self.type_tag_of::<T>();
        let actual = &object.type_;
        let same = actual.address() == expected.address()
            && actual.module() == expected.module()
            && actual.name() == expected.name();
        if same {
            Ok(())
        } else {
            Err(ChainError::UnexpectedObject {
                id: object.id,
                message: format!("expected a {expected}, found a {actual}"),
            })
        }
    }

    /// Reads the dynamic field `key` (of Move type `key_type`) of `parent`, returning its value.
    pub async fn get_dynamic_field<K: serde::Serialize, V: DeserializeOwned>(
        &self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
    ) -> Result<V, ChainError> {
        let key_bytes = bcs::to_bytes(key)?;
        let field_id = parent.derive_dynamic_child_id(key_type, &key_bytes);
        let object = self.get_object(field_id).await?;
        dynamic_field_value(&object, key_bytes.len())
    }

    /// The initial shared version of a shared object (cached).
    pub async fn initial_shared_version(&self, id: Address) -> Result<u64, ChainError> {
        if let Some(v) = self.cached_shared_version(&id) {
            return Ok(v);
        }
        let object = self.get_object(id).await?;
        match object.owner {
            ObjectOwner::Shared(v) => {
                if let Ok(mut cache) = self.shared_versions.lock() {
                    cache.insert(id, v);
                }
                Ok(v)
            }
            other => Err(ChainError::UnexpectedObject {
                id,
                message: format!("expected a shared object, owner is {other:?}"),
            }),
        }
    }

    fn cached_shared_version(&self, id: &Address) -> Option<u64> {
        self.shared_versions.lock().ok()?.get(id).copied()
    }

    /// A transaction input for `id`: shared objects by initial version, others by their
    /// current reference.
    pub async fn object_ref(&self, id: Address) -> Result<ObjectRef, ChainError> {
        if let Some(v) = self.cached_shared_version(&id) {
            return Ok(ObjectRef::shared(id, v));
        }
        let object = self.get_object(id).await?;
        if let ObjectOwner::Shared(v) = object.owner
            && let Ok(mut cache) = self.shared_versions.lock()
        {
            cache.insert(id, v);
        }
        Ok(object.object_ref())
    }

    /// The outer `System` object.
    pub async fn system_object(&self) -> Result<System, ChainError> {
        Ok(self
            .get_typed::<System>(self.config.system_object_id)
            .await?
            .value)
    }

    /// The System state (`SystemStateInnerV1` under the version key).
    pub async fn system_state(&self) -> Result<SystemStateInnerV1, ChainError> {
        let system = self.system_object().await?;
        self.get_dynamic_field(self.config.system_object_id, &TypeTag::U64, &system.version)
            .await
    }

    /// The seed of the storage challenges of `epoch`: `Some` while `epoch` is the current epoch
    /// (the chain keeps only the current seed), `None` otherwise.
    pub async fn challenge_seed(&self, epoch: u32) -> Result<Option<[u8; 32]>, ChainError> {
        let state = self.system_state().await?;
        if state.committee.epoch != epoch {
            return Ok(None);
        }
        state
            .challenges
            .seed_bytes()
            .map(Some)
            .ok_or_else(|| ChainError::Malformed("challenge seed is not 32 bytes".to_owned()))
    }

    /// The storage-challenge state: the current seed and verdicts, every node's recent outcomes
    /// and failure count, the parameters and the slashed total.
    pub async fn challenge_state(&self) -> Result<ChallengeState, ChainError> {
        Ok(self.system_state().await?.challenges)
    }

    /// The challenge standing of `node_id`: the verdict recorded in the current epoch and its
    /// history (recent outcomes, consecutive failures), if it ever had a verdict.
    pub async fn node_challenge_record(
        &self,
        node_id: ObjectId,
    ) -> Result<(Option<bool>, Option<NodeRecord>), ChainError> {
        let state = self.challenge_state().await?;
        Ok((state.verdict(&node_id), state.record(&node_id).cloned()))
    }

    /// The outer `Staking` object.
    pub async fn staking_object(&self) -> Result<Staking, ChainError> {
        Ok(self
            .get_typed::<Staking>(self.config.staking_object_id)
            .await?
            .value)
    }

    /// The Staking state (`StakingInnerV1` under the version key).
    pub async fn staking_state(&self) -> Result<StakingInnerV1, ChainError> {
        let staking = self.staking_object().await?;
        self.get_dynamic_field(
            self.config.staking_object_id,
            &TypeTag::U64,
            &staking.version,
        )
        .await
    }

    /// The current Walrus epoch (from the System state).
    pub async fn current_epoch(&self) -> Result<u32, ChainError> {
        Ok(self.system_state().await?.committee.epoch)
    }

    /// The current prices.
    pub async fn prices(&self) -> Result<Prices, ChainError> {
        let state = self.system_state().await?;
        Ok(Prices {
            storage_price_per_unit_size: state.storage_price_per_unit_size,
            write_price_per_unit_size: state.write_price_per_unit_size,
        })
    }

    /// The current committee (BLS keys and weights from System) with the shard assignment
    /// (from Staking).
    pub async fn committee(&self) -> Result<CommitteeInfo, ChainError> {
        let (system, staking) = futures::try_join!(self.system_state(), self.staking_state())?;
        Ok(committee_info(&system, &staking.committee))
    }

    /// The shard assignment of the next committee, once selected.
    pub async fn next_shard_assignment(&self) -> Result<Option<Committee>, ChainError> {
        Ok(self.staking_state().await?.next_committee)
    }

    /// The configured `ProtectedTreasury` ID (`wal_treasury_id`).
    pub(crate) fn wal_treasury_id(&self) -> Result<Address, ChainError> {
        self.config.wal_treasury_id.ok_or_else(|| {
            ChainError::InvalidArgument("no wal_treasury_id in the client configuration".into())
        })
    }

    /// The total WAL supply in FROST (`wal::total_supply`): the `TreasuryCap<WAL>` held by the
    /// `ProtectedTreasury` under the dynamic object field `TreasuryCapKey()`.
    pub async fn wal_total_supply(&self) -> Result<u64, ChainError> {
        let treasury = self.wal_treasury_id()?;
        // Checks that the configured object is a `ProtectedTreasury`.
        self.get_typed::<ProtectedTreasury>(treasury).await?;
        let key_type = TypeTag::Struct(Box::new(super::struct_tag(
            self.config.wal_package_id,
            "wal",
            "TreasuryCapKey",
            Vec::new(),
        )));
        let wrapper = TypeTag::Struct(Box::new(super::struct_tag(
            Address::TWO,
            "dynamic_object_field",
            "Wrapper",
            vec![key_type],
        )));
        // `TreasuryCapKey()` has no fields; Move gives it a `dummy_field: bool`.
        let cap_id: ObjectId = self.get_dynamic_field(treasury, &wrapper, &false).await?;
        let cap = self.get_object(to_address(cap_id)).await?;
        if cap.type_.module().as_str() != "coin" || cap.type_.name().as_str() != "TreasuryCap" {
            return Err(ChainError::UnexpectedObject {
                id: cap.id,
                message: format!("expected a TreasuryCap<WAL>, found a {}", cap.type_),
            });
        }
        // `TreasuryCap<T> { id: UID, total_supply: Supply<T> { value: u64 } }`.
        let (_, supply): (ObjectId, u64) = cap.decode()?;
        Ok(supply)
    }

    /// A node's staking pool (its object ID is the node ID).
    pub async fn staking_pool(&self, node_id: ObjectId) -> Result<StakingPool, ChainError> {
        Ok(self
            .get_typed::<StakingPool>(to_address(node_id))
            .await?
            .value)
    }

    /// A blob object.
    pub async fn blob(&self, id: Address) -> Result<Owned<Blob>, ChainError> {
        self.get_typed(id).await
    }

    /// A blob's attributes (`None` if it has none).
    pub async fn blob_attributes(&self, blob: Address) -> Result<Option<Metadata>, ChainError> {
        let key_type = TypeTag::Vector(Box::new(TypeTag::U8));
        match self
            .get_dynamic_field::<Vec<u8>, Metadata>(blob, &key_type, &b"metadata".to_vec())
            .await
        {
            Ok(m) => Ok(Some(m)),
            Err(ChainError::ObjectNotFound(_)) => Ok(None),
            Err(ChainError::Rpc(status)) if status.code() == tonic::Code::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every object of Walrus type `T` owned by `owner`.
    pub async fn owned_objects<T: MoveStruct + DeserializeOwned>(
        &self,
        owner: Address,
    ) -> Result<Vec<Owned<T>>, ChainError> {
        let tag = self.type_tag_of::<T>();
        let objects = self.list_owned(owner, &tag).await?;
        objects
            .iter()
            .map(|o| {
                Ok(Owned {
                    object_ref: o.object_ref(),
                    value: o.decode()?,
                })
            })
            .collect()
    }

    /// Every object of type `object_type` (no type parameters: all instantiations) owned by
    /// `owner`.
    pub async fn list_owned(
        &self,
        owner: Address,
        object_type: &StructTag,
    ) -> Result<Vec<MoveObject>, ChainError> {
        let request = proto::ListOwnedObjectsRequest::default()
            .with_owner(owner.to_string())
            .with_object_type(object_type.to_string())
            .with_page_size(500u32)
            .with_read_mask(FieldMask::from_paths(OBJECT_MASK));
        let mut stream = std::pin::pin!(self.rpc.list_owned_objects(request));
        let mut out = Vec::new();
        while let Some(object) = stream.next().await {
            out.push(MoveObject::from_proto(&object?)?);
        }
        Ok(out)
    }

    /// The owner's `Blob` objects.
    pub async fn owned_blobs(&self, owner: Address) -> Result<Vec<Owned<Blob>>, ChainError> {
        self.owned_objects(owner).await
    }

    /// The owner's `Storage` objects.
    pub async fn owned_storage(&self, owner: Address) -> Result<Vec<Owned<Storage>>, ChainError> {
        self.owned_objects(owner).await
    }

    /// The owner's `StakedWal` objects.
    pub async fn owned_staked_wal(
        &self,
        owner: Address,
    ) -> Result<Vec<Owned<StakedWal>>, ChainError> {
        self.owned_objects(owner).await
    }

    /// The owner's `StorageNodeCap` objects.
    pub async fn owned_node_caps(
        &self,
        owner: Address,
    ) -> Result<Vec<Owned<StorageNodeCap>>, ChainError> {
        self.owned_objects(owner).await
    }

    /// The total balance of `coin_type` (e.g. `0x2::sui::SUI`) owned by `owner`.
    pub async fn balance(&self, owner: Address, coin_type: &TypeTag) -> Result<u64, ChainError> {
        let mut request = proto::GetBalanceRequest::default();
        request.owner = Some(owner.to_string());
        request.coin_type = Some(coin_type.to_string());
        let response = self.rpc().state_client().get_balance(request).await?;
        Ok(response
            .into_inner()
            .balance
            .and_then(|b| b.balance)
            .unwrap_or(0))
    }

    /// The SUI balance of `owner`, in MIST.
    pub async fn sui_balance(&self, owner: Address) -> Result<u64, ChainError> {
        self.balance(owner, &Self::sui_type()).await
    }

    /// The WAL balance of `owner`, in FROST.
    pub async fn wal_balance(&self, owner: Address) -> Result<u64, ChainError> {
        self.balance(owner, &self.wal_type()).await
    }

    /// The reference gas price.
    pub async fn reference_gas_price(&self) -> Result<u64, ChainError> {
        Ok(self.rpc().get_reference_gas_price().await?)
    }

    /// Coins of `coin_type` owned by `owner`, largest first, until they cover `amount`.
    /// `Ok(None)` if the owner has less than `amount` in total.
    pub async fn select_coins(
        &self,
        owner: Address,
        coin_type: &TypeTag,
        amount: u64,
        exclude: &[Address],
    ) -> Result<Option<Vec<ObjectRef>>, ChainError> {
        match self
            .rpc
            .select_coins(&owner, coin_type, amount, exclude)
            .await
        {
            Ok(coins) => coins
                .iter()
                .map(|c| {
                    let id: Address = c
                        .object_id
                        .as_deref()
                        .unwrap_or_default()
                        .parse()
                        .map_err(|e| ChainError::Malformed(format!("coin id: {e}")))?;
                    let digest: Digest = c
                        .digest
                        .as_deref()
                        .unwrap_or_default()
                        .parse()
                        .map_err(|e| ChainError::Malformed(format!("coin digest: {e}")))?;
                    let version = c
                        .version
                        .ok_or_else(|| ChainError::Malformed("coin without version".into()))?;
                    Ok(ObjectRef::owned(id, version, digest))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Err(status) if status.code() == tonic::Code::FailedPrecondition => Ok(None),
            Err(status) => Err(status.into()),
        }
    }
}

/// The value of a dynamic field object: its contents are `UID ‖ BCS(key) ‖ BCS(value)`.
pub(crate) fn dynamic_field_value<V: DeserializeOwned>(
    object: &MoveObject,
    key_len: usize,
) -> Result<V, ChainError> {
    let is_field = object.type_.address() == &Address::TWO
        && object.type_.module().as_str() == "dynamic_field"
        && object.type_.name().as_str() == "Field";
    if !is_field {
        return Err(ChainError::UnexpectedObject {
            id: object.id,
            message: format!("expected a dynamic field, found a {}", object.type_),
        });
    }
    let bytes = object
        .contents
        .get(Address::LENGTH + key_len..)
        .ok_or_else(|| ChainError::UnexpectedObject {
            id: object.id,
            message: "dynamic field shorter than its key".into(),
        })?;
    bcs::from_bytes(bytes).map_err(|e| ChainError::UnexpectedObject {
        id: object.id,
        message: format!(
            "field value does not decode as {}: {e}",
            std::any::type_name::<V>()
        ),
    })
}

/// Joins the BLS committee (System) with the shard assignment (Staking).
pub fn committee_info(system: &SystemStateInnerV1, shards: &Committee) -> CommitteeInfo {
    let members = system
        .committee
        .members
        .iter()
        .map(|m| CommitteeMember {
            node_id: m.node_id,
            public_key: m.public_key.clone(),
            weight: m.weight,
            shards: shards.0.get(&m.node_id).cloned().unwrap_or_default(),
        })
        .collect();
    CommitteeInfo {
        epoch: system.committee.epoch,
        n_shards: system.committee.n_shards,
        members,
    }
}
