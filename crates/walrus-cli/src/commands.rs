//! The command handlers: parse arguments, call the SDK, print text or JSON.

use std::fs::File;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use serde::Serialize;
use sui_sdk_types::Address;
use walrus_core::encoding::{EncodingConfig, compute_metadata};
use walrus_core::{BlobId, ObjectId};
use walrus_sdk::client::ser_display;
use walrus_sdk::encryption::{self, KeySource};
use walrus_sdk::{
    ByteRange, ClientConfig, ReadOptions, StoreOptions, StoreResult, WalrusClient, WithdrawStep,
};

use crate::DEFAULT_N_SHARDS;
use crate::progress::Bars;

/// Global options.
#[derive(Debug)]
pub struct Context {
    /// `--config`.
    pub config_path: Option<PathBuf>,
    /// `--json`.
    pub json: bool,
}

impl Context {
    fn client(&self) -> anyhow::Result<WalrusClient> {
        let path = ClientConfig::resolve_path(self.config_path.as_deref())?;
        let config = ClientConfig::load(&path)?;
        Ok(WalrusClient::from_config(config)?)
    }

    fn print<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string(value)?);
        } else {
            let text = text();
            if !text.is_empty() {
                println!("{text}");
            }
        }
        Ok(())
    }
}

/// Where a key for encryption comes from.
#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    /// Encrypt/decrypt with the 32-byte key in this file (see `walrus generate-key`).
    #[arg(long, conflicts_with_all = ["passphrase_env", "passphrase_file"])]
    key_file: Option<PathBuf>,
    /// Encrypt/decrypt with the passphrase in this environment variable (Argon2id).
    #[arg(long, conflicts_with = "passphrase_file")]
    passphrase_env: Option<String>,
    /// Encrypt/decrypt with the passphrase in this file (first line).
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
}

impl KeyArgs {
    fn key(&self) -> anyhow::Result<Option<KeySource>> {
        if let Some(path) = &self.key_file {
            return Ok(Some(KeySource::Key(encryption::load_key_file(path)?)));
        }
        if let Some(var) = &self.passphrase_env {
            let passphrase = std::env::var(var)
                .with_context(|| format!("environment variable {var} is not set"))?;
            if passphrase.is_empty() {
                bail!("the passphrase in {var} is empty");
            }
            return Ok(Some(KeySource::Passphrase(passphrase)));
        }
        if let Some(path) = &self.passphrase_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let passphrase = text.lines().next().unwrap_or("").to_owned();
            if passphrase.is_empty() {
                bail!("the passphrase file {} is empty", path.display());
            }
            return Ok(Some(KeySource::Passphrase(passphrase)));
        }
        Ok(None)
    }
}

// === store ===

/// `walrus store`.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// The files to store.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Epochs to store for, starting with the current one.
    #[arg(long, default_value_t = 1)]
    epochs: u32,
    /// Make the blob deletable.
    #[arg(long)]
    deletable: bool,
    /// Store even if the blob is already certified long enough.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    key: KeyArgs,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StoreOutput {
    path: String,
    #[serde(serialize_with = "ser_display")]
    blob_id: BlobId,
    encrypted: bool,
    #[serde(flatten)]
    result: StoreResult,
}

pub async fn store(context: &Context, args: StoreArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let key = args.key.key()?;
    let options = StoreOptions {
        epochs: args.epochs,
        deletable: args.deletable,
        force: args.force,
    };
    let limit = client.config().communication.max_blob_size;
    let mut outputs = Vec::new();
    for path in &args.files {
        let mut data = read_file(path, limit)?;
        if let Some(key) = &key {
            data = encryption::encrypt(data, key)?;
        }
        let bars = Bars::new(context.json);
        let result = client
            .store_blob(data, &options, &bars)
            .await
            .with_context(|| format!("cannot store {}", path.display()));
        bars.finish();
        let result = result?;
        outputs.push(StoreOutput {
            path: path.display().to_string(),
            blob_id: result.blob_id(),
            encrypted: key.is_some(),
            result,
        });
    }
    if context.json {
        if outputs.len() == 1 {
            println!("{}", serde_json::to_string(&outputs[0])?);
        } else {
            println!("{}", serde_json::to_string(&outputs)?);
        }
        return Ok(());
    }
    for output in &outputs {
        match &output.result {
            StoreResult::NewlyCreated {
                blob_object, cost, ..
            } => println!(
                "Stored {} as blob {} (object {}, {} bytes, certified until epoch {}, cost {} FROST)",
                output.path,
                output.blob_id,
                blob_object.id,
                blob_object.size,
                blob_object.storage.end_epoch,
                cost
            ),
            StoreResult::AlreadyCertified {
                object_id,
                end_epoch,
                ..
            } => println!(
                "Blob {} ({}) is already certified until epoch {}{}",
                output.blob_id,
                output.path,
                end_epoch,
                object_id
                    .map(|id| format!(" (object {id})"))
                    .unwrap_or_default()
            ),
        }
    }
    Ok(())
}

// === read ===

/// `walrus read`.
#[derive(Debug, clap::Args)]
pub struct ReadArgs {
    /// The blob ID (base64url; one starting with `-` is accepted as is).
    #[arg(allow_hyphen_values = true)]
    pub(crate) blob_id: BlobId,
    /// Write the blob to this file instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Read only this byte range: `START-END` (END inclusive), `START-` or `-LAST`.
    #[arg(long)]
    range: Option<String>,
    /// Re-encode the blob and compare its ID (slower, strongest check).
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    key: KeyArgs,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReadOutputJson {
    #[serde(serialize_with = "ser_display")]
    blob_id: BlobId,
    size: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    out: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<String>,
    faulty_nodes: Vec<walrus_sdk::FaultyNode>,
}

pub async fn read(context: &Context, args: ReadArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let key = args.key.key()?;
    let bars = Bars::new(context.json);
    let (data, faulty_nodes) = match &args.range {
        Some(range) => {
            if key.is_some() {
                bail!("--range cannot be combined with decryption (the whole blob is needed)");
            }
            let range = ByteRange::parse_http(&format!("bytes={range}")).with_context(|| {
                format!("invalid range {range:?} (use START-END, START- or -LAST)")
            })?;
            let output = client.read_range(&args.blob_id, range, &bars).await;
            bars.finish();
            (output?.data, Vec::new())
        }
        None => {
            let options = ReadOptions {
                consistency: if args.strict {
                    walrus_core::encoding::ConsistencyCheck::Strict
                } else {
                    walrus_core::encoding::ConsistencyCheck::Default
                },
            };
            let output = client.read_blob_with(&args.blob_id, &options, &bars).await;
            bars.finish();
            let output = output?;
            (output.data, output.faulty_nodes)
        }
    };
    let data = match &key {
        Some(key) => encryption::decrypt(data, key)
            .with_context(|| format!("cannot decrypt blob {}", args.blob_id))?,
        None => data,
    };
    if let Some(path) = &args.out {
        std::fs::write(path, &data).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if context.json {
        let output = ReadOutputJson {
            blob_id: args.blob_id,
            size: data.len(),
            out: args.out.as_ref().map(|p| p.display().to_string()),
            data: args
                .out
                .is_none()
                .then(|| base64::engine::general_purpose::STANDARD.encode(&data)),
            faulty_nodes,
        };
        println!("{}", serde_json::to_string(&output)?);
    } else if let Some(path) = &args.out {
        eprintln!(
            "Read blob {} ({} bytes) into {}",
            args.blob_id,
            data.len(),
            path.display()
        );
    } else {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&data)?;
        stdout.flush()?;
    }
    Ok(())
}

// === blob status ===

/// `walrus blob-status`.
#[derive(Debug, clap::Args)]
pub struct BlobStatusArgs {
    /// The blob ID (base64url; one starting with `-` is accepted as is).
    #[arg(required_unless_present = "file", allow_hyphen_values = true)]
    blob_id: Option<BlobId>,
    /// Compute the blob ID of this file for the current committee instead.
    #[arg(long, conflicts_with = "blob_id")]
    file: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BlobStatusOutput {
    #[serde(serialize_with = "ser_display")]
    blob_id: BlobId,
    status: walrus_sdk::VerifiedStatus,
    owned_objects: Vec<walrus_sdk::BlobObjectInfo>,
}

pub async fn blob_status(context: &Context, args: BlobStatusArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let blob_id = match (args.blob_id, &args.file) {
        (Some(id), _) => id,
        (None, Some(path)) => {
            let n_shards = client.sui().system_state().await?.committee.n_shards;
            let config = EncodingConfig::new(n_shards)?;
            let data = read_file(path, config.max_blob_size())?;
            *compute_metadata(&config, &data)?.blob_id()
        }
        (None, None) => bail!("give a blob ID or --file"),
    };
    let status = client.verified_blob_status(&blob_id).await?;
    let owned_objects = match client.address() {
        Ok(_) => client
            .owned_blobs_with_id(&blob_id)
            .await?
            .iter()
            .map(|b| walrus_sdk::BlobObjectInfo::from(&b.value))
            .collect(),
        Err(_) => Vec::new(),
    };
    let output = BlobStatusOutput {
        blob_id,
        status,
        owned_objects,
    };
    context.print(&output, || {
        let mut text = format!(
            "Blob {blob_id}: {} (answers from nodes holding {} of {} shards)",
            describe_status(&output.status.status),
            output.status.responding_weight,
            output.status.n_shards
        );
        for object in &output.owned_objects {
            text.push_str(&format!(
                "\n  owned object {}: {}, {}, until epoch {}",
                object.id,
                if object.certified_epoch.is_some() {
                    "certified"
                } else {
                    "registered"
                },
                if object.deletable {
                    "deletable"
                } else {
                    "permanent"
                },
                object.storage.end_epoch
            ));
        }
        text
    })
}

fn describe_status(status: &walrus_sdk::BlobStatus) -> String {
    use walrus_sdk::BlobStatus;
    match status {
        BlobStatus::Nonexistent => "nonexistent".to_owned(),
        BlobStatus::Invalid { .. } => "invalid".to_owned(),
        BlobStatus::Permanent {
            end_epoch,
            is_certified,
            ..
        } => format!(
            "permanent, {} until epoch {end_epoch}",
            if *is_certified {
                "certified"
            } else {
                "registered"
            }
        ),
        BlobStatus::Deletable {
            deletable_counts, ..
        } => format!(
            "deletable ({} objects, {} certified)",
            deletable_counts.count_deletable_total, deletable_counts.count_deletable_certified
        ),
    }
}

// === blob objects ===

/// `walrus extend`.
#[derive(Debug, clap::Args)]
pub struct ExtendArgs {
    /// The `Blob` object.
    #[arg(long)]
    blob_obj_id: ObjectId,
    /// Epochs to add.
    #[arg(long)]
    epochs: u32,
}

pub async fn extend(context: &Context, args: ExtendArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let blob = client.extend_blob(args.blob_obj_id, args.epochs).await?;
    context.print(&blob, || {
        format!(
            "Extended blob object {} to end epoch {}",
            blob.id, blob.storage.end_epoch
        )
    })
}

/// `walrus transfer`.
#[derive(Debug, clap::Args)]
pub struct TransferArgs {
    /// The object to transfer.
    #[arg(long)]
    object_id: ObjectId,
    /// The recipient address.
    #[arg(long)]
    to: Address,
}

pub async fn transfer(context: &Context, args: TransferArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    client.transfer(args.object_id, args.to).await?;
    let output = serde_json::json!({
        "objectId": args.object_id.to_string(),
        "recipient": args.to.to_string(),
    });
    context.print(&output, || {
        format!("Transferred {} to {}", args.object_id, args.to)
    })
}

/// `walrus delete`.
#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// The deletable `Blob` object.
    #[arg(long)]
    blob_obj_id: ObjectId,
}

pub async fn delete(context: &Context, args: DeleteArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let storage = client.delete_blob(args.blob_obj_id).await?;
    let output = serde_json::json!({
        "deletedBlobObject": args.blob_obj_id.to_string(),
        "storage": storage,
    });
    context.print(&output, || {
        format!(
            "Deleted blob object {}; storage {} ({} bytes until epoch {}) returned",
            args.blob_obj_id, storage.id, storage.storage_size, storage.end_epoch
        )
    })
}

/// `walrus set-attribute`.
#[derive(Debug, clap::Args)]
pub struct SetAttributeArgs {
    /// The `Blob` object.
    #[arg(long)]
    blob_obj_id: ObjectId,
    /// The key.
    key: String,
    /// The value.
    value: String,
}

pub async fn set_attribute(context: &Context, args: SetAttributeArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    client
        .set_attribute(args.blob_obj_id, &args.key, &args.value)
        .await?;
    let attributes = client.attributes(args.blob_obj_id).await?;
    print_attributes(context, args.blob_obj_id, &attributes)
}

/// `walrus remove-attribute`.
#[derive(Debug, clap::Args)]
pub struct RemoveAttributeArgs {
    /// The `Blob` object.
    #[arg(long)]
    blob_obj_id: ObjectId,
    /// The key.
    key: String,
}

pub async fn remove_attribute(context: &Context, args: RemoveAttributeArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    client.remove_attribute(args.blob_obj_id, &args.key).await?;
    let attributes = client.attributes(args.blob_obj_id).await?;
    print_attributes(context, args.blob_obj_id, &attributes)
}

/// `walrus get-attributes`.
#[derive(Debug, clap::Args)]
pub struct GetAttributesArgs {
    /// The `Blob` object.
    #[arg(long)]
    blob_obj_id: ObjectId,
}

pub async fn get_attributes(context: &Context, args: GetAttributesArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let attributes = client.attributes(args.blob_obj_id).await?;
    print_attributes(context, args.blob_obj_id, &attributes)
}

fn print_attributes(
    context: &Context,
    object_id: ObjectId,
    attributes: &[(String, String)],
) -> anyhow::Result<()> {
    let map: serde_json::Map<String, serde_json::Value> = attributes
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let output = serde_json::json!({ "blobObjectId": object_id.to_string(), "attributes": map });
    context.print(&output, || {
        if attributes.is_empty() {
            format!("Blob object {object_id} has no attributes")
        } else {
            attributes
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n")
        }
    })
}

/// `walrus list-blobs`.
#[derive(Debug, clap::Args)]
pub struct ListBlobsArgs {
    /// Include expired blobs.
    #[arg(long)]
    include_expired: bool,
    /// Also list the wallet's storage resources.
    #[arg(long)]
    storage: bool,
}

pub async fn list_blobs(context: &Context, args: ListBlobsArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let blobs = client.list_blobs(args.include_expired).await?;
    let storage = if args.storage {
        Some(client.list_storage().await?)
    } else {
        None
    };
    if context.json {
        let value = match &storage {
            Some(storage) => serde_json::json!({ "blobs": blobs, "storage": storage }),
            None => serde_json::to_value(&blobs)?,
        };
        println!("{}", serde_json::to_string(&value)?);
        return Ok(());
    }
    if blobs.is_empty() {
        println!("No blobs");
    }
    for blob in &blobs {
        println!(
            "{}  {}  {} bytes  {}  until epoch {}{}",
            blob.blob_id,
            blob.id,
            blob.size,
            if blob.certified_epoch.is_some() {
                "certified"
            } else {
                "registered"
            },
            blob.storage.end_epoch,
            if blob.deletable { "  deletable" } else { "" }
        );
    }
    for s in storage.iter().flatten() {
        println!(
            "storage {}  {} bytes  epochs {}..{}",
            s.id, s.storage_size, s.start_epoch, s.end_epoch
        );
    }
    Ok(())
}

pub async fn info(context: &Context) -> anyhow::Result<()> {
    let client = context.client()?;
    let info = client.system_info().await?;
    context.print(&info, || {
        let mut text = format!(
            "Epoch {} ({} ms per epoch), {} shards, {} nodes\n\
             Storage price {} FROST per MiB per epoch, write price {} FROST per MiB\n\
             Capacity {} of {} bytes used; largest blob {} bytes",
            info.epoch,
            info.epoch_duration_ms,
            info.n_shards,
            info.members.len(),
            info.storage_price_per_unit_size,
            info.write_price_per_unit_size,
            info.used_capacity_size,
            info.total_capacity_size,
            info.max_blob_size
        );
        for member in &info.members {
            text.push_str(&format!(
                "\n  {} {} at {} ({} shards)",
                member.node_id, member.name, member.network_address, member.n_shards
            ));
        }
        text
    })
}

// === staking ===

/// `walrus stake`.
#[derive(Debug, clap::Args)]
pub struct StakeArgs {
    /// The node (= staking pool) ID.
    #[arg(long)]
    node_id: ObjectId,
    /// The amount in FROST (1 WAL = 10^9 FROST).
    #[arg(long)]
    amount: u64,
}

pub async fn stake(context: &Context, args: StakeArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let stake = client.stake(args.node_id, args.amount).await?;
    context.print(&stake, || {
        format!(
            "Staked {} FROST with {} as {} (active from epoch {})",
            stake.principal, stake.node_id, stake.id, stake.activation_epoch
        )
    })
}

/// `walrus withdraw`.
#[derive(Debug, clap::Args)]
pub struct WithdrawArgs {
    /// The `StakedWal` object.
    #[arg(long)]
    staked_wal_id: ObjectId,
}

pub async fn withdraw(context: &Context, args: WithdrawArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let step = client.withdraw(args.staked_wal_id).await?;
    context.print(&step, || match step {
        WithdrawStep::Requested { withdraw_epoch } => format!(
            "Withdrawal of {} requested{}",
            args.staked_wal_id,
            withdraw_epoch
                .map(|e| format!("; run `walrus withdraw` again from epoch {e}"))
                .unwrap_or_default()
        ),
        WithdrawStep::Withdrawn { amount } => {
            format!("Withdrew {} FROST from {}", amount, args.staked_wal_id)
        }
    })
}

pub async fn stakes(context: &Context) -> anyhow::Result<()> {
    let client = context.client()?;
    let stakes = client.stakes().await?;
    context.print(&stakes, || {
        if stakes.is_empty() {
            return "No stakes".to_owned();
        }
        stakes
            .iter()
            .map(|s| {
                format!(
                    "{}  node {}  {} FROST{}  {}{}",
                    s.id,
                    s.node_id,
                    s.principal,
                    s.estimated_value
                        .map(|v| format!(" (now worth {v})"))
                        .unwrap_or_default(),
                    s.state,
                    s.withdraw_epoch
                        .map(|e| format!(" from epoch {e}"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// `walrus challenges`.
#[derive(Debug, clap::Args)]
pub struct ChallengesArgs {
    /// Only this node (default: every committee member and every node with a record).
    #[arg(long)]
    node: Option<ObjectId>,
}

pub async fn challenges(context: &Context, args: ChallengesArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let info = client.challenges(args.node).await?;
    context.print(&info, || challenges_text(&info))
}

fn challenges_text(info: &walrus_sdk::ChallengesInfo) -> String {
    let mut text = format!(
        "Epoch {}: window {} epochs, slash {}.{:02}% after {} consecutive failures; {} FROST \
         slashed in total, {} FROST in the slashing fund (taken from withdrawn stakes)",
        info.epoch,
        info.window,
        info.slash_bps / 100,
        info.slash_bps % 100,
        info.slash_after_failures,
        info.total_slashed,
        info.slashed_fund
    );
    for node in &info.nodes {
        let recent = if node.recent.is_empty() {
            "no record".to_owned()
        } else {
            format!("recent {}", node.recent.join(" "))
        };
        text.push_str(&format!(
            "\n  {}{}  this epoch: {}  {}  ({} failed in window, streak {})",
            node.node_id,
            if node.in_committee {
                ""
            } else {
                " (not in committee)"
            },
            node.current_verdict,
            recent,
            node.failures_in_window,
            node.consecutive_failures
        ));
    }
    text
}

// === blob-id ===

/// `walrus blob-id`.
#[derive(Debug, clap::Args)]
pub struct BlobIdArgs {
    /// The file to encode.
    file: PathBuf,
    /// The number of shards of the committee the blob is encoded for.
    #[arg(long, default_value_t = DEFAULT_N_SHARDS)]
    n_shards: u16,
}

/// The `--json` output of `walrus blob-id`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BlobIdOutput {
    blob_id: String,
    blob_id_u256: String,
    root_hash: String,
    unencoded_length: u64,
    symbol_size: u16,
    encoded_length: u64,
    storage_units: u64,
    n_shards: u16,
    encoding_type: String,
    file: String,
}

pub fn blob_id(context: &Context, args: &BlobIdArgs) -> anyhow::Result<()> {
    let config = EncodingConfig::new(args.n_shards)?;
    let data = read_file(&args.file, config.max_blob_size())?;
    let metadata = compute_metadata(&config, &data)
        .with_context(|| format!("cannot encode {}", args.file.display()))?;
    let length = metadata.metadata().unencoded_length();
    if context.json {
        let output = BlobIdOutput {
            blob_id: metadata.blob_id().to_string(),
            blob_id_u256: metadata.blob_id().to_move_u256_decimal(),
            root_hash: hex::encode(metadata.metadata().compute_root_hash().bytes()),
            unencoded_length: length,
            symbol_size: metadata.symbol_size(),
            encoded_length: config.encoded_blob_length(length)?,
            storage_units: config.storage_units(length)?,
            n_shards: args.n_shards,
            encoding_type: "RS2".to_owned(),
            file: args.file.display().to_string(),
        };
        println!("{}", serde_json::to_string(&output)?);
    } else {
        println!("{}", metadata.blob_id());
    }
    Ok(())
}

// === daemon ===

/// `walrus daemon`.
#[derive(Debug, clap::Args)]
pub struct DaemonArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:31415")]
    bind: SocketAddr,
    /// The largest accepted upload, in bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    max_body_size: u64,
    /// Epochs for uploads that name none.
    #[arg(long, default_value_t = 1)]
    default_epochs: u32,
    /// Serve reads only (no wallet needed).
    #[arg(long)]
    aggregator_only: bool,
}

pub async fn daemon(context: &Context, args: DaemonArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let publisher = !args.aggregator_only;
    if publisher && client.address().is_err() {
        bail!(
            "the publisher needs a wallet (wallet_path in the config); or pass --aggregator-only"
        );
    }
    let config = walrus_sdk::daemon::DaemonConfig {
        max_body_size: args.max_body_size,
        default_epochs: args.default_epochs,
        publisher,
    };
    let json = context.json;
    walrus_sdk::daemon::bind_and_serve(
        args.bind,
        client,
        config,
        move |address| {
            if json {
                println!("{}", serde_json::json!({ "address": address.to_string() }));
            } else {
                println!("walrus daemon listening on http://{address}");
            }
            let _ = std::io::stdout().flush();
        },
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    )
    .await
    .with_context(|| format!("daemon on {}", args.bind))
}

// === generate-key ===

/// `walrus generate-key`.
#[derive(Debug, clap::Args)]
pub struct GenerateKeyArgs {
    /// Where to write the key (must not exist).
    #[arg(long)]
    out: PathBuf,
}

pub fn generate_key(context: &Context, args: &GenerateKeyArgs) -> anyhow::Result<()> {
    encryption::generate_key_file(&args.out)?;
    let output = serde_json::json!({ "keyFile": args.out.display().to_string() });
    context.print(&output, || {
        format!("Wrote a new key to {}", args.out.display())
    })
}

/// Reads a whole file, refusing it up front if it is larger than `max_size`.
fn read_file(path: &Path, max_size: u64) -> anyhow::Result<Vec<u8>> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let metadata = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if !metadata.is_file() {
        bail!("{} is not a regular file", path.display());
    }
    let size = metadata.len();
    if size > max_size {
        bail!(
            "{} is {size} bytes, larger than the maximum blob size of {max_size} bytes for this \
             shard count",
            path.display()
        );
    }
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.read_to_end(&mut data)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if u64::try_from(data.len()).unwrap_or(u64::MAX) > max_size {
        bail!(
            "{} grew beyond the maximum blob size while reading",
            path.display()
        );
    }
    Ok(data)
}
