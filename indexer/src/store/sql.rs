//! SQLite and PostgreSQL through sqlx's run-time `Any` driver: one set of queries (portable
//! SQL with `$n` parameters, `ON CONFLICT` upserts, only BIGINT and TEXT columns), the backend
//! chosen by the URL, and a migration set per backend (`migrations/{sqlite,postgres}`).

use std::sync::LazyLock;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, FromRow, Transaction};
use walrus_core::{BlobId, Epoch, ObjectId};

use super::{Store, StoreError, StoreTx};
use crate::model::{
    BlobObject, ChallengeVerdict, CommitteeMember, EpochInfo, EpochPhase, IndexerMeta, NodeDetails,
    NodeInfo, PoolInfo, RewardInfo, SlashInfo, StakeInfo, StakeState,
};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The SQL database behind a [`SqlStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlBackend {
    /// SQLite (a file).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl SqlBackend {
    /// The backend named by a URL's scheme.
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }
}

/// The derived state in SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: SqlBackend,
}

impl SqlStore {
    /// Connects to `url` (`sqlite:PATH`, created if missing, or `postgres://…`) and applies the
    /// pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = SqlBackend::of_url(url)?;
        let url = match backend {
            SqlBackend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyPoolOptions::new().max_connections(match backend {
            SqlBackend::Sqlite => 4,
            SqlBackend::Postgres => 8,
        });
        let options = match backend {
            SqlBackend::Sqlite => options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL: readers never block the writer; NORMAL: a commit is durable once
                    // the WAL is synced at checkpoint time, and never torn.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    Ok(())
                })
            }),
            SqlBackend::Postgres => options,
        };
        let pool = options.connect(&url).await?;
        let migrator = match backend {
            SqlBackend::Sqlite => &SQLITE_MIGRATIONS,
            SqlBackend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(Self { pool, backend })
    }

    /// The backend.
    pub fn backend(&self) -> SqlBackend {
        self.backend
    }

    /// The connection pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The versions of the applied migrations.
    pub async fn migrations(&self) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(v,)| v).collect())
    }
}

// === Conversions ===

fn int(value: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange(what))
}

fn opt_int(value: Option<u64>, what: &'static str) -> Result<Option<i64>, StoreError> {
    value.map(|v| int(v, what)).transpose()
}

fn unsigned<T: TryFrom<i64>>(value: i64, what: &str) -> Result<T, StoreError> {
    T::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} = {value}")))
}

fn opt_unsigned<T: TryFrom<i64>>(value: Option<i64>, what: &str) -> Result<Option<T>, StoreError> {
    value.map(|v| unsigned(v, what)).transpose()
}

fn object_id(text: &str) -> Result<ObjectId, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("object ID {text}")))
}

fn blob_id(text: &str) -> Result<BlobId, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("blob ID {text}")))
}

fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{text}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// `INSERT … ON CONFLICT (key) DO UPDATE SET …` for both backends.
fn upsert(table: &str, columns: &[&str], key: &[&str]) -> String {
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| !key.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
        columns.join(", "),
        placeholders.join(", "),
        key.join(", "),
        updates.join(", ")
    )
}

const BLOB_COLUMNS: &[&str] = &[
    "object_id",
    "blob_id",
    "owner",
    "size",
    "encoding_type",
    "registered_epoch",
    "certified_epoch",
    "end_epoch",
    "deletable",
    "deleted",
    "checkpoint",
];
const EPOCH_COLUMNS: &[&str] = &[
    "epoch",
    "phase",
    "start_checkpoint",
    "done_checkpoint",
    "params_selected_checkpoint",
    "storage_price",
    "write_price",
    "n_shards",
    "sync_reports",
];
const MEMBER_COLUMNS: &[&str] = &[
    "epoch",
    "node_id",
    "weight",
    "shards",
    "name",
    "network_address",
    "public_key",
    "network_public_key",
];
const NODE_COLUMNS: &[&str] = &[
    "node_id",
    "cap_id",
    "name",
    "network_address",
    "public_key",
    "network_public_key",
    "registered_epoch",
    "commission_rate",
    "pending_commission_rate",
    "pending_commission_epoch",
    "vote_storage_price",
    "vote_write_price",
    "vote_capacity",
    "withdraw_epoch",
];
const POOL_COLUMNS: &[&str] = &[
    "node_id",
    "initial_balance",
    "deposited",
    "withdrawn",
    "n_deposits",
    "rewards",
    "commission",
    "commission_collected",
    "rewards_withdrawn",
];
const STAKE_COLUMNS: &[&str] = &[
    "staked_wal_id",
    "owner",
    "node_id",
    "amount",
    "activation_epoch",
    "state",
    "withdraw_epoch",
    "rewards",
];
const REWARD_COLUMNS: &[&str] = &["epoch", "node_id", "reward", "commission"];
const VERDICT_COLUMNS: &[&str] = &["node_id", "epoch", "passed", "checkpoint"];
const SLASH_COLUMNS: &[&str] = &["node_id", "epoch", "amount", "checkpoint"];

static UPSERT_BLOB: LazyLock<String> =
    LazyLock::new(|| upsert("blob_objects", BLOB_COLUMNS, &["object_id"]));
static UPSERT_EPOCH: LazyLock<String> =
    LazyLock::new(|| upsert("epochs", EPOCH_COLUMNS, &["epoch"]));
static UPSERT_MEMBER: LazyLock<String> =
    LazyLock::new(|| upsert("committee_members", MEMBER_COLUMNS, &["epoch", "node_id"]));
static UPSERT_NODE: LazyLock<String> =
    LazyLock::new(|| upsert("nodes", NODE_COLUMNS, &["node_id"]));
static UPSERT_POOL: LazyLock<String> =
    LazyLock::new(|| upsert("pools", POOL_COLUMNS, &["node_id"]));
static UPSERT_STAKE: LazyLock<String> =
    LazyLock::new(|| upsert("stakes", STAKE_COLUMNS, &["staked_wal_id"]));
static UPSERT_REWARD: LazyLock<String> =
    LazyLock::new(|| upsert("rewards", REWARD_COLUMNS, &["epoch", "node_id"]));
static UPSERT_VERDICT: LazyLock<String> =
    LazyLock::new(|| upsert("challenge_verdicts", VERDICT_COLUMNS, &["node_id", "epoch"]));
static UPSERT_SLASH: LazyLock<String> =
    LazyLock::new(|| upsert("slashes", SLASH_COLUMNS, &["node_id", "epoch"]));
static SELECT_BLOB: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM blob_objects", BLOB_COLUMNS.join(", ")));
static SELECT_EPOCH: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM epochs", EPOCH_COLUMNS.join(", ")));
static SELECT_MEMBER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM committee_members",
        MEMBER_COLUMNS.join(", ")
    )
});
static SELECT_NODE: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM nodes", NODE_COLUMNS.join(", ")));
static SELECT_POOL: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM pools", POOL_COLUMNS.join(", ")));
static SELECT_STAKE: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM stakes", STAKE_COLUMNS.join(", ")));
static SELECT_REWARD: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM rewards", REWARD_COLUMNS.join(", ")));
static SELECT_VERDICT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM challenge_verdicts",
        VERDICT_COLUMNS.join(", ")
    )
});
static SELECT_SLASH: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM slashes", SLASH_COLUMNS.join(", ")));

// === Rows ===

#[derive(FromRow)]
struct MetaRow {
    next_checkpoint: i64,
    events_applied: i64,
    last_timestamp_ms: Option<i64>,
}

impl MetaRow {
    fn into_model(self) -> Result<IndexerMeta, StoreError> {
        Ok(IndexerMeta {
            next_checkpoint: unsigned(self.next_checkpoint, "next_checkpoint")?,
            events_applied: unsigned(self.events_applied, "events_applied")?,
            last_timestamp_ms: opt_unsigned(self.last_timestamp_ms, "last_timestamp_ms")?,
        })
    }
}

#[derive(FromRow)]
struct BlobRow {
    object_id: String,
    blob_id: String,
    owner: Option<String>,
    size: i64,
    encoding_type: i64,
    registered_epoch: i64,
    certified_epoch: Option<i64>,
    end_epoch: i64,
    deletable: i64,
    deleted: i64,
    checkpoint: i64,
}

impl BlobRow {
    fn into_model(self) -> Result<BlobObject, StoreError> {
        Ok(BlobObject {
            object_id: object_id(&self.object_id)?,
            blob_id: blob_id(&self.blob_id)?,
            owner: self.owner,
            size: unsigned(self.size, "size")?,
            encoding_type: unsigned(self.encoding_type, "encoding_type")?,
            registered_epoch: unsigned(self.registered_epoch, "registered_epoch")?,
            certified_epoch: opt_unsigned(self.certified_epoch, "certified_epoch")?,
            end_epoch: unsigned(self.end_epoch, "end_epoch")?,
            deletable: self.deletable != 0,
            deleted: self.deleted != 0,
            checkpoint: unsigned(self.checkpoint, "checkpoint")?,
        })
    }
}

#[derive(FromRow)]
struct EpochRow {
    epoch: i64,
    phase: String,
    start_checkpoint: Option<i64>,
    done_checkpoint: Option<i64>,
    params_selected_checkpoint: Option<i64>,
    storage_price: Option<i64>,
    write_price: Option<i64>,
    n_shards: Option<i64>,
    sync_reports: String,
}

impl EpochRow {
    fn into_model(self) -> Result<EpochInfo, StoreError> {
        Ok(EpochInfo {
            epoch: unsigned(self.epoch, "epoch")?,
            phase: EpochPhase::parse(&self.phase)
                .ok_or_else(|| StoreError::Corrupt(format!("epoch phase {}", self.phase)))?,
            start_checkpoint: opt_unsigned(self.start_checkpoint, "start_checkpoint")?,
            done_checkpoint: opt_unsigned(self.done_checkpoint, "done_checkpoint")?,
            params_selected_checkpoint: opt_unsigned(
                self.params_selected_checkpoint,
                "params_selected_checkpoint",
            )?,
            storage_price: opt_unsigned(self.storage_price, "storage_price")?,
            write_price: opt_unsigned(self.write_price, "write_price")?,
            n_shards: opt_unsigned(self.n_shards, "n_shards")?,
            sync_reports: json(&self.sync_reports)?,
        })
    }
}

#[derive(FromRow)]
struct MemberRow {
    epoch: i64,
    node_id: String,
    weight: i64,
    shards: String,
    name: String,
    network_address: String,
    public_key: String,
    network_public_key: String,
}

impl MemberRow {
    fn into_model(self) -> Result<CommitteeMember, StoreError> {
        Ok(CommitteeMember {
            epoch: unsigned(self.epoch, "epoch")?,
            node_id: object_id(&self.node_id)?,
            weight: unsigned(self.weight, "weight")?,
            shards: json(&self.shards)?,
            details: NodeDetails {
                name: self.name,
                network_address: self.network_address,
                public_key: self.public_key,
                network_public_key: self.network_public_key,
            },
        })
    }
}

#[derive(FromRow)]
struct NodeRow {
    node_id: String,
    cap_id: Option<String>,
    name: String,
    network_address: String,
    public_key: String,
    network_public_key: String,
    registered_epoch: Option<i64>,
    commission_rate: i64,
    pending_commission_rate: Option<i64>,
    pending_commission_epoch: Option<i64>,
    vote_storage_price: Option<i64>,
    vote_write_price: Option<i64>,
    vote_capacity: Option<i64>,
    withdraw_epoch: Option<i64>,
}

impl NodeRow {
    fn into_model(self) -> Result<NodeInfo, StoreError> {
        let pending_commission = match (self.pending_commission_rate, self.pending_commission_epoch)
        {
            (Some(rate), Some(epoch)) => Some((
                unsigned(rate, "pending_commission_rate")?,
                unsigned(epoch, "pending_commission_epoch")?,
            )),
            _ => None,
        };
        let votes = match (
            self.vote_storage_price,
            self.vote_write_price,
            self.vote_capacity,
        ) {
            (Some(s), Some(w), Some(c)) => Some((
                unsigned(s, "vote_storage_price")?,
                unsigned(w, "vote_write_price")?,
                unsigned(c, "vote_capacity")?,
            )),
            _ => None,
        };
        Ok(NodeInfo {
            node_id: object_id(&self.node_id)?,
            cap_id: self.cap_id.as_deref().map(object_id).transpose()?,
            details: NodeDetails {
                name: self.name,
                network_address: self.network_address,
                public_key: self.public_key,
                network_public_key: self.network_public_key,
            },
            registered_epoch: opt_unsigned(self.registered_epoch, "registered_epoch")?,
            commission_rate: unsigned(self.commission_rate, "commission_rate")?,
            pending_commission,
            votes,
            withdraw_epoch: opt_unsigned(self.withdraw_epoch, "withdraw_epoch")?,
        })
    }
}

#[derive(FromRow)]
struct PoolRow {
    node_id: String,
    initial_balance: i64,
    deposited: i64,
    withdrawn: i64,
    n_deposits: i64,
    rewards: i64,
    commission: i64,
    commission_collected: i64,
    rewards_withdrawn: i64,
}

impl PoolRow {
    fn into_model(self) -> Result<PoolInfo, StoreError> {
        Ok(PoolInfo {
            node_id: object_id(&self.node_id)?,
            initial_balance: unsigned(self.initial_balance, "initial_balance")?,
            deposited: unsigned(self.deposited, "deposited")?,
            withdrawn: unsigned(self.withdrawn, "withdrawn")?,
            n_deposits: unsigned(self.n_deposits, "n_deposits")?,
            rewards: unsigned(self.rewards, "rewards")?,
            commission: unsigned(self.commission, "commission")?,
            commission_collected: unsigned(self.commission_collected, "commission_collected")?,
            rewards_withdrawn: unsigned(self.rewards_withdrawn, "rewards_withdrawn")?,
        })
    }
}

#[derive(FromRow)]
struct StakeRow {
    staked_wal_id: String,
    owner: Option<String>,
    node_id: String,
    amount: i64,
    activation_epoch: i64,
    state: String,
    withdraw_epoch: Option<i64>,
    rewards: Option<i64>,
}

impl StakeRow {
    fn into_model(self) -> Result<StakeInfo, StoreError> {
        Ok(StakeInfo {
            staked_wal_id: object_id(&self.staked_wal_id)?,
            owner: self.owner,
            node_id: object_id(&self.node_id)?,
            amount: unsigned(self.amount, "amount")?,
            activation_epoch: unsigned(self.activation_epoch, "activation_epoch")?,
            state: StakeState::parse(&self.state)
                .ok_or_else(|| StoreError::Corrupt(format!("stake state {}", self.state)))?,
            withdraw_epoch: opt_unsigned(self.withdraw_epoch, "withdraw_epoch")?,
            rewards: opt_unsigned(self.rewards, "rewards")?,
        })
    }
}

#[derive(FromRow)]
struct RewardRow {
    epoch: i64,
    node_id: String,
    reward: i64,
    commission: i64,
}

impl RewardRow {
    fn into_model(self) -> Result<RewardInfo, StoreError> {
        Ok(RewardInfo {
            epoch: unsigned(self.epoch, "epoch")?,
            node_id: object_id(&self.node_id)?,
            reward: unsigned(self.reward, "reward")?,
            commission: unsigned(self.commission, "commission")?,
        })
    }
}

#[derive(FromRow)]
struct VerdictRow {
    node_id: String,
    epoch: i64,
    passed: i64,
    checkpoint: i64,
}

impl VerdictRow {
    fn into_model(self) -> Result<ChallengeVerdict, StoreError> {
        Ok(ChallengeVerdict {
            epoch: unsigned(self.epoch, "epoch")?,
            node_id: object_id(&self.node_id)?,
            passed: self.passed != 0,
            checkpoint: unsigned(self.checkpoint, "checkpoint")?,
        })
    }
}

#[derive(FromRow)]
struct SlashRow {
    node_id: String,
    epoch: i64,
    amount: i64,
    checkpoint: i64,
}

impl SlashRow {
    fn into_model(self) -> Result<SlashInfo, StoreError> {
        Ok(SlashInfo {
            epoch: unsigned(self.epoch, "epoch")?,
            node_id: object_id(&self.node_id)?,
            amount: unsigned(self.amount, "amount")?,
            checkpoint: unsigned(self.checkpoint, "checkpoint")?,
        })
    }
}

fn all<R, T>(
    rows: Vec<R>,
    convert: impl Fn(R) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(convert).collect()
}

type Query<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

fn bind_blob<'q>(sql: &'q str, b: &BlobObject) -> Result<Query<'q>, StoreError> {
    Ok(sqlx::query(sql)
        .bind(b.object_id.to_string())
        .bind(b.blob_id.to_string())
        .bind(b.owner.clone())
        .bind(int(b.size, "size")?)
        .bind(i64::from(b.encoding_type))
        .bind(i64::from(b.registered_epoch))
        .bind(b.certified_epoch.map(i64::from))
        .bind(i64::from(b.end_epoch))
        .bind(i64::from(b.deletable))
        .bind(i64::from(b.deleted))
        .bind(int(b.checkpoint, "checkpoint")?))
}

fn bind_epoch<'q>(sql: &'q str, e: &EpochInfo) -> Result<Query<'q>, StoreError> {
    Ok(sqlx::query(sql)
        .bind(i64::from(e.epoch))
        .bind(e.phase.as_str())
        .bind(opt_int(e.start_checkpoint, "start_checkpoint")?)
        .bind(opt_int(e.done_checkpoint, "done_checkpoint")?)
        .bind(opt_int(
            e.params_selected_checkpoint,
            "params_selected_checkpoint",
        )?)
        .bind(opt_int(e.storage_price, "storage_price")?)
        .bind(opt_int(e.write_price, "write_price")?)
        .bind(e.n_shards.map(i64::from))
        .bind(to_json(&e.sync_reports)?))
}

fn bind_member<'q>(sql: &'q str, m: &CommitteeMember) -> Result<Query<'q>, StoreError> {
    Ok(sqlx::query(sql)
        .bind(i64::from(m.epoch))
        .bind(m.node_id.to_string())
        .bind(i64::from(m.weight))
        .bind(to_json(&m.shards)?)
        .bind(m.details.name.clone())
        .bind(m.details.network_address.clone())
        .bind(m.details.public_key.clone())
        .bind(m.details.network_public_key.clone()))
}

fn bind_node<'q>(sql: &'q str, n: &NodeInfo) -> Result<Query<'q>, StoreError> {
    let votes = n
        .votes
        .map(|(s, w, c)| -> Result<_, StoreError> {
            Ok((int(s, "vote")?, int(w, "vote")?, int(c, "vote")?))
        })
        .transpose()?;
    Ok(sqlx::query(sql)
        .bind(n.node_id.to_string())
        .bind(n.cap_id.map(|c| c.to_string()))
        .bind(n.details.name.clone())
        .bind(n.details.network_address.clone())
        .bind(n.details.public_key.clone())
        .bind(n.details.network_public_key.clone())
        .bind(n.registered_epoch.map(i64::from))
        .bind(i64::from(n.commission_rate))
        .bind(n.pending_commission.map(|(rate, _)| i64::from(rate)))
        .bind(n.pending_commission.map(|(_, epoch)| i64::from(epoch)))
        .bind(votes.map(|v| v.0))
        .bind(votes.map(|v| v.1))
        .bind(votes.map(|v| v.2))
        .bind(n.withdraw_epoch.map(i64::from)))
}

fn bind_pool<'q>(sql: &'q str, p: &PoolInfo) -> Result<Query<'q>, StoreError> {
    Ok(sqlx::query(sql)
        .bind(p.node_id.to_string())
        .bind(int(p.initial_balance, "initial_balance")?)
        .bind(int(p.deposited, "deposited")?)
        .bind(int(p.withdrawn, "withdrawn")?)
        .bind(int(p.n_deposits, "n_deposits")?)
        .bind(int(p.rewards, "rewards")?)
        .bind(int(p.commission, "commission")?)
        .bind(int(p.commission_collected, "commission_collected")?)
        .bind(int(p.rewards_withdrawn, "rewards_withdrawn")?))
}

fn bind_stake<'q>(sql: &'q str, s: &StakeInfo) -> Result<Query<'q>, StoreError> {
    Ok(sqlx::query(sql)
        .bind(s.staked_wal_id.to_string())
        .bind(s.owner.clone())
        .bind(s.node_id.to_string())
        .bind(int(s.amount, "amount")?)
        .bind(i64::from(s.activation_epoch))
        .bind(s.state.as_str())
        .bind(s.withdraw_epoch.map(i64::from))
        .bind(opt_int(s.rewards, "rewards")?))
}

fn bind_reward<'q>(sql: &'q str, r: &RewardInfo) -> Result<Query<'q>, StoreError> {
    Ok(sqlx::query(sql)
        .bind(i64::from(r.epoch))
        .bind(r.node_id.to_string())
        .bind(int(r.reward, "reward")?)
        .bind(int(r.commission, "commission")?))
}

fn bind_verdict<'q>(sql: &'q str, v: &ChallengeVerdict) -> Result<Query<'q>, StoreError> {
    Ok(sqlx::query(sql)
        .bind(v.node_id.to_string())
        .bind(i64::from(v.epoch))
        .bind(i64::from(v.passed))
        .bind(int(v.checkpoint, "checkpoint")?))
}

fn bind_slash<'q>(sql: &'q str, s: &SlashInfo) -> Result<Query<'q>, StoreError> {
    Ok(sqlx::query(sql)
        .bind(s.node_id.to_string())
        .bind(i64::from(s.epoch))
        .bind(int(s.amount, "amount")?)
        .bind(int(s.checkpoint, "checkpoint")?))
}

const SELECT_META: &str =
    "SELECT next_checkpoint, events_applied, last_timestamp_ms FROM indexer_meta WHERE id = 0";

// === Store ===

impl Store for SqlStore {
    type Tx<'a> = SqlTx;

    async fn begin(&self) -> Result<SqlTx, StoreError> {
        Ok(SqlTx {
            tx: self.pool.begin().await?,
        })
    }

    async fn meta(&self) -> Result<IndexerMeta, StoreError> {
        sqlx::query_as::<_, MetaRow>(SELECT_META)
            .fetch_one(&self.pool)
            .await?
            .into_model()
    }

    async fn blob_objects(&self, id: BlobId) -> Result<Vec<BlobObject>, StoreError> {
        let sql = format!("{} WHERE blob_id = $1 ORDER BY object_id", *SELECT_BLOB);
        let rows: Vec<BlobRow> = sqlx::query_as(&sql)
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?;
        all(rows, BlobRow::into_model)
    }

    async fn invalid_epoch(&self, id: BlobId) -> Result<Option<Epoch>, StoreError> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT epoch FROM invalid_blobs WHERE blob_id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(e,)| unsigned(e, "epoch")).transpose()
    }

    async fn blobs_by_owner(&self, owner: &str) -> Result<Vec<BlobObject>, StoreError> {
        let sql = format!("{} WHERE owner = $1 ORDER BY object_id", *SELECT_BLOB);
        let rows: Vec<BlobRow> = sqlx::query_as(&sql)
            .bind(owner.to_owned())
            .fetch_all(&self.pool)
            .await?;
        all(rows, BlobRow::into_model)
    }

    async fn epoch(&self, epoch: Epoch) -> Result<Option<EpochInfo>, StoreError> {
        let sql = format!("{} WHERE epoch = $1", *SELECT_EPOCH);
        let row: Option<EpochRow> = sqlx::query_as(&sql)
            .bind(i64::from(epoch))
            .fetch_optional(&self.pool)
            .await?;
        row.map(EpochRow::into_model).transpose()
    }

    async fn latest_epoch(&self) -> Result<Option<EpochInfo>, StoreError> {
        let sql = format!("{} ORDER BY epoch DESC LIMIT 1", *SELECT_EPOCH);
        let row: Option<EpochRow> = sqlx::query_as(&sql).fetch_optional(&self.pool).await?;
        row.map(EpochRow::into_model).transpose()
    }

    async fn committee(&self, epoch: Epoch) -> Result<Vec<CommitteeMember>, StoreError> {
        let sql = format!("{} WHERE epoch = $1 ORDER BY node_id", *SELECT_MEMBER);
        let rows: Vec<MemberRow> = sqlx::query_as(&sql)
            .bind(i64::from(epoch))
            .fetch_all(&self.pool)
            .await?;
        all(rows, MemberRow::into_model)
    }

    async fn nodes(&self) -> Result<Vec<NodeInfo>, StoreError> {
        let sql = format!("{} ORDER BY node_id", *SELECT_NODE);
        let rows: Vec<NodeRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        all(rows, NodeRow::into_model)
    }

    async fn pools(&self) -> Result<Vec<PoolInfo>, StoreError> {
        let sql = format!("{} ORDER BY node_id", *SELECT_POOL);
        let rows: Vec<PoolRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        all(rows, PoolRow::into_model)
    }

    async fn stakes_by_owner(&self, owner: &str) -> Result<Vec<StakeInfo>, StoreError> {
        let sql = format!("{} WHERE owner = $1 ORDER BY staked_wal_id", *SELECT_STAKE);
        let rows: Vec<StakeRow> = sqlx::query_as(&sql)
            .bind(owner.to_owned())
            .fetch_all(&self.pool)
            .await?;
        all(rows, StakeRow::into_model)
    }

    async fn rewards(&self, epoch: Epoch) -> Result<Vec<RewardInfo>, StoreError> {
        let sql = format!("{} WHERE epoch = $1 ORDER BY node_id", *SELECT_REWARD);
        let rows: Vec<RewardRow> = sqlx::query_as(&sql)
            .bind(i64::from(epoch))
            .fetch_all(&self.pool)
            .await?;
        all(rows, RewardRow::into_model)
    }

    async fn challenge_verdicts(
        &self,
        node: Option<ObjectId>,
        epoch: Option<Epoch>,
    ) -> Result<Vec<ChallengeVerdict>, StoreError> {
        // Absent filters bind NULL and match every row.
        let sql = format!(
            "{} WHERE ($1 IS NULL OR node_id = $1) AND ($2 IS NULL OR epoch = $2) \
             ORDER BY node_id, epoch",
            *SELECT_VERDICT
        );
        let rows: Vec<VerdictRow> = sqlx::query_as(&sql)
            .bind(node.map(|n| n.to_string()))
            .bind(epoch.map(i64::from))
            .fetch_all(&self.pool)
            .await?;
        all(rows, VerdictRow::into_model)
    }

    async fn slashes(&self, node: Option<ObjectId>) -> Result<Vec<SlashInfo>, StoreError> {
        let sql = format!(
            "{} WHERE ($1 IS NULL OR node_id = $1) ORDER BY node_id, epoch",
            *SELECT_SLASH
        );
        let rows: Vec<SlashRow> = sqlx::query_as(&sql)
            .bind(node.map(|n| n.to_string()))
            .fetch_all(&self.pool)
            .await?;
        all(rows, SlashRow::into_model)
    }
}

/// A SQL write transaction (rolled back if dropped).
#[derive(Debug)]
pub struct SqlTx {
    tx: Transaction<'static, Any>,
}

impl SqlTx {
    async fn one<R>(&mut self, sql: &str, key: String) -> Result<Option<R>, StoreError>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        Ok(sqlx::query_as(sql)
            .bind(key)
            .fetch_optional(&mut *self.tx)
            .await?)
    }
}

static SELECT_BLOB_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("{} WHERE object_id = $1", *SELECT_BLOB));
static SELECT_NODE_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("{} WHERE node_id = $1", *SELECT_NODE));
static SELECT_POOL_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("{} WHERE node_id = $1", *SELECT_POOL));
static SELECT_STAKE_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("{} WHERE staked_wal_id = $1", *SELECT_STAKE));
static SELECT_EPOCH_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("{} WHERE epoch = $1", *SELECT_EPOCH));
static SELECT_REWARD_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("{} WHERE epoch = $1 AND node_id = $2", *SELECT_REWARD));

impl StoreTx for SqlTx {
    async fn meta(&mut self) -> Result<IndexerMeta, StoreError> {
        sqlx::query_as::<_, MetaRow>(SELECT_META)
            .fetch_one(&mut *self.tx)
            .await?
            .into_model()
    }

    async fn set_meta(&mut self, meta: &IndexerMeta) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE indexer_meta SET next_checkpoint = $1, events_applied = $2, \
             last_timestamp_ms = $3 WHERE id = 0",
        )
        .bind(int(meta.next_checkpoint, "next_checkpoint")?)
        .bind(int(meta.events_applied, "events_applied")?)
        .bind(opt_int(meta.last_timestamp_ms, "last_timestamp_ms")?)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn blob(&mut self, id: ObjectId) -> Result<Option<BlobObject>, StoreError> {
        let row: Option<BlobRow> = self.one(&SELECT_BLOB_BY_ID, id.to_string()).await?;
        row.map(BlobRow::into_model).transpose()
    }

    async fn put_blob(&mut self, blob: &BlobObject) -> Result<(), StoreError> {
        bind_blob(&UPSERT_BLOB, blob)?
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn set_invalid(&mut self, id: BlobId, epoch: Epoch) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO invalid_blobs (blob_id, epoch) VALUES ($1, $2) \
             ON CONFLICT (blob_id) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(i64::from(epoch))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn epoch(&mut self, epoch: Epoch) -> Result<Option<EpochInfo>, StoreError> {
        let row: Option<EpochRow> = sqlx::query_as(&SELECT_EPOCH_BY_ID)
            .bind(i64::from(epoch))
            .fetch_optional(&mut *self.tx)
            .await?;
        row.map(EpochRow::into_model).transpose()
    }

    async fn put_epoch(&mut self, epoch: &EpochInfo) -> Result<(), StoreError> {
        bind_epoch(&UPSERT_EPOCH, epoch)?
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn put_committee_member(&mut self, member: &CommitteeMember) -> Result<(), StoreError> {
        bind_member(&UPSERT_MEMBER, member)?
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn node(&mut self, id: ObjectId) -> Result<Option<NodeInfo>, StoreError> {
        let row: Option<NodeRow> = self.one(&SELECT_NODE_BY_ID, id.to_string()).await?;
        row.map(NodeRow::into_model).transpose()
    }

    async fn put_node(&mut self, node: &NodeInfo) -> Result<(), StoreError> {
        bind_node(&UPSERT_NODE, node)?
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn pool(&mut self, id: ObjectId) -> Result<Option<PoolInfo>, StoreError> {
        let row: Option<PoolRow> = self.one(&SELECT_POOL_BY_ID, id.to_string()).await?;
        row.map(PoolRow::into_model).transpose()
    }

    async fn put_pool(&mut self, pool: &PoolInfo) -> Result<(), StoreError> {
        bind_pool(&UPSERT_POOL, pool)?
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn stake(&mut self, id: ObjectId) -> Result<Option<StakeInfo>, StoreError> {
        let row: Option<StakeRow> = self.one(&SELECT_STAKE_BY_ID, id.to_string()).await?;
        row.map(StakeRow::into_model).transpose()
    }

    async fn put_stake(&mut self, stake: &StakeInfo) -> Result<(), StoreError> {
        bind_stake(&UPSERT_STAKE, stake)?
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn reward(
        &mut self,
        epoch: Epoch,
        node_id: ObjectId,
    ) -> Result<Option<RewardInfo>, StoreError> {
        let row: Option<RewardRow> = sqlx::query_as(&SELECT_REWARD_BY_ID)
            .bind(i64::from(epoch))
            .bind(node_id.to_string())
            .fetch_optional(&mut *self.tx)
            .await?;
        row.map(RewardRow::into_model).transpose()
    }

    async fn put_reward(&mut self, reward: &RewardInfo) -> Result<(), StoreError> {
        bind_reward(&UPSERT_REWARD, reward)?
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn put_challenge_verdict(
        &mut self,
        verdict: &ChallengeVerdict,
    ) -> Result<(), StoreError> {
        bind_verdict(&UPSERT_VERDICT, verdict)?
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn put_slash(&mut self, slash: &SlashInfo) -> Result<(), StoreError> {
        bind_slash(&UPSERT_SLASH, slash)?
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_names_every_column_once() {
        let sql = upsert("rewards", REWARD_COLUMNS, &["epoch", "node_id"]);
        assert_eq!(
            sql,
            "INSERT INTO rewards (epoch, node_id, reward, commission) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (epoch, node_id) DO UPDATE SET reward = excluded.reward, \
             commission = excluded.commission"
        );
    }

    #[test]
    fn urls_pick_the_backend() {
        assert_eq!(
            SqlBackend::of_url("sqlite:///tmp/x.db").ok(),
            Some(SqlBackend::Sqlite)
        );
        assert_eq!(
            SqlBackend::of_url("postgresql://u@h/db").ok(),
            Some(SqlBackend::Postgres)
        );
        assert!(matches!(
            SqlBackend::of_url("mysql://h/db"),
            Err(StoreError::UnsupportedUrl(_))
        ));
    }
}
