//! [`WalrusClient`]: the entry point of the SDK. Chain-only operations (system info, blob
//! objects, extend, transfer, delete, attributes, staking) live here; storing and reading are in
//! [`crate::store`] and [`crate::read`].

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sui_sdk_types::Address;
use walrus_core::{BlobId, BlsPublicKey, ObjectId, ShardIndex};
use walrus_node_api::NodeClient;
use walrus_sui::client::{Owned, WalrusSuiClient, to_address, to_object_id};
use walrus_sui::objects::{Blob, StakedWal, StakedWalState, Storage};
use walrus_sui::wallet::Keystore;

use crate::committee::{Committee, Member, node_url};
use crate::config::ClientConfig;
use crate::error::{SdkError, SdkResult};

/// The Walrus client: a chain client (with an optional wallet) plus HTTP clients for the
/// storage nodes of the current committee. Cheap to clone.
#[derive(Debug, Clone)]
pub struct WalrusClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    sui: WalrusSuiClient,
    config: ClientConfig,
    http: reqwest::Client,
    committee: tokio::sync::Mutex<Option<Arc<Committee>>>,
}

/// A `Storage` resource as shown to users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageInfo {
    /// The object ID.
    #[serde(serialize_with = "ser_display")]
    pub id: ObjectId,
    /// First epoch.
    pub start_epoch: u32,
    /// End epoch (exclusive).
    pub end_epoch: u32,
    /// Encoded bytes.
    pub storage_size: u64,
}

impl From<&Storage> for StorageInfo {
    fn from(storage: &Storage) -> Self {
        Self {
            id: storage.id.id,
            start_epoch: storage.start_epoch,
            end_epoch: storage.end_epoch,
            storage_size: storage.storage_size,
        }
    }
}

/// A `Blob` object as shown to users (the reference's JSON field names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobObjectInfo {
    /// The object ID.
    #[serde(serialize_with = "ser_display")]
    pub id: ObjectId,
    /// The epoch of registration.
    pub registered_epoch: u32,
    /// The blob ID.
    #[serde(serialize_with = "ser_display")]
    pub blob_id: BlobId,
    /// Unencoded size.
    pub size: u64,
    /// `RS2`.
    pub encoding_type: String,
    /// The epoch of certification, if certified.
    pub certified_epoch: Option<u32>,
    /// The storage backing it.
    pub storage: StorageInfo,
    /// Whether the owner may delete it.
    pub deletable: bool,
}

impl From<&Blob> for BlobObjectInfo {
    fn from(blob: &Blob) -> Self {
        Self {
            id: blob.id.id,
            registered_epoch: blob.registered_epoch,
            blob_id: blob.blob_id,
            size: blob.size,
            encoding_type: walrus_core::metadata::EncodingType::try_from(blob.encoding_type)
                .map(|t| t.to_string())
                .unwrap_or_else(|_| format!("unknown({})", blob.encoding_type)),
            certified_epoch: blob.certified_epoch,
            storage: StorageInfo::from(&blob.storage),
            deletable: blob.deletable,
        }
    }
}

/// One committee member in [`SystemInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberInfo {
    /// The node ID.
    #[serde(serialize_with = "ser_display")]
    pub node_id: ObjectId,
    /// Its name.
    pub name: String,
    /// Its network address.
    pub network_address: String,
    /// Its shard count.
    pub n_shards: u16,
}

/// The system's state: epoch, committee, prices and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemInfo {
    /// The current epoch.
    pub epoch: u32,
    /// The number of shards.
    pub n_shards: u16,
    /// The epoch duration in milliseconds.
    pub epoch_duration_ms: u64,
    /// Storage price per MiB unit and epoch, in FROST.
    pub storage_price_per_unit_size: u64,
    /// Write price per MiB unit, in FROST.
    pub write_price_per_unit_size: u64,
    /// Total capacity in bytes.
    pub total_capacity_size: u64,
    /// Used capacity in bytes.
    pub used_capacity_size: u64,
    /// The largest blob for this shard count.
    pub max_blob_size: u64,
    /// The committee members.
    pub members: Vec<MemberInfo>,
}

/// A stake as shown to users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StakeInfo {
    /// The `StakedWal` object.
    #[serde(serialize_with = "ser_display")]
    pub id: ObjectId,
    /// The pool's node.
    #[serde(serialize_with = "ser_display")]
    pub node_id: ObjectId,
    /// The principal in FROST.
    pub principal: u64,
    /// The epoch from which it counts.
    pub activation_epoch: u32,
    /// `staked` or `withdrawing`.
    pub state: String,
    /// For a withdrawing stake, the first epoch it no longer counts (withdrawable from then).
    pub withdraw_epoch: Option<u32>,
    /// The stake's estimated value with rewards, from the pool's exchange rates (None if the
    /// rates are not available).
    pub estimated_value: Option<u64>,
}

/// The chain's storage-challenge record, as shown to users (`walrus challenges`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengesInfo {
    /// The current epoch.
    pub epoch: u32,
    /// The number of recent epochs kept per node.
    pub window: u32,
    /// Consecutive failing epochs that slash a node's pool.
    pub slash_after_failures: u32,
    /// The share of a slashed pool's active WAL taken, in basis points.
    pub slash_bps: u16,
    /// The FROST slashed from all pools so far.
    pub total_slashed: u64,
    /// The FROST in the slashing fund: the slashed part of the stakes withdrawn so far.
    pub slashed_fund: u64,
    /// The nodes, in node-ID order.
    pub nodes: Vec<NodeChallengeInfo>,
}

/// One node's storage-challenge standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeChallengeInfo {
    /// The node.
    #[serde(serialize_with = "ser_display")]
    pub node_id: ObjectId,
    /// Whether it is in the current committee.
    pub in_committee: bool,
    /// The verdict recorded in the current epoch so far: `pass`, `fail` or `none`.
    pub current_verdict: &'static str,
    /// The outcomes of the recent settled epochs, oldest first: `pass`, `fail` or `none` (no
    /// verdict, which counts as a pass). Empty if the node never had a verdict.
    pub recent: Vec<&'static str>,
    /// Failing epochs among `recent`.
    pub failures_in_window: u32,
    /// The current streak of consecutive failing epochs (a slash restarts it at zero).
    pub consecutive_failures: u32,
}

fn outcome_name(outcome: walrus_sui::objects::ChallengeOutcome) -> &'static str {
    use walrus_sui::objects::ChallengeOutcome;
    match outcome {
        ChallengeOutcome::NoVerdict => "none",
        ChallengeOutcome::Pass => "pass",
        ChallengeOutcome::Fail => "fail",
    }
}

/// What `withdraw` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum WithdrawStep {
    /// The withdrawal was requested; the WAL can be withdrawn from `withdraw_epoch`.
    #[serde(rename_all = "camelCase")]
    Requested {
        /// The epoch from which the stake can be withdrawn.
        withdraw_epoch: Option<u32>,
    },
    /// The stake was withdrawn; this many FROST went to the wallet.
    Withdrawn {
        /// WAL received (principal and rewards), in FROST.
        amount: u64,
    },
}

impl WalrusClient {
    /// Connects to the chain with `config`, loading the wallet (the first key of
    /// `wallet_path`) if the config names one. Must be called inside a Tokio runtime.
    pub fn from_config(config: ClientConfig) -> SdkResult<Self> {
        let mut sui = WalrusSuiClient::new(config.sui.clone())?;
        if let Some(path) = &config.sui.wallet_path {
            let keystore = Keystore::load(path)?;
            let wallet = keystore.first().cloned().ok_or_else(|| {
                SdkError::Config(format!("keystore {} holds no key", path.display()))
            })?;
            sui = sui.with_wallet(wallet);
        }
        Self::with_sui_client(sui, config)
    }

    /// Wraps an existing chain client (with or without a wallet).
    pub fn with_sui_client(sui: WalrusSuiClient, config: ClientConfig) -> SdkResult<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(
                config.communication.connect_timeout_ms,
            ))
            .timeout(config.communication.request_timeout())
            .pool_idle_timeout(None)
            .build()
            .map_err(|e| SdkError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                sui,
                config,
                http,
                committee: tokio::sync::Mutex::new(None),
            }),
        })
    }

    /// The chain client.
    pub fn sui(&self) -> &WalrusSuiClient {
        &self.inner.sui
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The wallet's address.
    pub fn address(&self) -> SdkResult<Address> {
        Ok(self.inner.sui.address()?)
    }

    /// The current committee with node clients; cached until the epoch changes.
    pub async fn committee(&self) -> SdkResult<Arc<Committee>> {
        let info = self.inner.sui.committee().await?;
        let mut cache = self.inner.committee.lock().await;
        if let Some(cached) = cache.as_ref()
            && cached.epoch == info.epoch
            && cached.members.len() == info.members.len()
            && cached
                .members
                .iter()
                .zip(&info.members)
                .all(|(a, b)| a.node_id == b.node_id && a.weight == b.weight)
        {
            return Ok(cached.clone());
        }
        let pools = futures::future::join_all(
            info.members
                .iter()
                .map(|m| self.inner.sui.staking_pool(m.node_id)),
        )
        .await;
        let communication = &self.inner.config.communication;
        let scheme = &communication.node_scheme;
        let mut members = Vec::with_capacity(info.members.len());
        for (index, (member, pool)) in info.members.iter().zip(pools).enumerate() {
            let pool = pool?;
            let url = node_url(&pool.node_info.network_address, scheme);
            let (client, client_error) = match NodeClient::for_member(
                &self.inner.http,
                &url,
                &pool.node_info.network_public_key,
                Duration::from_millis(communication.connect_timeout_ms),
                communication.request_timeout(),
            ) {
                Ok(client) => (Some(client), None),
                Err(e) => (None, Some(e.to_string())),
            };
            members.push(Member {
                index: u16::try_from(index)
                    .map_err(|_| SdkError::InvalidArgument("committee too large".into()))?,
                node_id: member.node_id,
                name: pool.node_info.name.clone(),
                network_address: pool.node_info.network_address.clone(),
                public_key: BlsPublicKey::from_bytes(&member.public_key.bytes).ok(),
                weight: member.weight,
                shards: member.shards.iter().map(|&s| ShardIndex(s)).collect(),
                client,
                client_error,
            });
        }
        let committee = Arc::new(Committee {
            epoch: info.epoch,
            n_shards: info.n_shards,
            members,
        });
        *cache = Some(committee.clone());
        Ok(committee)
    }

    /// Epoch, committee, prices and limits.
    pub async fn system_info(&self) -> SdkResult<SystemInfo> {
        let (state, staking) = futures::try_join!(
            self.inner.sui.system_state(),
            self.inner.sui.staking_state()
        )?;
        let committee = self.committee().await?;
        let max_blob_size =
            walrus_core::encoding::EncodingConfig::new(state.committee.n_shards)?.max_blob_size();
        Ok(SystemInfo {
            epoch: state.committee.epoch,
            n_shards: state.committee.n_shards,
            epoch_duration_ms: staking.epoch_duration,
            storage_price_per_unit_size: state.storage_price_per_unit_size,
            write_price_per_unit_size: state.write_price_per_unit_size,
            total_capacity_size: state.total_capacity_size,
            used_capacity_size: state.used_capacity_size,
            max_blob_size,
            members: committee
                .members
                .iter()
                .map(|m| MemberInfo {
                    node_id: m.node_id,
                    name: m.name.clone(),
                    network_address: m.network_address.clone(),
                    n_shards: m.weight,
                })
                .collect(),
        })
    }

    // === Blob objects ===

    /// A `Blob` object by ID.
    pub async fn blob_object(&self, object_id: ObjectId) -> SdkResult<Owned<Blob>> {
        self.inner
            .sui
            .blob(to_address(object_id))
            .await
            .map_err(|e| not_found_as(e, || format!("no Blob object {object_id}")))
    }

    /// The wallet's `Blob` objects; expired ones only with `include_expired`.
    pub async fn list_blobs(&self, include_expired: bool) -> SdkResult<Vec<BlobObjectInfo>> {
        let owner = self.address()?;
        let epoch = self.inner.sui.current_epoch().await?;
        let mut blobs: Vec<BlobObjectInfo> = self
            .inner
            .sui
            .owned_blobs(owner)
            .await?
            .iter()
            .filter(|b| include_expired || b.value.storage.end_epoch > epoch)
            .map(|b| BlobObjectInfo::from(&b.value))
            .collect();
        blobs.sort_by_key(|b| (b.registered_epoch, b.id.0));
        Ok(blobs)
    }

    /// The wallet's `Storage` resources.
    pub async fn list_storage(&self) -> SdkResult<Vec<StorageInfo>> {
        let owner = self.address()?;
        let mut storage: Vec<StorageInfo> = self
            .inner
            .sui
            .owned_storage(owner)
            .await?
            .iter()
            .map(|s| StorageInfo::from(&s.value))
            .collect();
        storage.sort_by_key(|s| (s.start_epoch, s.id.0));
        Ok(storage)
    }

    /// The wallet's `Blob` objects holding `blob_id`.
    pub async fn owned_blobs_with_id(&self, blob_id: &BlobId) -> SdkResult<Vec<Owned<Blob>>> {
        let owner = self.address()?;
        Ok(self
            .inner
            .sui
            .owned_blobs(owner)
            .await?
            .into_iter()
            .filter(|b| b.value.blob_id == *blob_id)
            .collect())
    }

    /// Extends a blob by `epochs` epochs, paying in WAL; returns the updated object.
    pub async fn extend_blob(&self, object_id: ObjectId, epochs: u32) -> SdkResult<BlobObjectInfo> {
        if epochs == 0 {
            return Err(SdkError::InvalidArgument(
                "extend by at least one epoch".into(),
            ));
        }
        let blob = self.blob_object(object_id).await?;
        if blob.value.certified_epoch.is_none() {
            return Err(SdkError::InvalidArgument(format!(
                "blob object {object_id} is not certified; only certified blobs can be extended"
            )));
        }
        self.inner
            .sui
            .extend_blob(to_address(object_id), epochs)
            .await?;
        Ok(BlobObjectInfo::from(
            &self.blob_object(object_id).await?.value,
        ))
    }

    /// Transfers an owned object (a `Blob`, a `Storage`, a `StakedWal`) to `recipient`.
    pub async fn transfer(&self, object_id: ObjectId, recipient: Address) -> SdkResult<()> {
        self.inner
            .sui
            .transfer_object(to_address(object_id), recipient)
            .await
            .map_err(|e| not_found_as(e, || format!("no object {object_id}")))?;
        Ok(())
    }

    /// Deletes a deletable blob; its storage returns to the wallet and is returned.
    pub async fn delete_blob(&self, object_id: ObjectId) -> SdkResult<StorageInfo> {
        let blob = self.blob_object(object_id).await?;
        if !blob.value.deletable {
            return Err(SdkError::InvalidArgument(format!(
                "blob object {object_id} is permanent and cannot be deleted"
            )));
        }
        let storage = self.inner.sui.delete_blob(to_address(object_id)).await?;
        Ok(StorageInfo::from(&storage.value))
    }

    /// Sets attribute `key = value` on a blob.
    pub async fn set_attribute(
        &self,
        object_id: ObjectId,
        key: &str,
        value: &str,
    ) -> SdkResult<()> {
        self.inner
            .sui
            .set_blob_attribute(to_address(object_id), key, value)
            .await
            .map_err(|e| not_found_as(e, || format!("no Blob object {object_id}")))?;
        Ok(())
    }

    /// Removes attribute `key` from a blob.
    pub async fn remove_attribute(&self, object_id: ObjectId, key: &str) -> SdkResult<()> {
        self.inner
            .sui
            .remove_blob_attribute(to_address(object_id), key)
            .await
            .map_err(|e| not_found_as(e, || format!("no Blob object {object_id}")))?;
        Ok(())
    }

    /// A blob's attributes, in insertion order (empty if it has none).
    pub async fn attributes(&self, object_id: ObjectId) -> SdkResult<Vec<(String, String)>> {
        // Fail clearly on a missing object before looking for its dynamic field.
        self.blob_object(object_id).await?;
        let metadata = self
            .inner
            .sui
            .blob_attributes(to_address(object_id))
            .await?;
        Ok(metadata
            .map(|m| {
                m.metadata
                    .contents
                    .into_iter()
                    .map(|e| (e.key, e.value))
                    .collect()
            })
            .unwrap_or_default())
    }

    // === Staking ===

    /// Stakes `amount` FROST with the pool of `node_id`.
    pub async fn stake(&self, node_id: ObjectId, amount: u64) -> SdkResult<StakeInfo> {
        if amount == 0 {
            return Err(SdkError::InvalidArgument("stake a positive amount".into()));
        }
        let staked = self.inner.sui.stake_with_pool(node_id, amount).await?;
        Ok(self.stake_info(&staked.value).await)
    }

    /// Withdraws a stake: requests the withdrawal if it is staked, or withdraws it (principal and
    /// rewards) once its withdrawal epoch has come.
    pub async fn withdraw(&self, staked_wal: ObjectId) -> SdkResult<WithdrawStep> {
        let address = to_address(staked_wal);
        let staked = self
            .inner
            .sui
            .get_typed::<StakedWal>(address)
            .await
            .map_err(|e| not_found_as(e, || format!("no StakedWal object {staked_wal}")))?;
        match staked.value.state {
            StakedWalState::Staked => {
                let epoch = self.inner.sui.current_epoch().await?;
                // A stake that is not active yet is withdrawn at once by the contract.
                if staked.value.activation_epoch > epoch {
                    return self.withdraw_now(address).await;
                }
                self.inner.sui.request_withdraw_stake(address).await?;
                let after = self.inner.sui.get_typed::<StakedWal>(address).await;
                let withdraw_epoch = match after.map(|s| s.value.state) {
                    Ok(StakedWalState::Withdrawing { withdraw_epoch }) => Some(withdraw_epoch),
                    _ => None,
                };
                Ok(WithdrawStep::Requested { withdraw_epoch })
            }
            StakedWalState::Withdrawing { withdraw_epoch } => {
                let epoch = self.inner.sui.current_epoch().await?;
                if epoch < withdraw_epoch {
                    return Err(SdkError::InvalidArgument(format!(
                        "stake {staked_wal} can be withdrawn from epoch {withdraw_epoch} \
                         (now {epoch})"
                    )));
                }
                self.withdraw_now(address).await
            }
        }
    }

    async fn withdraw_now(&self, address: Address) -> SdkResult<WithdrawStep> {
        let owner = self.address()?;
        let before = self.inner.sui.wal_balance(owner).await?;
        self.inner.sui.withdraw_stake(address).await?;
        let after = self.inner.sui.wal_balance(owner).await?;
        Ok(WithdrawStep::Withdrawn {
            amount: after.saturating_sub(before),
        })
    }

    /// The wallet's stakes.
    pub async fn stakes(&self) -> SdkResult<Vec<StakeInfo>> {
        let owner = self.address()?;
        let staked = self.inner.sui.owned_staked_wal(owner).await?;
        let mut out = Vec::with_capacity(staked.len());
        for s in &staked {
            out.push(self.stake_info(&s.value).await);
        }
        out.sort_by_key(|s| (s.activation_epoch, s.id.0));
        Ok(out)
    }

    async fn stake_info(&self, staked: &StakedWal) -> StakeInfo {
        let (state, withdraw_epoch) = match staked.state {
            StakedWalState::Staked => ("staked", None),
            StakedWalState::Withdrawing { withdraw_epoch } => ("withdrawing", Some(withdraw_epoch)),
        };
        StakeInfo {
            id: staked.id.id,
            node_id: staked.node_id,
            principal: staked.principal.value,
            activation_epoch: staked.activation_epoch,
            state: state.to_owned(),
            withdraw_epoch,
            estimated_value: self.estimated_value(staked).await,
        }
    }

    /// The storage-challenge record of `node` (`None`: every current committee member and every
    /// node with a history), from one read of the System object.
    pub async fn challenges(&self, node: Option<ObjectId>) -> SdkResult<ChallengesInfo> {
        let state = self.inner.sui.system_state().await?;
        let committee: Vec<ObjectId> = state.committee.members.iter().map(|m| m.node_id).collect();
        let challenges = &state.challenges;
        let mut ids: Vec<ObjectId> = match node {
            Some(node) => vec![node],
            None => committee
                .iter()
                .copied()
                .chain(challenges.records.contents.iter().map(|e| e.key))
                .collect(),
        };
        ids.sort_by_key(|id| id.0);
        ids.dedup();
        let nodes = ids
            .into_iter()
            .map(|node_id| {
                let record = challenges.record(&node_id);
                let recent: Vec<&'static str> = record
                    .map(|r| {
                        r.recent
                            .iter()
                            .map(|b| {
                                outcome_name(walrus_sui::objects::ChallengeOutcome::from_byte(*b))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let failures = recent.iter().filter(|o| **o == "fail").count();
                NodeChallengeInfo {
                    node_id,
                    in_committee: committee.contains(&node_id),
                    current_verdict: match challenges.verdict(&node_id) {
                        Some(true) => "pass",
                        Some(false) => "fail",
                        None => "none",
                    },
                    failures_in_window: u32::try_from(failures).unwrap_or(u32::MAX),
                    consecutive_failures: record.map_or(0, |r| r.consecutive_failures),
                    recent,
                }
            })
            .collect();
        Ok(ChallengesInfo {
            epoch: state.committee.epoch,
            window: challenges.params.window,
            slash_after_failures: challenges.params.slash_after_failures,
            slash_bps: challenges.params.slash_bps,
            total_slashed: challenges.total_slashed,
            slashed_fund: challenges.slashed_fund.value,
            nodes,
        })
    }

    /// Principal times the pool's current WAL-per-share over the rate at activation.
    async fn estimated_value(&self, staked: &StakedWal) -> Option<u64> {
        let pool = self.inner.sui.staking_pool(staked.node_id).await.ok()?;
        let epoch = self.inner.sui.current_epoch().await.ok()?;
        if staked.activation_epoch > epoch {
            return Some(staked.principal.value);
        }
        let rate_at = |e: u32| {
            let table = pool.exchange_rates.id.id;
            let sui = self.inner.sui.clone();
            async move {
                sui.get_dynamic_field::<u32, walrus_sui::objects::PoolExchangeRate>(
                    to_address(table),
                    &sui_sdk_types::TypeTag::U32,
                    &e,
                )
                .await
                .ok()
            }
        };
        let start = rate_at(staked.activation_epoch).await?;
        let mut now = None;
        let mut e = epoch;
        while now.is_none() && e >= staked.activation_epoch {
            now = rate_at(e).await;
            if e == 0 {
                break;
            }
            e -= 1;
        }
        let now = now?;
        let principal = u128::from(staked.principal.value);
        // Zero rates mean one to one.
        let shares = if start.share_amount == 0 || start.wal_amount == 0 {
            principal
        } else {
            principal.checked_mul(start.share_amount)? / start.wal_amount
        };
        let value = if now.share_amount == 0 || now.wal_amount == 0 {
            shares
        } else {
            shares.checked_mul(now.wal_amount)? / now.share_amount
        };
        u64::try_from(value).ok()
    }
}

/// Maps "object not found" to a clear [`SdkError::NotFound`].
fn not_found_as(
    error: walrus_sui::client::ChainError,
    message: impl FnOnce() -> String,
) -> SdkError {
    match error {
        walrus_sui::client::ChainError::ObjectNotFound(_) => SdkError::NotFound(message()),
        walrus_sui::client::ChainError::Rpc(status) if status.code() == tonic::Code::NotFound => {
            SdkError::NotFound(message())
        }
        walrus_sui::client::ChainError::UnexpectedObject { id, message: m } => {
            SdkError::NotFound(format!("{}: object {id} {m}", message()))
        }
        other => SdkError::Chain(other),
    }
}

/// A Sui address as an object ID (for the CLI).
pub fn object_id_of(address: Address) -> ObjectId {
    to_object_id(address)
}

/// Serializes a value with its `Display` form (blob IDs as base64url, object IDs as hex).
pub fn ser_display<T: std::fmt::Display, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Like [`ser_display`] for an optional value (`null` when absent).
pub fn ser_display_option<T: std::fmt::Display, S: serde::Serializer>(
    value: &Option<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.collect_str(value),
        None => serializer.serialize_none(),
    }
}
