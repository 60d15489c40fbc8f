//! Storing a blob: encode, register on chain (buying storage or reusing an owned resource),
//! upload metadata and slivers to every node, collect a quorum of signed confirmations,
//! aggregate them and certify the blob on chain.
//!
//! Memory: the input is dropped as soon as it is encoded, so a store holds the encoded slivers
//! and metadata only; each request serializes one sliver at a time.

use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt, TryStreamExt};
use serde::Serialize;
use walrus_core::encoding::{EncodedBlob, EncodingConfig, SliverPair, encode_with_metadata};
use walrus_core::messages::MessageVerificationError;
use walrus_core::messages::storage_confirmation::{
    BlobPersistenceConfirmation, BlobPersistenceType, SignedStorageConfirmation,
};
use walrus_core::{BlobId, ConfirmationCertificate, ObjectId};
use walrus_node_api::BlobStatus;
use walrus_sui::client::{BlobRegistration, Certificate, Owned};
use walrus_sui::move_types::U256;
use walrus_sui::objects::Blob;

use crate::client::{BlobObjectInfo, WalrusClient, ser_display};
use crate::committee::{Committee, Member};
use crate::error::{SdkError, SdkResult};
use crate::node_ops::{is_retryable_write, status_from_nodes, with_retries};
use crate::progress::{Progress, ProgressEvent};

/// How many epoch changes one store follows (uploading to the new committee each time) before it
/// gives up.
const MAX_EPOCH_CHANGES_PER_STORE: u32 = 2;

/// How to store a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Epochs to store the blob for, starting with the current one.
    pub epochs: u32,
    /// Whether the blob may be deleted by its owner before it expires.
    pub deletable: bool,
    /// Store even if the blob is already certified long enough.
    pub force: bool,
}

impl StoreOptions {
    /// A permanent blob for `epochs` epochs.
    pub fn permanent(epochs: u32) -> Self {
        Self {
            epochs,
            deletable: false,
            force: false,
        }
    }

    /// A deletable blob for `epochs` epochs.
    pub fn deletable(epochs: u32) -> Self {
        Self {
            epochs,
            deletable: true,
            force: false,
        }
    }
}

/// How the storage for a new blob was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceOperation {
    /// New storage was bought.
    #[serde(rename_all = "camelCase")]
    RegisterFromScratch {
        /// Encoded length paid for.
        encoded_length: u64,
        /// Epochs bought.
        epochs_ahead: u32,
    },
    /// An owned `Storage` resource was used.
    #[serde(rename_all = "camelCase")]
    ReuseStorage {
        /// Encoded length.
        encoded_length: u64,
    },
    /// An owned, registered but uncertified `Blob` object was completed.
    #[serde(rename_all = "camelCase")]
    ReuseRegistration {
        /// Encoded length.
        encoded_length: u64,
    },
}

/// The outcome of a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StoreResult {
    /// The blob was uploaded and certified.
    #[serde(rename_all = "camelCase")]
    NewlyCreated {
        /// The certified object.
        blob_object: BlobObjectInfo,
        /// How storage was obtained.
        resource_operation: ResourceOperation,
        /// WAL spent, in FROST.
        cost: u64,
    },
    /// The blob was already certified long enough; nothing was uploaded or paid.
    #[serde(rename_all = "camelCase")]
    AlreadyCertified {
        /// The blob ID.
        #[serde(serialize_with = "ser_display")]
        blob_id: BlobId,
        /// The wallet's certified object, if the certification is the wallet's own.
        #[serde(serialize_with = "crate::client::ser_display_option")]
        object_id: Option<ObjectId>,
        /// The epoch until which it is certified (exclusive).
        end_epoch: u32,
    },
}

impl StoreResult {
    /// The blob ID.
    pub fn blob_id(&self) -> BlobId {
        match self {
            StoreResult::NewlyCreated { blob_object, .. } => blob_object.blob_id,
            StoreResult::AlreadyCertified { blob_id, .. } => *blob_id,
        }
    }

    /// The blob object, if one was created or is owned.
    pub fn object_id(&self) -> Option<ObjectId> {
        match self {
            StoreResult::NewlyCreated { blob_object, .. } => Some(blob_object.id),
            StoreResult::AlreadyCertified { object_id, .. } => *object_id,
        }
    }
}

/// One node's upload result.
struct NodeUpload<'a> {
    member: &'a Member,
    result: Result<(), String>,
}

impl WalrusClient {
    /// Stores `data` as a blob. See the module documentation for the steps.
    pub async fn store_blob(
        &self,
        data: Vec<u8>,
        options: &StoreOptions,
        progress: &dyn Progress,
    ) -> SdkResult<StoreResult> {
        if options.epochs == 0 {
            return Err(SdkError::InvalidArgument(
                "store for at least one epoch".into(),
            ));
        }
        let size = u64::try_from(data.len()).unwrap_or(u64::MAX);
        let limit = self.config().communication.max_blob_size;
        if size > limit {
            return Err(SdkError::BlobTooLarge { size, limit });
        }
        let committee = self.committee().await?;
        let encoding_config = EncodingConfig::new(committee.n_shards)?;
        encoding_config.check_blob_size(size)?;
        progress.event(ProgressEvent::EncodingStarted { size });
        let encoded = tokio::task::spawn_blocking(move || {
            let encoded = encode_with_metadata(&encoding_config, &data);
            drop(data);
            encoded
        })
        .await
        .map_err(|e| SdkError::Task(e.to_string()))??;
        let blob_id = *encoded.blob_id();
        let encoded_length = encoding_config.encoded_blob_length(size)?;
        progress.event(ProgressEvent::Encoded {
            blob_id,
            encoded_size: encoded_length,
        });
        let end_epoch = committee.epoch.saturating_add(options.epochs);

        if !options.force
            && let Some(done) = self
                .already_certified(&committee, &blob_id, end_epoch, options.deletable)
                .await?
        {
            progress.event(ProgressEvent::AlreadyCertified { blob_id });
            return Ok(done);
        }

        let owner = self.address()?;
        let balance_before = self.sui().wal_balance(owner).await?;
        let (blob, resource_operation) = self
            .register(&encoded, encoded_length, end_epoch, options)
            .await?;
        progress.event(ProgressEvent::Registered {
            object_id: blob.value.id.id,
        });

        let blob_type = if options.deletable {
            BlobPersistenceType::Deletable {
                object_id: blob.value.id.id,
            }
        } else {
            BlobPersistenceType::Permanent
        };
        // An epoch change during the upload makes the nodes refuse the old committee's shards
        // or sign for the new epoch, or the chain refuse the old epoch's certificate: upload to
        // the new committee and certify again (the registration stays valid).
        let mut committee = committee;
        let mut epoch_changes = 0;
        loop {
            let result = async {
                let certificate = self
                    .upload_and_confirm(&committee, &encoded, blob_type, progress)
                    .await?;
                progress.event(ProgressEvent::Certifying);
                self.sui()
                    .certify_blob(blob.object_ref.id, &certificate)
                    .await?;
                SdkResult::Ok(())
            }
            .await;
            let Err(error) = result else { break };
            let current = self.committee().await?;
            if current.epoch == committee.epoch || epoch_changes >= MAX_EPOCH_CHANGES_PER_STORE {
                return Err(error);
            }
            epoch_changes += 1;
            committee = current;
        }
        drop(encoded);
        progress.event(ProgressEvent::Certified { blob_id });
        let certified = self.blob_object(blob.value.id.id).await?;
        let balance_after = self.sui().wal_balance(owner).await?;
        Ok(StoreResult::NewlyCreated {
            blob_object: BlobObjectInfo::from(&certified.value),
            resource_operation,
            cost: balance_before.saturating_sub(balance_after),
        })
    }

    /// The wallet's own certified object lasting until `end_epoch`, or (for permanent blobs) a
    /// permanent certification reported by a validity quorum of nodes.
    async fn already_certified(
        &self,
        committee: &Committee,
        blob_id: &BlobId,
        end_epoch: u32,
        deletable: bool,
    ) -> SdkResult<Option<StoreResult>> {
        let owned = self.owned_blobs_with_id(blob_id).await?;
        if let Some(blob) = owned.iter().find(|b| {
            b.value.certified_epoch.is_some()
                && b.value.storage.end_epoch >= end_epoch
                && b.value.deletable == deletable
        }) {
            return Ok(Some(StoreResult::AlreadyCertified {
                blob_id: *blob_id,
                object_id: Some(blob.value.id.id),
                end_epoch: blob.value.storage.end_epoch,
            }));
        }
        if deletable {
            return Ok(None);
        }
        let status = status_from_nodes(committee, blob_id, self.config()).await;
        if let BlobStatus::Permanent {
            end_epoch: certified_until,
            is_certified: true,
            ..
        } = status.status
            && certified_until >= end_epoch
        {
            return Ok(Some(StoreResult::AlreadyCertified {
                blob_id: *blob_id,
                object_id: None,
                end_epoch: certified_until,
            }));
        }
        Ok(None)
    }

    /// Registers an already encoded blob on chain for `options.epochs` epochs from the current
    /// one, obtaining storage as [`Self::store_blob`] does, and returns the owned `Blob` object.
    ///
    /// This and [`Self::upload_to_node`], [`Self::upload_metadata_to_node`] and
    /// [`Self::certificate_from_nodes`] are the steps of [`Self::store_blob`] for callers that
    /// build the [`EncodedBlob`] themselves (tests acting as a malicious client upload a
    /// tampered encoding this way); certify with `self.sui().certify_blob`.
    pub async fn register_encoded(
        &self,
        encoded: &EncodedBlob,
        options: &StoreOptions,
    ) -> SdkResult<(Owned<Blob>, ResourceOperation)> {
        let config = encoded.metadata.config();
        let encoded_length =
            config.encoded_blob_length(encoded.metadata.metadata().unencoded_length())?;
        let end_epoch = self
            .sui()
            .current_epoch()
            .await?
            .saturating_add(options.epochs);
        self.register(encoded, encoded_length, end_epoch, options)
            .await
    }

    /// Uploads the metadata and the slivers of `member`'s shards to that node (one node's share
    /// of [`Self::store_blob`]'s upload). See [`Self::register_encoded`].
    pub async fn upload_to_node(
        &self,
        member: &Member,
        encoded: &EncodedBlob,
        progress: &dyn Progress,
    ) -> SdkResult<()> {
        self.upload_parts(member, encoded, true, progress)
            .await
            .map_err(|detail| SdkError::NodeRequest {
                node: describe(member),
                detail,
            })
    }

    /// Uploads only the metadata to `member`, none of its slivers. See
    /// [`Self::register_encoded`].
    pub async fn upload_metadata_to_node(
        &self,
        member: &Member,
        encoded: &EncodedBlob,
    ) -> SdkResult<()> {
        self.upload_parts(member, encoded, false, &crate::progress::NoProgress)
            .await
            .map_err(|detail| SdkError::NodeRequest {
                node: describe(member),
                detail,
            })
    }

    /// Collects signed storage confirmations of `blob_id` from `members` until they hold
    /// `n - f` shards, verifies them and aggregates them into the certificate that
    /// `certify_blob` takes. See [`Self::register_encoded`].
    pub async fn certificate_from_nodes(
        &self,
        committee: &Committee,
        members: &[&Member],
        blob_id: BlobId,
        blob_type: BlobPersistenceType,
    ) -> SdkResult<Certificate> {
        let expected = BlobPersistenceConfirmation { blob_id, blob_type };
        self.collect_certificate(committee, members, &expected, Vec::new())
            .await
    }

    /// Registers the blob: completes an owned uncertified registration, or uses an owned
    /// `Storage` that fits (splitting off the excess), or buys new storage.
    async fn register(
        &self,
        encoded: &EncodedBlob,
        encoded_length: u64,
        end_epoch: u32,
        options: &StoreOptions,
    ) -> SdkResult<(Owned<Blob>, ResourceOperation)> {
        let blob_id = *encoded.blob_id();
        let metadata = encoded.metadata.metadata();
        let registration = BlobRegistration {
            blob_id,
            root_hash: U256(*metadata.compute_root_hash().bytes()),
            size: metadata.unencoded_length(),
            encoding_type: metadata.encoding_type().as_u8(),
            deletable: options.deletable,
        };
        let current_epoch = self.sui().current_epoch().await?;
        if !options.force
            && let Some(existing) =
                self.owned_blobs_with_id(&blob_id)
                    .await?
                    .into_iter()
                    .find(|b| {
                        b.value.certified_epoch.is_none()
                            && b.value.deletable == options.deletable
                            && b.value.storage.end_epoch >= end_epoch
                    })
        {
            return Ok((
                existing,
                ResourceOperation::ReuseRegistration { encoded_length },
            ));
        }
        let owner = self.address()?;
        let mut candidates: Vec<_> = self
            .sui()
            .owned_storage(owner)
            .await?
            .into_iter()
            .filter(|s| {
                s.value.start_epoch <= current_epoch
                    && s.value.end_epoch >= end_epoch
                    && s.value.storage_size >= encoded_length
            })
            .collect();
        candidates.sort_by_key(|s| (s.value.storage_size, s.value.end_epoch));
        if let Some(storage) = candidates.first() {
            let storage_id = storage.object_ref.id;
            if storage.value.storage_size > encoded_length {
                // Keep exactly the needed size; the rest stays with the wallet.
                self.sui()
                    .split_storage_by_size(storage_id, encoded_length)
                    .await?;
            }
            let blob = self.sui().register_blob(storage_id, &registration).await?;
            return Ok((blob, ResourceOperation::ReuseStorage { encoded_length }));
        }
        let epochs_ahead = end_epoch.saturating_sub(current_epoch);
        let blob = self
            .sui()
            .reserve_and_register_blob(epochs_ahead, &registration)
            .await?;
        Ok((
            blob,
            ResourceOperation::RegisterFromScratch {
                encoded_length,
                epochs_ahead,
            },
        ))
    }

    /// Uploads to every node, collects confirmations from nodes holding at least `n - f`
    /// shards and aggregates them.
    async fn upload_and_confirm(
        &self,
        committee: &Committee,
        encoded: &EncodedBlob,
        blob_type: BlobPersistenceType,
        progress: &dyn Progress,
    ) -> SdkResult<Certificate> {
        let blob_id = *encoded.blob_id();
        let n_shards = committee.n_shards;
        let comm = &self.config().communication;
        let writers: Vec<&Member> = committee.members.iter().filter(|m| m.weight > 0).collect();
        let sliver_bytes: u64 = encoded
            .sliver_pairs
            .iter()
            .map(|p| (p.primary.data().len() + p.secondary.data().len()) as u64)
            .sum();
        progress.event(ProgressEvent::UploadStarted {
            n_nodes: writers.len(),
            n_shards,
            total_bytes: sliver_bytes,
        });

        let start = Instant::now();
        let mut uploads: FuturesUnordered<_> = writers
            .iter()
            .map(|member| async move {
                let result = self.upload_parts(member, encoded, true, progress).await;
                NodeUpload { member, result }
            })
            .collect();
        let mut stored: Vec<&Member> = Vec::new();
        let mut failures: Vec<String> = Vec::new();
        let mut stored_weight = 0u16;
        let mut deadline: Option<Instant> = None;
        loop {
            let next = match deadline {
                None => uploads.next().await,
                Some(deadline) => {
                    match tokio::time::timeout_at(deadline.into(), uploads.next()).await {
                        Ok(next) => next,
                        Err(_) => break,
                    }
                }
            };
            let Some(upload) = next else { break };
            match upload.result {
                Ok(()) => {
                    stored_weight = stored_weight.saturating_add(upload.member.weight);
                    stored.push(upload.member);
                    progress.event(ProgressEvent::NodeStored {
                        node_id: upload.member.node_id,
                        weight: upload.member.weight,
                    });
                }
                Err(error) => {
                    progress.event(ProgressEvent::NodeFailed {
                        node_id: upload.member.node_id,
                        error: error.clone(),
                    });
                    failures.push(format!("{}: {error}", describe(upload.member)));
                }
            }
            if deadline.is_none() && stored_weight >= committee.min_correct() {
                let elapsed = start.elapsed();
                let extra = elapsed.mul_f64(f64::from(comm.extra_time_percent) / 100.0)
                    + Duration::from_millis(comm.extra_time_ms);
                deadline = Some(Instant::now() + extra);
            }
        }
        drop(uploads);
        if stored_weight < committee.min_correct() {
            return Err(SdkError::NotEnoughConfirmations {
                weight: stored_weight,
                needed: committee.min_correct(),
                n_shards,
                failures,
            });
        }

        progress.event(ProgressEvent::CollectingConfirmations);
        let expected = BlobPersistenceConfirmation { blob_id, blob_type };
        self.collect_certificate(committee, &stored, &expected, failures)
            .await
    }

    /// Asks `stored` for confirmations until `n - f` shards confirmed, then aggregates them.
    /// `failures` (earlier per-node errors) go into the error if there are too few.
    async fn collect_certificate(
        &self,
        committee: &Committee,
        stored: &[&Member],
        expected: &BlobPersistenceConfirmation,
        mut failures: Vec<String>,
    ) -> SdkResult<Certificate> {
        let n_shards = committee.n_shards;
        let mut requests: FuturesUnordered<_> = stored
            .iter()
            .map(|member| async move {
                let result = self
                    .confirmation_from(member, committee.epoch, expected)
                    .await;
                (*member, result)
            })
            .collect();
        let mut confirmations: Vec<(u16, SignedStorageConfirmation)> = Vec::new();
        let mut confirmed_weight = 0u16;
        while let Some((member, result)) = requests.next().await {
            match result {
                Ok(signed) => {
                    confirmed_weight = confirmed_weight.saturating_add(member.weight);
                    confirmations.push((member.index, signed));
                    if confirmed_weight >= committee.min_correct() {
                        break;
                    }
                }
                Err(error) => failures.push(format!("{}: {error}", describe(member))),
            }
        }
        drop(requests);
        if confirmed_weight < committee.min_correct() {
            return Err(SdkError::NotEnoughConfirmations {
                weight: confirmed_weight,
                needed: committee.min_correct(),
                n_shards,
                failures,
            });
        }
        confirmations.sort_by_key(|(index, _)| *index);
        let certificate = ConfirmationCertificate::from_signed_messages(
            confirmations.iter().map(|(index, signed)| (*index, signed)),
        )
        .map_err(|e| SdkError::Certificate(e.to_string()))?;
        Ok(Certificate {
            signature: certificate.signature.to_bytes().to_vec(),
            signers_bitmap: certificate
                .signers_bitmap(committee.members.len())
                .map_err(|e| SdkError::Certificate(e.to_string()))?,
            message: certificate.serialized_message.clone(),
        })
    }

    /// Sends the metadata, then (if `with_slivers`) the node's slivers (a bounded number at a
    /// time).
    async fn upload_parts(
        &self,
        member: &Member,
        encoded: &EncodedBlob,
        with_slivers: bool,
        progress: &dyn Progress,
    ) -> Result<(), String> {
        let client = member.client.as_ref().ok_or_else(|| {
            member
                .client_error
                .clone()
                .unwrap_or_else(|| "no client".to_owned())
        })?;
        let comm = &self.config().communication;
        let blob_id = *encoded.blob_id();
        let metadata = encoded.metadata.metadata();
        with_retries(comm, is_retryable_write, || {
            client.put_metadata(&blob_id, metadata)
        })
        .await
        .map_err(|e| format!("metadata: {e}"))?;
        if !with_slivers {
            return Ok(());
        }
        let n_shards = u16::try_from(encoded.sliver_pairs.len()).map_err(|e| e.to_string())?;
        let pairs: Vec<&SliverPair> = member
            .pairs_for(n_shards, &blob_id)
            .into_iter()
            .filter_map(|pair| encoded.sliver_pairs.get(pair.as_usize()))
            .collect();
        let puts: Vec<_> = pairs
            .into_iter()
            .map(|pair| async move {
                let index = pair.index();
                with_retries(comm, is_retryable_write, || {
                    client.put_sliver(&blob_id, index, &pair.primary)
                })
                .await
                .map_err(|e| format!("primary sliver {index}: {e}"))?;
                progress.event(ProgressEvent::BytesSent {
                    bytes: pair.primary.data().len() as u64,
                });
                with_retries(comm, is_retryable_write, || {
                    client.put_sliver(&blob_id, index, &pair.secondary)
                })
                .await
                .map_err(|e| format!("secondary sliver {index}: {e}"))?;
                progress.event(ProgressEvent::BytesSent {
                    bytes: pair.secondary.data().len() as u64,
                });
                Ok::<(), String>(())
            })
            .collect();
        futures::stream::iter(puts)
            .buffer_unordered(comm.max_concurrent_uploads_per_node.max(1))
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    /// Fetches and verifies one node's confirmation.
    async fn confirmation_from(
        &self,
        member: &Member,
        epoch: u32,
        expected: &BlobPersistenceConfirmation,
    ) -> Result<SignedStorageConfirmation, String> {
        let client = member
            .client
            .as_ref()
            .ok_or_else(|| "no client".to_owned())?;
        let public_key = member
            .public_key
            .as_ref()
            .ok_or_else(|| "invalid public key on chain".to_owned())?;
        let comm = &self.config().communication;
        let mut attempt = 1;
        loop {
            let signed = with_retries(comm, is_retryable_write, || async {
                match expected.blob_type {
                    BlobPersistenceType::Permanent => {
                        client.get_permanent_confirmation(&expected.blob_id).await
                    }
                    BlobPersistenceType::Deletable { object_id } => {
                        client
                            .get_deletable_confirmation(&expected.blob_id, &object_id)
                            .await
                    }
                }
            })
            .await
            .map_err(|e| format!("confirmation: {e}"))?;
            match signed.verify_signature_and_contents(public_key, epoch, expected) {
                Ok(_) => return Ok(signed),
                // A node that has not yet processed the epoch change signs for the previous
                // epoch: ask again once it has.
                Err(MessageVerificationError::WrongEpoch { actual, .. })
                    if actual < epoch && attempt < comm.max_attempts.max(1) =>
                {
                    tokio::time::sleep(comm.retry_delay(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(format!("invalid confirmation: {e}")),
            }
        }
    }
}

fn describe(member: &Member) -> String {
    if member.name.is_empty() {
        format!("node {}", member.node_id)
    } else {
        format!("node {} ({})", member.name, member.network_address)
    }
}

#[cfg(test)]
mod json_shape_tests {
    use super::*;
    use crate::client::StorageInfo;

    /// The store result serialises in the reference client's camelCase shape, fields of struct
    /// variants included (`newlyCreated.blobObject.id`, `resourceOperation.registerFromScratch`).
    #[test]
    fn store_result_json_is_camel_case_throughout() {
        let result = StoreResult::NewlyCreated {
            blob_object: BlobObjectInfo {
                id: ObjectId([1; ObjectId::LENGTH]),
                registered_epoch: 3,
                blob_id: BlobId([2; BlobId::LENGTH]),
                size: 12_345,
                encoding_type: "RS2".to_owned(),
                certified_epoch: Some(3),
                storage: StorageInfo {
                    id: ObjectId([3; ObjectId::LENGTH]),
                    start_epoch: 3,
                    end_epoch: 5,
                    storage_size: 1_000,
                },
                deletable: false,
            },
            resource_operation: ResourceOperation::RegisterFromScratch {
                encoded_length: 1_000,
                epochs_ahead: 2,
            },
            cost: 7,
        };
        let json = serde_json::to_value(&result).expect("serialises");
        let created = &json["newlyCreated"];
        assert_eq!(
            created["blobObject"]["id"],
            ObjectId([1; ObjectId::LENGTH]).to_string()
        );
        assert_eq!(created["blobObject"]["certifiedEpoch"], 3);
        assert_eq!(created["blobObject"]["storage"]["endEpoch"], 5);
        assert_eq!(
            created["resourceOperation"]["registerFromScratch"]["epochsAhead"],
            2
        );
        assert_eq!(created["cost"], 7);

        let already = StoreResult::AlreadyCertified {
            blob_id: BlobId([2; BlobId::LENGTH]),
            object_id: None,
            end_epoch: 9,
        };
        let json = serde_json::to_value(&already).expect("serialises");
        assert_eq!(json["alreadyCertified"]["endEpoch"], 9);
        assert!(json["alreadyCertified"]["objectId"].is_null());
    }
}
