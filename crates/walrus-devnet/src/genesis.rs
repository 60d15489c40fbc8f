//! Genesis: the configuration file, key generation, the initial objects (framework placeholders,
//! Clock, Random, the `wal` and `walrus` packages, `System` with the first committee, `Staking`
//! with one pool per node, coins) and the genesis output other components read.

use std::collections::BTreeMap;

use fastcrypto::groups::{GroupElement, bls12381::G1Element as FcG1};
use fastcrypto::serde_helpers::ToFromByteArray;
use rand::{RngCore, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};
use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::{
    Address, GenesisObject, Identifier, MovePackage, MoveStruct, ObjectData, Owner, StructTag,
    TypeTag,
};
use walrus_core::{BlsKeyPair, ObjectId};
use walrus_sui::move_types::{Balance, G1Element, Uid, VecMap};
use walrus_sui::objects::{
    ActiveSet, ActiveSetEntry, BlsCommittee, BlsCommitteeMember, Committee, EpochState,
    FutureAccounting, FutureAccountingRingBuffer, PoolState, StakedWal, StakedWalState, Staking,
    StakingInnerV1, StakingPool, StorageNodeCap, StorageNodeInfo, System, SystemStateInnerV1,
    VotingParams,
};

use crate::framework::{
    self, CLOCK_ID, ClockData, CoinData, RANDOM_ID, RandomData, RandomInnerData, SUI_FRAMEWORK,
    SYSTEM_SHARED_VERSION, named_address, to_object_id,
};

/// One SUI in MIST.
pub const MIST_PER_SUI: u64 = 1_000_000_000;
/// One WAL in FROST.
pub const FROST_PER_WAL: u64 = 1_000_000_000;

/// The genesis configuration (YAML).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DevnetConfig {
    /// Seed for every generated key (deterministic genesis).
    pub seed: u64,
    /// The number of shards.
    pub n_shards: u16,
    /// The storage nodes of the first committee.
    pub nodes: Vec<NodeConfig>,
    /// Walrus epoch duration in milliseconds.
    pub epoch_duration_ms: u64,
    /// How many epochs ahead storage can be bought.
    pub max_epochs_ahead: u32,
    /// FROST per MiB of encoded size per epoch.
    pub storage_price: u64,
    /// FROST per MiB of encoded size, paid once.
    pub write_price: u64,
    /// Encoded bytes sellable per epoch.
    pub total_capacity: u64,
    /// SUI (in MIST) held by the faucet.
    pub faucet_sui: u64,
    /// WAL (in FROST) held by the faucet.
    pub faucet_wal: u64,
    /// SUI (MIST) the faucet sends per request.
    pub faucet_sui_per_request: u64,
    /// WAL (FROST) the faucet sends per request.
    pub faucet_wal_per_request: u64,
    /// Extra funded addresses.
    pub balances: Vec<BalanceConfig>,
    /// Interval of idle heartbeat checkpoints, in milliseconds.
    pub heartbeat_ms: u64,
}

/// A storage node in the genesis committee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// The node's name.
    pub name: String,
    /// Its network address (`host:port`).
    pub network_address: String,
    /// Its stake in FROST.
    pub stake: u64,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            name: String::new(),
            network_address: "127.0.0.1:0".into(),
            stake: 1_000_000 * FROST_PER_WAL,
        }
    }
}

/// An address funded at genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceConfig {
    /// The address.
    pub address: Address,
    /// SUI in MIST.
    #[serde(default)]
    pub sui: u64,
    /// WAL in FROST.
    #[serde(default)]
    pub wal: u64,
}

impl Default for DevnetConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            n_shards: 10,
            nodes: (0..4)
                .map(|i| NodeConfig {
                    name: format!("node-{i}"),
                    ..NodeConfig::default()
                })
                .collect(),
            epoch_duration_ms: 60_000,
            max_epochs_ahead: 52,
            storage_price: 5,
            write_price: 1,
            total_capacity: 1 << 40,
            faucet_sui: 1_000_000 * MIST_PER_SUI,
            faucet_wal: 1_000_000_000 * FROST_PER_WAL,
            faucet_sui_per_request: 100 * MIST_PER_SUI,
            faucet_wal_per_request: 1_000 * FROST_PER_WAL,
            balances: vec![],
            heartbeat_ms: 1_000,
        }
    }
}

/// A genesis error.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// The configuration is invalid.
    #[error("invalid genesis config: {0}")]
    Config(String),
    /// Encoding failed.
    #[error("encoding: {0}")]
    Encoding(String),
}

/// A Sui account (Ed25519).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// The address.
    pub address: Address,
    /// The Ed25519 private key (hex, 32 bytes).
    pub private_key: String,
}

impl AccountInfo {
    fn generate(rng: &mut StdRng) -> Self {
        let mut seed = [0; 32];
        rng.fill_bytes(&mut seed);
        let key = Ed25519PrivateKey::new(seed);
        Self {
            address: key.public_key().derive_address(),
            private_key: hex::encode(seed),
        }
    }

    /// The signing key.
    pub fn key(&self) -> Option<Ed25519PrivateKey> {
        let bytes: [u8; 32] = hex::decode(&self.private_key).ok()?.try_into().ok()?;
        Some(Ed25519PrivateKey::new(bytes))
    }
}

/// A storage node of the genesis committee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// The name.
    pub name: String,
    /// The network address.
    pub network_address: String,
    /// The node ID (= its staking pool's object ID).
    pub node_id: Address,
    /// The `StorageNodeCap` object, owned by the operator.
    pub cap_id: Address,
    /// The `StakedWal` of the genesis stake, owned by the operator.
    pub staked_wal_id: Address,
    /// The operator's Sui account.
    pub operator: AccountInfo,
    /// The BLS protocol key pair (tagged base64, `walrus-core` format).
    pub bls_key: String,
    /// The BLS public key (hex, 48 bytes).
    pub bls_public_key: String,
    /// The proof of possession for epoch 0 (hex BLS signature).
    pub proof_of_possession: String,
    /// The network public key (hex; an Ed25519 key derived from the seed).
    pub network_public_key: String,
    /// The shards assigned in the first committee.
    pub shards: Vec<u16>,
    /// The stake in FROST.
    pub stake: u64,
}

impl NodeInfo {
    /// The BLS key pair.
    pub fn bls_key_pair(&self) -> Option<BlsKeyPair> {
        BlsKeyPair::from_tagged_base64(&self.bls_key).ok()
    }
}

/// What other components need to know about a devnet genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenesisInfo {
    /// The chain ID (base58 digest of checkpoint 0), filled once genesis is sealed.
    pub chain_id: String,
    /// The genesis timestamp (ms).
    pub genesis_timestamp_ms: u64,
    /// The `wal` package.
    pub wal_package: Address,
    /// The `walrus` package.
    pub walrus_package: Address,
    /// The WAL coin type.
    pub wal_coin_type: String,
    /// The shared `System` object.
    pub system_object: Address,
    /// The shared `Staking` object.
    pub staking_object: Address,
    /// The shared `wal::wal::ProtectedTreasury` (holds the `TreasuryCap<WAL>`).
    #[serde(default = "wal_treasury_id")]
    pub wal_treasury: Address,
    /// The initial shared version of `System`, `Staking` and the `ProtectedTreasury`.
    pub initial_shared_version: u64,
    /// The Walrus epoch at genesis.
    pub epoch: u32,
    /// The number of shards.
    pub n_shards: u16,
    /// The epoch duration (ms).
    pub epoch_duration_ms: u64,
    /// The faucet's account.
    pub faucet: AccountInfo,
    /// The genesis committee.
    pub nodes: Vec<NodeInfo>,
}

/// The ID of the genesis `ProtectedTreasury` (deterministic, the same on every devnet).
pub fn wal_treasury_id() -> Address {
    named_address("object::wal_treasury")
}

fn enc<T: Serialize>(value: &T) -> Result<Vec<u8>, GenesisError> {
    bcs::to_bytes(value).map_err(|e| GenesisError::Encoding(e.to_string()))
}

fn struct_object(
    ty: StructTag,
    hpt: bool,
    contents: Vec<u8>,
    owner: Owner,
) -> Result<GenesisObject, GenesisError> {
    let strukt = MoveStruct::new(ty, hpt, 1, contents)
        .ok_or_else(|| GenesisError::Encoding("short contents".into()))?;
    Ok(GenesisObject::new(ObjectData::Struct(strukt), owner))
}

fn package(id: Address, modules: &[&str]) -> Result<GenesisObject, GenesisError> {
    let modules = modules
        .iter()
        .map(|m| {
            Identifier::new(m)
                .map(|i| (i, b"devnet-native".to_vec()))
                .map_err(|e| GenesisError::Encoding(e.to_string()))
        })
        .collect::<Result<BTreeMap<_, _>, _>>()?;
    Ok(GenesisObject::new(
        ObjectData::Package(MovePackage {
            id,
            version: 1,
            modules,
            type_origin_table: vec![],
            linkage_table: BTreeMap::new(),
        }),
        Owner::Immutable,
    ))
}

fn field<K: Serialize, V: Serialize>(
    parent: Address,
    key_tag: TypeTag,
    key: &K,
    value_tag: TypeTag,
    value: &V,
) -> Result<(Address, GenesisObject), GenesisError> {
    let id = parent.derive_dynamic_child_id(&key_tag, &enc(key)?);
    let contents = framework::field_contents(id, key, value)
        .map_err(|e| GenesisError::Encoding(e.to_string()))?;
    Ok((
        id,
        struct_object(
            framework::field_tag(key_tag, value_tag),
            false,
            contents,
            Owner::Object(parent),
        )?,
    ))
}

/// Bytes of a `Table`/`ObjectTable` (`{ id, size }`).
fn table<T: for<'de> Deserialize<'de>>(id: Address, size: u64) -> Result<T, GenesisError> {
    let mut bytes = id.into_inner().to_vec();
    bytes.extend(size.to_le_bytes());
    bcs::from_bytes(&bytes).map_err(|e| GenesisError::Encoding(e.to_string()))
}

/// Builds the genesis objects and the genesis info (without the chain ID).
pub fn build(
    config: &DevnetConfig,
    genesis_timestamp_ms: u64,
) -> Result<(Vec<GenesisObject>, GenesisInfo), GenesisError> {
    if config.nodes.is_empty() || config.n_shards == 0 {
        return Err(GenesisError::Config(
            "need at least one node and one shard".into(),
        ));
    }
    if config.n_shards < u16::try_from(config.nodes.len()).unwrap_or(u16::MAX) {
        return Err(GenesisError::Config("fewer shards than nodes".into()));
    }
    if config.max_epochs_ahead == 0 || config.max_epochs_ahead > 1000 {
        return Err(GenesisError::Config(
            "max_epochs_ahead must be in 1..=1000".into(),
        ));
    }
    let mut rng = StdRng::seed_from_u64(config.seed);
    let wal_package = framework::wal_package();
    let walrus_package = framework::walrus_package();
    let wal = framework::wal_type();
    let mut objects = vec![
        package(framework::STD_PACKAGE, &["option", "string", "vector"])?,
        package(
            SUI_FRAMEWORK,
            &[
                "balance",
                "clock",
                "coin",
                "dynamic_field",
                "object",
                "random",
                "transfer",
            ],
        )?,
        package(wal_package, &["wal"])?,
        package(
            walrus_package,
            &[
                "active_set",
                "blob",
                "bls_aggregate",
                "committee",
                "encoding",
                "events",
                "init",
                "messages",
                "metadata",
                "shared_blob",
                "staked_wal",
                "staking",
                "staking_pool",
                "storage_accounting",
                "storage_node",
                "storage_resource",
                "system",
            ],
        )?,
    ];
    // Clock and Random.
    objects.push(struct_object(
        framework::clock_tag(),
        false,
        enc(&ClockData {
            id: to_object_id(CLOCK_ID),
            timestamp_ms: genesis_timestamp_ms,
        })?,
        Owner::Shared(SYSTEM_SHARED_VERSION),
    )?);
    let random_inner = named_address("random::inner");
    objects.push(struct_object(
        framework::random_tag(),
        false,
        enc(&RandomData {
            id: to_object_id(RANDOM_ID),
            inner_id: to_object_id(random_inner),
            version: 1,
        })?,
        Owner::Shared(SYSTEM_SHARED_VERSION),
    )?);
    let mut random_bytes = vec![0; 32];
    rng.fill_bytes(&mut random_bytes);
    objects.push(
        field(
            random_inner,
            TypeTag::U64,
            &1u64,
            TypeTag::Struct(Box::new(framework::struct_tag(
                SUI_FRAMEWORK,
                "random",
                "RandomInner",
                vec![],
            ))),
            &RandomInnerData {
                version: 1,
                epoch: 0,
                randomness_round: 0,
                random_bytes,
            },
        )?
        .1,
    );

    // Accounts.
    let faucet = AccountInfo::generate(&mut rng);
    let coin = |id: Address, coin_type: TypeTag, value: u64, owner: Address| {
        struct_object(
            framework::coin_tag(coin_type),
            true,
            enc(&CoinData {
                id: to_object_id(id),
                value,
            })?,
            Owner::Address(owner),
        )
    };
    objects.push(coin(
        named_address("coin::faucet::sui"),
        framework::sui_type(),
        config.faucet_sui,
        faucet.address,
    )?);
    objects.push(coin(
        named_address("coin::faucet::wal"),
        wal.clone(),
        config.faucet_wal,
        faucet.address,
    )?);
    for (i, balance) in config.balances.iter().enumerate() {
        if balance.sui > 0 {
            objects.push(coin(
                named_address(&format!("coin::balance::{i}::sui")),
                framework::sui_type(),
                balance.sui,
                balance.address,
            )?);
        }
        if balance.wal > 0 {
            objects.push(coin(
                named_address(&format!("coin::balance::{i}::wal")),
                wal.clone(),
                balance.wal,
                balance.address,
            )?);
        }
    }

    // Nodes, sorted by node ID (the committee order).
    let mut nodes = Vec::new();
    for (i, node) in config.nodes.iter().enumerate() {
        let operator = AccountInfo::generate(&mut rng);
        let bls = BlsKeyPair::generate(&mut rng);
        let node_id = named_address(&format!("node::{i}"));
        let pop = walrus_core::messages::ProofOfPossessionMsg::for_key(
            0,
            to_object_id(operator.address),
            &bls,
        )
        .sign(&bls);
        let mut network_key = [0; 32];
        rng.fill_bytes(&mut network_key);
        let network_public_key = Ed25519PrivateKey::new(network_key).public_key();
        nodes.push(NodeInfo {
            name: if node.name.is_empty() {
                format!("node-{i}")
            } else {
                node.name.clone()
            },
            network_address: node.network_address.clone(),
            node_id,
            cap_id: named_address(&format!("node::{i}::cap")),
            staked_wal_id: named_address(&format!("node::{i}::staked_wal")),
            operator,
            bls_key: bls.to_tagged_base64(),
            bls_public_key: hex::encode(bls.public_key().to_bytes()),
            proof_of_possession: hex::encode(pop.signature.to_bytes()),
            network_public_key: hex::encode(network_public_key.as_bytes()),
            shards: vec![],
            stake: node.stake,
        });
    }
    nodes.sort_by_key(|n| n.node_id);
    // Equal shard split in node-ID order, contiguous ranges.
    let n_nodes =
        u16::try_from(nodes.len()).map_err(|_| GenesisError::Config("too many nodes".into()))?;
    let mut next_shard = 0u16;
    for (i, node) in nodes.iter_mut().enumerate() {
        let i = u16::try_from(i).unwrap_or(u16::MAX);
        let count = config.n_shards / n_nodes + u16::from(i < config.n_shards % n_nodes);
        node.shards = (next_shard..next_shard + count).collect();
        next_shard += count;
    }

    let epoch = 1u32;
    let mut total_key = FcG1::zero();
    let mut members = Vec::new();
    for node in &nodes {
        let key_bytes =
            hex::decode(&node.bls_public_key).map_err(|e| GenesisError::Encoding(e.to_string()))?;
        let array: [u8; 48] = key_bytes
            .as_slice()
            .try_into()
            .map_err(|_| GenesisError::Encoding("BLS key length".into()))?;
        let point =
            FcG1::from_byte_array(&array).map_err(|e| GenesisError::Encoding(e.to_string()))?;
        total_key += point;
        members.push(BlsCommitteeMember {
            public_key: G1Element { bytes: key_bytes },
            weight: u16::try_from(node.shards.len()).unwrap_or(u16::MAX),
            node_id: to_object_id(node.node_id),
        });
    }
    let committee = BlsCommittee {
        members,
        n_shards: config.n_shards,
        epoch,
        total_aggregated_key: G1Element {
            bytes: total_key.to_byte_array().to_vec(),
        },
    };

    // System.
    let system_id = named_address("object::system");
    objects.push(struct_object(
        framework::walrus_tag("system", "System"),
        false,
        enc(&System {
            id: Uid {
                id: to_object_id(system_id),
            },
            version: crate::natives::system::VERSION,
        })?,
        Owner::Shared(1),
    )?);
    let inner = SystemStateInnerV1 {
        committee,
        total_capacity_size: config.total_capacity,
        used_capacity_size: 0,
        storage_price_per_unit_size: config.storage_price,
        write_price_per_unit_size: config.write_price,
        future_accounting: FutureAccountingRingBuffer {
            current_index: 0,
            length: config.max_epochs_ahead,
            ring_buffer: (0..config.max_epochs_ahead)
                .map(|i| FutureAccounting {
                    epoch: epoch + i,
                    used_capacity: 0,
                    rewards_to_distribute: Balance { value: 0 },
                })
                .collect(),
        },
        // Genesis has no transaction digest: the system object ID stands in for it.
        challenges: crate::natives::challenges::new(epoch, system_id.inner()),
    };
    objects.push(
        field(
            system_id,
            TypeTag::U64,
            &1u64,
            crate::natives::system::inner_type(),
            &inner,
        )?
        .1,
    );

    // Staking with one pool per node, held as dynamic object fields of the pools table.
    let staking_id = named_address("object::staking");
    let pools_id = named_address("object::staking::pools");
    objects.push(struct_object(
        framework::walrus_tag("staking", "Staking"),
        false,
        enc(&Staking {
            id: Uid {
                id: to_object_id(staking_id),
            },
            version: 1,
        })?,
        Owner::Shared(1),
    )?);
    let mut committee_map = VecMap::default();
    let mut active = Vec::new();
    let mut total_stake: u64 = 0;
    for node in &nodes {
        committee_map.contents.push(walrus_sui::move_types::Entry {
            key: to_object_id(node.node_id),
            value: node.shards.clone(),
        });
        active.push(ActiveSetEntry {
            node_id: to_object_id(node.node_id),
            staked_amount: node.stake,
        });
        total_stake = total_stake.saturating_add(node.stake);
        let pool = StakingPool {
            id: Uid {
                id: to_object_id(node.node_id),
            },
            state: PoolState::Active,
            voting_params: VotingParams {
                storage_price: config.storage_price,
                write_price: config.write_price,
                node_capacity: config.total_capacity,
                slash_bps: crate::natives::staking_pool::DEFAULT_SLASH_BPS_VOTE,
            },
            node_info: StorageNodeInfo {
                name: node.name.clone(),
                node_id: to_object_id(node.node_id),
                network_address: node.network_address.clone(),
                public_key: G1Element {
                    bytes: hex::decode(&node.bls_public_key)
                        .map_err(|e| GenesisError::Encoding(e.to_string()))?,
                },
                network_public_key: hex::decode(&node.network_public_key)
                    .map_err(|e| GenesisError::Encoding(e.to_string()))?,
            },
            activation_epoch: 0,
            latest_epoch: epoch,
            wal_balance: node.stake,
            num_shares: node.stake,
            pending_stake: VecMap::default(),
            pending_shares_withdraw: VecMap::default(),
            commission_rate: 0,
            pending_commission_rate: VecMap::default(),
            exchange_rates: table(named_address(&format!("node::{}::rates", node.node_id)), 0)?,
            rewards_pool: Balance { value: 0 },
            commission: Balance { value: 0 },
        };
        // Dynamic object field: Field<Wrapper<ID>, ID> under the table, the pool under the field.
        let wrapper = TypeTag::Struct(Box::new(framework::struct_tag(
            SUI_FRAMEWORK,
            "dynamic_object_field",
            "Wrapper",
            vec![TypeTag::Struct(Box::new(framework::struct_tag(
                SUI_FRAMEWORK,
                "object",
                "ID",
                vec![],
            )))],
        )));
        let id_type = TypeTag::Struct(Box::new(framework::struct_tag(
            SUI_FRAMEWORK,
            "object",
            "ID",
            vec![],
        )));
        let (field_id, field_object) = field(
            pools_id,
            wrapper,
            &to_object_id(node.node_id),
            id_type,
            &to_object_id(node.node_id),
        )?;
        objects.push(field_object);
        objects.push(struct_object(
            framework::walrus_tag("staking_pool", "StakingPool"),
            true,
            enc(&pool)?,
            Owner::Object(field_id),
        )?);
        objects.push(struct_object(
            framework::walrus_tag("storage_node", "StorageNodeCap"),
            true,
            enc(&StorageNodeCap {
                id: Uid {
                    id: to_object_id(node.cap_id),
                },
                node_id: to_object_id(node.node_id),
                last_epoch_sync_done: epoch,
            })?,
            Owner::Address(node.operator.address),
        )?);
        objects.push(struct_object(
            framework::walrus_tag("staked_wal", "StakedWal"),
            true,
            enc(&StakedWal {
                id: Uid {
                    id: to_object_id(node.staked_wal_id),
                },
                state: StakedWalState::Staked,
                node_id: to_object_id(node.node_id),
                principal: Balance { value: node.stake },
                activation_epoch: 0,
            })?,
            Owner::Address(node.operator.address),
        )?);
        objects.push(coin(
            named_address(&format!("coin::node::{}::sui", node.node_id)),
            framework::sui_type(),
            1_000 * MIST_PER_SUI,
            node.operator.address,
        )?);
    }
    let staking_inner = StakingInnerV1 {
        n_shards: config.n_shards,
        epoch_duration: config.epoch_duration_ms,
        first_epoch_start: genesis_timestamp_ms,
        pools: table(pools_id, u64::try_from(nodes.len()).unwrap_or(u64::MAX))?,
        epoch,
        active_set: ActiveSet {
            max_size: 150,
            nodes: active,
            total_stake,
        },
        next_committee: None,
        committee: Committee(committee_map),
        previous_committee: Committee::default(),
        next_epoch_params: None,
        epoch_state: EpochState::EpochChangeDone(genesis_timestamp_ms),
    };
    objects.push(
        field(
            staking_id,
            TypeTag::U64,
            &1u64,
            framework::walrus_type("staking", "StakingInnerV1"),
            &staking_inner,
        )?
        .1,
    );
    let _ = ObjectId([0; 32]);

    // The WAL treasury, as `wal::init` leaves it: shared, the `TreasuryCap<WAL>` under the
    // dynamic object field `TreasuryCapKey()`, its supply all WAL minted above.
    let minted = config
        .balances
        .iter()
        .map(|b| b.wal)
        .chain(nodes.iter().map(|n| n.stake))
        .try_fold(config.faucet_wal, u64::checked_add)
        .ok_or_else(|| GenesisError::Config("the WAL minted at genesis overflows u64".into()))?;
    objects.extend(wal_treasury(minted)?);

    let info = GenesisInfo {
        chain_id: String::new(),
        genesis_timestamp_ms,
        wal_package,
        walrus_package,
        wal_coin_type: wal.to_string(),
        system_object: system_id,
        staking_object: staking_id,
        wal_treasury: wal_treasury_id(),
        initial_shared_version: 1,
        epoch,
        n_shards: config.n_shards,
        epoch_duration_ms: config.epoch_duration_ms,
        faucet,
        nodes,
    };
    Ok((objects, info))
}

/// The shared `ProtectedTreasury`, the dynamic object field `Wrapper<TreasuryCapKey> -> ID` under
/// it, and the `TreasuryCap<WAL>` with `total_supply` under the field.
fn wal_treasury(total_supply: u64) -> Result<Vec<GenesisObject>, GenesisError> {
    use crate::natives::wal::{TreasuryCapData, TreasuryCapKey, cap_key_type, treasury_cap_tag};
    let treasury_id = wal_treasury_id();
    let cap_id = named_address("object::wal_treasury::cap");
    let treasury = struct_object(
        crate::natives::wal::treasury_tag(),
        false,
        enc(&walrus_sui::objects::ProtectedTreasury {
            id: Uid {
                id: to_object_id(treasury_id),
            },
        })?,
        Owner::Shared(1),
    )?;
    let (field_id, field_object) = field(
        treasury_id,
        crate::natives::dof_wrapper_of(cap_key_type()),
        &TreasuryCapKey::default(),
        crate::natives::object_id_type(),
        &to_object_id(cap_id),
    )?;
    let cap = struct_object(
        treasury_cap_tag(),
        true,
        enc(&TreasuryCapData {
            id: to_object_id(cap_id),
            total_supply,
        })?,
        Owner::Object(field_id),
    )?;
    Ok(vec![treasury, field_object, cap])
}
