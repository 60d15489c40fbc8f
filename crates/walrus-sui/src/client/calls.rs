//! One async function per contract call. Each builds a PTB from the typed builders in
//! [`crate::calls`] with explicit object references (shared objects by initial shared version,
//! owned objects by their current reference, gas coins selected for the budget), signs it,
//! executes it, waits for the checkpoint and returns typed results.

use sui_sdk_types::{Address, StructTag};
use walrus_core::{BlobId, ObjectId, metadata::VerifiedBlobMetadataWithId};

use super::read::storage_units_from_size;
use super::{
    CLOCK_ID, ChainError, ObjectRef, Owned, PtbBuilder, TxOutcome, WalrusSuiClient, to_object_id,
};
use crate::calls::{self as c, Arg};
use crate::move_types::{MoveStruct, U256};
use crate::objects::{Blob, StakedWal, Storage, StorageNodeCap};

/// The parameters of a blob registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRegistration {
    /// The blob ID.
    pub blob_id: BlobId,
    /// The Merkle root over the sliver-pair metadata.
    pub root_hash: U256,
    /// The unencoded size in bytes.
    pub size: u64,
    /// The encoding type (RS2 = 1).
    pub encoding_type: u8,
    /// Whether the owner may delete the blob before it expires.
    pub deletable: bool,
}

impl BlobRegistration {
    /// The registration of the blob that `metadata` describes. Verified metadata only: its blob
    /// ID is the one derived from the root hash, size and encoding type registered here, so the
    /// chain cannot be handed an ID that does not match the registered root.
    pub fn from_metadata(metadata: &VerifiedBlobMetadataWithId, deletable: bool) -> Self {
        let inner = metadata.metadata();
        Self {
            blob_id: *metadata.blob_id(),
            root_hash: U256(*inner.compute_root_hash().bytes()),
            size: inner.unencoded_length(),
            encoding_type: inner.encoding_type().as_u8(),
            deletable,
        }
    }
}

/// An aggregated BLS certificate over a message, as the contracts take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The aggregate signature.
    pub signature: Vec<u8>,
    /// The signers bitmap (bit i = committee member i).
    pub signers_bitmap: Vec<u8>,
    /// The signed message.
    pub message: Vec<u8>,
}

/// The parameters of a storage-node candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRegistration {
    /// The node's name.
    pub name: String,
    /// `host:port` of its API.
    pub network_address: String,
    /// Its BLS public key (48 bytes).
    pub public_key: Vec<u8>,
    /// Its TLS/network public key.
    pub network_public_key: Vec<u8>,
    /// Proof of possession of the BLS key.
    pub proof_of_possession: Vec<u8>,
    /// Commission in basis points.
    pub commission_rate: u16,
    /// Storage price vote.
    pub storage_price: u64,
    /// Write price vote.
    pub write_price: u64,
    /// Capacity vote in bytes.
    pub node_capacity: u64,
}

fn obj(id: Address) -> Arg {
    Arg::Object(to_object_id(id))
}

impl WalrusSuiClient {
    fn package(&self) -> Address {
        self.config.walrus_package_id
    }

    fn system_arg(&self) -> Arg {
        obj(self.config.system_object_id)
    }

    fn staking_arg(&self) -> Arg {
        obj(self.config.staking_object_id)
    }

    async fn add_shared(&self, ptb: &mut PtbBuilder, id: Address) -> Result<(), ChainError> {
        let version = self.initial_shared_version(id).await?;
        ptb.add_object(ObjectRef::shared(id, version));
        Ok(())
    }

    async fn add_object(&self, ptb: &mut PtbBuilder, id: Address) -> Result<(), ChainError> {
        let object_ref = self.object_ref(id).await?;
        ptb.add_object(object_ref);
        Ok(())
    }

    /// Registers WAL coins of the sender covering `required` and merges them into one coin,
    /// returned as the payment argument. Fails with [`ChainError::InsufficientWal`].
    async fn wal_payment(&self, ptb: &mut PtbBuilder, required: u64) -> Result<Arg, ChainError> {
        let owner = self.address()?;
        let coins = self
            .select_coins(owner, &self.wal_type(), required.max(1), &[])
            .await?;
        let Some(coins) = coins.filter(|c| !c.is_empty()) else {
            return Err(ChainError::InsufficientWal {
                required,
                available: self.wal_balance(owner).await?,
            });
        };
        for coin in &coins {
            ptb.add_object(*coin);
        }
        let target = obj(coins[0].id);
        let rest: Vec<Arg> = coins[1..].iter().map(|c| obj(c.id)).collect();
        ptb.merge_coins(&target, &rest)?;
        Ok(target)
    }

    /// The write fee of a blob of `size` unencoded bytes and its encoded length, at the
    /// current prices and shard count.
    pub async fn write_cost(&self, size: u64) -> Result<(u64, u64), ChainError> {
        let state = self.system_state().await?;
        let encoded = encoded_length(size, state.committee.n_shards)?;
        let cost = state
            .write_price_per_unit_size
            .saturating_mul(storage_units_from_size(encoded));
        Ok((cost, encoded))
    }

    /// The price of `encoded_size` bytes for `epochs` epochs.
    pub async fn storage_cost(&self, encoded_size: u64, epochs: u32) -> Result<u64, ChainError> {
        let prices = self.prices().await?;
        Ok(prices
            .storage_price_per_unit_size
            .saturating_mul(storage_units_from_size(encoded_size))
            .saturating_mul(u64::from(epochs)))
    }

    async fn created<T: MoveStruct + serde::de::DeserializeOwned>(
        &self,
        outcome: &TxOutcome,
    ) -> Result<Owned<T>, ChainError> {
        let tag = self.type_tag_of::<T>();
        let id = written_of_type(outcome, &tag)?;
        self.get_typed(id).await
    }

    // === Storage and blobs ===

    /// Buys `storage_size` encoded bytes for the current and the next `epochs_ahead - 1`
    /// epochs; the new `Storage` goes to the sender.
    pub async fn reserve_space(
        &self,
        storage_size: u64,
        epochs_ahead: u32,
    ) -> Result<Owned<Storage>, ChainError> {
        let _tx = self.lock_transactions().await;
        let cost = self.storage_cost(storage_size, epochs_ahead).await?;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.system_object_id)
            .await?;
        let payment = self.wal_payment(&mut ptb, cost).await?;
        let storage = ptb.call(
            self.package(),
            &c::ReserveSpace {
                self_: self.system_arg(),
                storage_amount: storage_size,
                epochs_ahead,
                payment,
            },
        )?;
        ptb.transfer(&[storage], self.address()?)?;
        let outcome = self.execute_locked(ptb).await?;
        self.created(&outcome).await
    }

    /// Registers a blob with an owned `Storage`, paying the write fee; the `Blob` goes to the
    /// sender.
    pub async fn register_blob(
        &self,
        storage: Address,
        registration: &BlobRegistration,
    ) -> Result<Owned<Blob>, ChainError> {
        let _tx = self.lock_transactions().await;
        let (write_cost, _) = self.write_cost(registration.size).await?;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.system_object_id)
            .await?;
        self.add_object(&mut ptb, storage).await?;
        let payment = self.wal_payment(&mut ptb, write_cost).await?;
        let blob = self.register_call(&mut ptb, obj(storage), registration, payment)?;
        ptb.transfer(&[blob], self.address()?)?;
        let outcome = self.execute_locked(ptb).await?;
        self.created(&outcome).await
    }

    fn register_call(
        &self,
        ptb: &mut PtbBuilder,
        storage: Arg,
        registration: &BlobRegistration,
        payment: Arg,
    ) -> Result<Arg, ChainError> {
        ptb.call(
            self.package(),
            &c::RegisterBlob {
                self_: self.system_arg(),
                storage,
                blob_id: registration.blob_id,
                root_hash: registration.root_hash,
                size: registration.size,
                encoding_type: registration.encoding_type,
                deletable: registration.deletable,
                write_payment: payment,
            },
        )
    }

    /// Reserves exactly the blob's encoded size for `epochs_ahead` epochs and registers the
    /// blob, in one transaction.
    pub async fn reserve_and_register_blob(
        &self,
        epochs_ahead: u32,
        registration: &BlobRegistration,
    ) -> Result<Owned<Blob>, ChainError> {
        let _tx = self.lock_transactions().await;
        let (write_cost, encoded) = self.write_cost(registration.size).await?;
        let storage_cost = self.storage_cost(encoded, epochs_ahead).await?;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.system_object_id)
            .await?;
        let payment = self
            .wal_payment(&mut ptb, storage_cost.saturating_add(write_cost))
            .await?;
        let storage = ptb.call(
            self.package(),
            &c::ReserveSpace {
                self_: self.system_arg(),
                storage_amount: encoded,
                epochs_ahead,
                payment: payment.clone(),
            },
        )?;
        let blob = self.register_call(&mut ptb, storage, registration, payment)?;
        ptb.transfer(&[blob], self.address()?)?;
        let outcome = self.execute_locked(ptb).await?;
        self.created(&outcome).await
    }

    /// Certifies a blob with a committee certificate.
    pub async fn certify_blob(
        &self,
        blob: Address,
        certificate: &Certificate,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.system_object_id)
            .await?;
        self.add_object(&mut ptb, blob).await?;
        ptb.call(
            self.package(),
            &c::CertifyBlob {
                self_: self.system_arg(),
                blob: obj(blob),
                signature: certificate.signature.clone(),
                signers_bitmap: certificate.signers_bitmap.clone(),
                message: certificate.message.clone(),
            },
        )?;
        self.execute_locked(ptb).await
    }

    /// Extends a blob by `extended_epochs`, paying in WAL.
    pub async fn extend_blob(
        &self,
        blob: Address,
        extended_epochs: u32,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let current = self.blob(blob).await?;
        let cost = self
            .storage_cost(current.value.storage.storage_size, extended_epochs)
            .await?;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.system_object_id)
            .await?;
        ptb.add_object(current.object_ref);
        let payment = self.wal_payment(&mut ptb, cost).await?;
        ptb.call(
            self.package(),
            &c::ExtendBlob {
                self_: self.system_arg(),
                blob: obj(blob),
                extended_epochs,
                payment,
            },
        )?;
        self.execute_locked(ptb).await
    }

    /// Extends a blob with an owned `Storage` that continues its period.
    pub async fn extend_blob_with_resource(
        &self,
        blob: Address,
        storage: Address,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.system_object_id)
            .await?;
        self.add_object(&mut ptb, blob).await?;
        self.add_object(&mut ptb, storage).await?;
        ptb.call(
            self.package(),
            &c::ExtendBlobWithResource {
                self_: self.system_arg(),
                blob: obj(blob),
                extension: obj(storage),
            },
        )?;
        self.execute_locked(ptb).await
    }

    /// Deletes a deletable blob; its `Storage` goes back to the sender and is returned.
    pub async fn delete_blob(&self, blob: Address) -> Result<Owned<Storage>, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.system_object_id)
            .await?;
        self.add_object(&mut ptb, blob).await?;
        let storage = ptb.call(
            self.package(),
            &c::DeleteBlob {
                self_: self.system_arg(),
                blob: obj(blob),
            },
        )?;
        ptb.transfer(&[storage], self.address()?)?;
        let outcome = self.execute_locked(ptb).await?;
        self.created(&outcome).await
    }

    /// Destroys a blob object (expired, or deletable) without returning its storage.
    pub async fn burn_blob(&self, blob: Address) -> Result<TxOutcome, ChainError> {
        self.single_object_call(blob, |b| c::BurnBlob { self_: b })
            .await
    }

    /// Sets a blob attribute (`key = value`).
    pub async fn set_blob_attribute(
        &self,
        blob: Address,
        key: &str,
        value: &str,
    ) -> Result<TxOutcome, ChainError> {
        self.single_object_call(blob, |b| c::SetBlobAttribute {
            self_: b,
            key: key.to_owned(),
            value: value.to_owned(),
        })
        .await
    }

    /// Removes a blob attribute if present.
    pub async fn remove_blob_attribute(
        &self,
        blob: Address,
        key: &str,
    ) -> Result<TxOutcome, ChainError> {
        self.single_object_call(blob, |b| c::RemoveBlobAttribute {
            self_: b,
            key: key.to_owned(),
        })
        .await
    }

    /// Splits `split_size` bytes off a `Storage`; the new part goes to the sender.
    pub async fn split_storage_by_size(
        &self,
        storage: Address,
        split_size: u64,
    ) -> Result<Owned<Storage>, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_object(&mut ptb, storage).await?;
        let part = ptb.call(
            self.package(),
            &c::SplitBySize {
                self_: obj(storage),
                split_size,
            },
        )?;
        ptb.transfer(&[part], self.address()?)?;
        let outcome = self.execute_locked(ptb).await?;
        self.created(&outcome).await
    }

    /// Splits a `Storage` at `split_epoch`; the later part goes to the sender.
    pub async fn split_storage_by_epoch(
        &self,
        storage: Address,
        split_epoch: u32,
    ) -> Result<Owned<Storage>, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_object(&mut ptb, storage).await?;
        let part = ptb.call(
            self.package(),
            &c::SplitByEpoch {
                self_: obj(storage),
                split_epoch,
            },
        )?;
        ptb.transfer(&[part], self.address()?)?;
        let outcome = self.execute_locked(ptb).await?;
        self.created(&outcome).await
    }

    /// Fuses `other` into `storage` (adjacent periods or same period).
    pub async fn fuse_storage(
        &self,
        storage: Address,
        other: Address,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_object(&mut ptb, storage).await?;
        self.add_object(&mut ptb, other).await?;
        ptb.call(
            self.package(),
            &c::Fuse {
                self_: obj(storage),
                other: obj(other),
            },
        )?;
        self.execute_locked(ptb).await
    }

    /// Shares a blob (without funds); returns the `SharedBlob`'s ID.
    pub async fn share_blob(&self, blob: Address) -> Result<Address, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_object(&mut ptb, blob).await?;
        ptb.call(self.package(), &c::ShareBlob { blob: obj(blob) })?;
        let outcome = self.execute_locked(ptb).await?;
        written_of_type(&outcome, &self.type_tag_of::<crate::objects::SharedBlob>())
    }

    /// Transfers any owned object (a `Blob`, `Storage`, `StakedWal`, coin…) to `recipient`.
    pub async fn transfer_object(
        &self,
        object: Address,
        recipient: Address,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_object(&mut ptb, object).await?;
        ptb.transfer(&[obj(object)], recipient)?;
        self.execute_locked(ptb).await
    }

    /// Transfers a blob.
    pub async fn transfer_blob(
        &self,
        blob: Address,
        recipient: Address,
    ) -> Result<TxOutcome, ChainError> {
        self.transfer_object(blob, recipient).await
    }

    /// Transfers a storage resource.
    pub async fn transfer_storage(
        &self,
        storage: Address,
        recipient: Address,
    ) -> Result<TxOutcome, ChainError> {
        self.transfer_object(storage, recipient).await
    }

    /// Sends `amount` MIST of SUI (split off the gas coin) to `recipient`.
    pub async fn transfer_sui(
        &self,
        recipient: Address,
        amount: u64,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        let coin = ptb.split_gas(amount);
        ptb.transfer(&[nested(coin)], recipient)?;
        self.execute_locked(ptb).await
    }

    /// Sends `amount` FROST of WAL to `recipient`.
    pub async fn transfer_wal(
        &self,
        recipient: Address,
        amount: u64,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        let payment = self.wal_payment(&mut ptb, amount).await?;
        let coin = ptb.split_coin(&payment, &[amount])?;
        ptb.transfer(&[nested(coin)], recipient)?;
        self.execute_locked(ptb).await
    }

    /// Burns `amount` FROST of the sender's WAL (`wal::burn`), reducing the total supply; needs
    /// `wal_treasury_id` in the configuration.
    pub async fn burn_wal(&self, amount: u64) -> Result<TxOutcome, ChainError> {
        let treasury = self.wal_treasury_id()?;
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, treasury).await?;
        let payment = self.wal_payment(&mut ptb, amount).await?;
        let coin = ptb.split_coin(&payment, &[amount])?;
        ptb.call(
            self.config.wal_package_id,
            &c::WalBurn {
                treasury: obj(treasury),
                coin: nested(coin),
            },
        )?;
        self.execute_locked(ptb).await
    }

    /// Adds `amount` FROST of subsidies for the next `epochs_ahead` epochs.
    pub async fn add_subsidy(
        &self,
        amount: u64,
        epochs_ahead: u32,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.system_object_id)
            .await?;
        let payment = self.wal_payment(&mut ptb, amount).await?;
        let coin = ptb.split_coin(&payment, &[amount])?;
        ptb.call(
            self.package(),
            &c::AddSubsidy {
                self_: self.system_arg(),
                subsidy: nested(coin),
                epochs_ahead,
            },
        )?;
        self.execute_locked(ptb).await
    }

    /// Declares a blob ID invalid with a committee certificate.
    pub async fn invalidate_blob_id(
        &self,
        certificate: &Certificate,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.system_object_id)
            .await?;
        ptb.call(
            self.package(),
            &c::InvalidateBlobId {
                self_: self.system_arg(),
                signature: certificate.signature.clone(),
                members_bitmap: certificate.signers_bitmap.clone(),
                message: certificate.message.clone(),
            },
        )?;
        self.execute_locked(ptb).await
    }

    /// Submits a storage-challenge verdict certificate: `certificate.message` must be the BCS
    /// bytes of a `ChallengeVerdictMsg` (epoch, target node, passed) signed by a quorum of the
    /// current committee that excludes the target.
    pub async fn submit_challenge_verdict(
        &self,
        certificate: &Certificate,
    ) -> Result<TxOutcome, ChainError> {
        let message = walrus_core::messages::ChallengeVerdictMsg::from_bcs(&certificate.message)
            .map_err(|e| ChainError::Build(format!("not a challenge verdict message: {e}")))?;
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.system_object_id)
            .await?;
        ptb.call(
            self.package(),
            &c::SubmitChallengeVerdict {
                self_: self.system_arg(),
                epoch: message.epoch(),
                target: message.target(),
                passed: message.passed(),
                signature: certificate.signature.clone(),
                signers_bitmap: certificate.signers_bitmap.clone(),
            },
        )?;
        self.execute_locked(ptb).await
    }

    async fn single_object_call<C: c::MoveCall>(
        &self,
        object: Address,
        call: impl FnOnce(Arg) -> C,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_object(&mut ptb, object).await?;
        ptb.call(self.package(), &call(obj(object)))?;
        self.execute_locked(ptb).await
    }

    // === Staking ===

    /// Stakes `amount` FROST with the pool of `node_id`; the `StakedWal` goes to the sender.
    pub async fn stake_with_pool(
        &self,
        node_id: ObjectId,
        amount: u64,
    ) -> Result<Owned<StakedWal>, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.staking_object_id)
            .await?;
        let payment = self.wal_payment(&mut ptb, amount).await?;
        let coin = ptb.split_coin(&payment, &[amount])?;
        let staked = ptb.call(
            self.package(),
            &c::StakeWithPool {
                self_: self.staking_arg(),
                to_stake: nested(coin),
                node_id,
            },
        )?;
        ptb.transfer(&[staked], self.address()?)?;
        let outcome = self.execute_locked(ptb).await?;
        self.created(&outcome).await
    }

    /// Requests the withdrawal of a stake.
    pub async fn request_withdraw_stake(
        &self,
        staked_wal: Address,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.staking_object_id)
            .await?;
        self.add_object(&mut ptb, staked_wal).await?;
        ptb.call(
            self.package(),
            &c::RequestWithdrawStake {
                self_: self.staking_arg(),
                staked_wal: obj(staked_wal),
            },
        )?;
        self.execute_locked(ptb).await
    }

    /// Withdraws a stake with its rewards; the WAL goes to the sender. A slashed shortfall goes to
    /// the slashing fund in the `System`.
    pub async fn withdraw_stake(&self, staked_wal: Address) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.staking_object_id)
            .await?;
        self.add_shared(&mut ptb, self.config.system_object_id)
            .await?;
        self.add_object(&mut ptb, staked_wal).await?;
        let coin = ptb.call(
            self.package(),
            &c::WithdrawStake {
                self_: self.staking_arg(),
                system: self.system_arg(),
                staked_wal: obj(staked_wal),
            },
        )?;
        ptb.transfer(&[coin], self.address()?)?;
        self.execute_locked(ptb).await
    }

    /// Registers a storage-node candidate; the `StorageNodeCap` goes to the sender.
    pub async fn register_candidate(
        &self,
        node: &NodeRegistration,
    ) -> Result<Owned<StorageNodeCap>, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.staking_object_id)
            .await?;
        let cap = ptb.call(
            self.package(),
            &c::RegisterCandidate {
                self_: self.staking_arg(),
                name: node.name.clone(),
                network_address: node.network_address.clone(),
                public_key: node.public_key.clone(),
                network_public_key: node.network_public_key.clone(),
                proof_of_possession: node.proof_of_possession.clone(),
                commission_rate: node.commission_rate,
                storage_price: node.storage_price,
                write_price: node.write_price,
                node_capacity: node.node_capacity,
            },
        )?;
        ptb.transfer(&[cap], self.address()?)?;
        let outcome = self.execute_locked(ptb).await?;
        self.created(&outcome).await
    }

    async fn cap_call<C: c::MoveCall>(
        &self,
        cap: Address,
        call: impl FnOnce(Arg, Arg) -> C,
        returns_coin: bool,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.staking_object_id)
            .await?;
        self.add_object(&mut ptb, cap).await?;
        let result = ptb.call(self.package(), &call(self.staking_arg(), obj(cap)))?;
        if returns_coin {
            ptb.transfer(&[result], self.address()?)?;
        }
        self.execute_locked(ptb).await
    }

    /// Sets the node's commission rate for a future epoch.
    pub async fn set_next_commission(
        &self,
        cap: Address,
        rate: u16,
    ) -> Result<TxOutcome, ChainError> {
        self.cap_call(
            cap,
            |s, cap| c::SetNextCommission {
                self_: s,
                cap,
                commission_rate: rate,
            },
            false,
        )
        .await
    }

    /// Votes a storage price.
    pub async fn set_storage_price_vote(
        &self,
        cap: Address,
        price: u64,
    ) -> Result<TxOutcome, ChainError> {
        self.cap_call(
            cap,
            |s, cap| c::SetStoragePriceVote {
                self_: s,
                cap,
                storage_price: price,
            },
            false,
        )
        .await
    }

    /// Votes a write price.
    pub async fn set_write_price_vote(
        &self,
        cap: Address,
        price: u64,
    ) -> Result<TxOutcome, ChainError> {
        self.cap_call(
            cap,
            |s, cap| c::SetWritePriceVote {
                self_: s,
                cap,
                write_price: price,
            },
            false,
        )
        .await
    }

    /// Votes a node capacity.
    pub async fn set_node_capacity_vote(
        &self,
        cap: Address,
        capacity: u64,
    ) -> Result<TxOutcome, ChainError> {
        self.cap_call(
            cap,
            |s, cap| c::SetNodeCapacityVote {
                self_: s,
                cap,
                node_capacity: capacity,
            },
            false,
        )
        .await
    }

    /// Votes the fraction of a failing node's pool to slash, in basis points (at most 10_000);
    /// the committee's votes set it at each epoch change.
    pub async fn set_slash_bps_vote(
        &self,
        cap: Address,
        slash_bps: u16,
    ) -> Result<TxOutcome, ChainError> {
        self.cap_call(
            cap,
            |s, cap| c::SetSlashBpsVote {
                self_: s,
                cap,
                slash_bps,
            },
            false,
        )
        .await
    }

    /// Renames the node.
    pub async fn set_node_name(&self, cap: Address, name: &str) -> Result<TxOutcome, ChainError> {
        self.cap_call(
            cap,
            |s, cap| c::SetName {
                self_: s,
                cap,
                name: name.to_owned(),
            },
            false,
        )
        .await
    }

    /// Changes the node's network address.
    pub async fn set_network_address(
        &self,
        cap: Address,
        address: &str,
    ) -> Result<TxOutcome, ChainError> {
        self.cap_call(
            cap,
            |s, cap| c::SetNetworkAddress {
                self_: s,
                cap,
                network_address: address.to_owned(),
            },
            false,
        )
        .await
    }

    /// Changes the node's network public key.
    pub async fn set_network_public_key(
        &self,
        cap: Address,
        key: &[u8],
    ) -> Result<TxOutcome, ChainError> {
        self.cap_call(
            cap,
            |s, cap| c::SetNetworkPublicKey {
                self_: s,
                cap,
                network_public_key: key.to_vec(),
            },
            false,
        )
        .await
    }

    /// Collects the node's commission; the WAL goes to the sender.
    pub async fn collect_commission(&self, cap: Address) -> Result<TxOutcome, ChainError> {
        self.cap_call(cap, |s, cap| c::CollectCommission { self_: s, cap }, true)
            .await
    }

    /// Retires the node.
    pub async fn retire_node(&self, cap: Address) -> Result<TxOutcome, ChainError> {
        self.cap_call(cap, |s, cap| c::RetireNode { self_: s, cap }, false)
            .await
    }

    /// Tries to join the active set with the node's current stake.
    pub async fn try_join_active_set(&self, cap: Address) -> Result<TxOutcome, ChainError> {
        self.cap_call(cap, |s, cap| c::TryJoinActiveSet { self_: s, cap }, false)
            .await
    }

    // === Epoch change ===

    /// Ends the voting period: selects the next committee and parameters.
    pub async fn voting_end(&self) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.staking_object_id)
            .await?;
        self.add_shared(&mut ptb, CLOCK_ID).await?;
        ptb.call(
            self.package(),
            &c::VotingEnd {
                self_: self.staking_arg(),
                clock: obj(CLOCK_ID),
            },
        )?;
        self.execute_locked(ptb).await
    }

    /// Starts the next epoch.
    pub async fn initiate_epoch_change(&self) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.staking_object_id)
            .await?;
        self.add_shared(&mut ptb, self.config.system_object_id)
            .await?;
        self.add_shared(&mut ptb, CLOCK_ID).await?;
        ptb.call(
            self.package(),
            &c::InitiateEpochChange {
                self_: self.staking_arg(),
                system: self.system_arg(),
                clock: obj(CLOCK_ID),
            },
        )?;
        self.execute_locked(ptb).await
    }

    /// Reports that the node of `cap` finished syncing its shards for `epoch`.
    pub async fn epoch_sync_done(&self, cap: Address, epoch: u32) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_shared(&mut ptb, self.config.staking_object_id)
            .await?;
        self.add_shared(&mut ptb, CLOCK_ID).await?;
        self.add_object(&mut ptb, cap).await?;
        ptb.call(
            self.package(),
            &c::EpochSyncDone {
                self_: self.staking_arg(),
                cap: obj(cap),
                epoch,
                clock: obj(CLOCK_ID),
            },
        )?;
        self.execute_locked(ptb).await
    }

    /// Runs genesis with the `InitCap` (only for a fresh deployment).
    pub async fn initialize_walrus(
        &self,
        init_cap: Address,
        epoch_zero_duration: u64,
        epoch_duration: u64,
        n_shards: u16,
        max_epochs_ahead: u32,
    ) -> Result<TxOutcome, ChainError> {
        let _tx = self.lock_transactions().await;
        let mut ptb = PtbBuilder::new();
        self.add_object(&mut ptb, init_cap).await?;
        self.add_shared(&mut ptb, CLOCK_ID).await?;
        ptb.call(
            self.package(),
            &c::InitializeWalrus {
                init_cap: obj(init_cap),
                epoch_zero_duration,
                epoch_duration,
                n_shards,
                max_epochs_ahead,
                clock: obj(CLOCK_ID),
            },
        )?;
        self.execute_locked(ptb).await
    }
}

/// The first part of a split (`SplitCoins` returns one value per amount).
fn nested(split: Arg) -> Arg {
    match split {
        Arg::Result(i) => Arg::NestedResult(i, 0),
        other => other,
    }
}

/// The one object of type `tag` written (created or unwrapped) by a transaction.
fn written_of_type(outcome: &TxOutcome, tag: &StructTag) -> Result<Address, ChainError> {
    if let Ok(id) = outcome.single_created(tag) {
        return Ok(id);
    }
    let unwrapped: Vec<Address> = outcome
        .mutated
        .iter()
        .filter(|o| o.has_type(tag))
        .map(|o| o.id)
        .collect();
    match unwrapped.as_slice() {
        [id] => Ok(*id),
        _ => Err(ChainError::Malformed(format!(
            "transaction {} wrote no single object of type {tag}",
            outcome.digest
        ))),
    }
}

/// The encoded length of a blob of `size` bytes with `n_shards` shards.
pub fn encoded_length(size: u64, n_shards: u16) -> Result<u64, ChainError> {
    walrus_core::encoding::EncodingConfig::new(n_shards)
        .and_then(|config| config.encoded_blob_length(size))
        .map_err(|e| ChainError::InvalidArgument(format!("cannot encode {size} bytes: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly by design.

    use walrus_core::{
        encoding::{EncodingConfig, encode_with_metadata},
        merkle::Node,
        metadata::EncodingType,
    };

    use super::*;

    #[test]
    fn registration_fields_derive_the_blob_id() {
        let data: Vec<u8> = (0..3_000u32).map(|i| (i % 251) as u8).collect();
        let encoded = encode_with_metadata(&EncodingConfig::new(10).unwrap(), &data).unwrap();
        let registration = BlobRegistration::from_metadata(&encoded.metadata, true);
        assert!(registration.deletable);
        assert_eq!(registration.size, 3_000);
        let derived = BlobId::from_root_hash(
            EncodingType::try_from(registration.encoding_type).unwrap(),
            registration.size,
            &Node::Digest(registration.root_hash.0),
        );
        assert_eq!(derived, *encoded.blob_id());
        assert!(!BlobRegistration::from_metadata(&encoded.metadata, false).deletable);
    }
}
