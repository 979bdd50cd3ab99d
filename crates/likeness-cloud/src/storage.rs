//! Job images in object storage, through `object_store`, so that no process
//! reads another's disk: any `serve` node can return any job's output, and
//! workers on other machines read the inputs `serve` wrote.
//!
//! `LIKENESS_CLOUD_STORAGE` (or `--storage`) names the store:
//! - a folder path (or `file:///path`) shared by every process of one machine,
//!   as in `scripts/cloud.sh`;
//! - `s3://bucket` or `s3://bucket/prefix`: S3-compatible storage, the
//!   production choice for processes on several machines. Credentials, region
//!   and endpoint come from the standard variables (`AWS_ACCESS_KEY_ID`,
//!   `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`, and
//!   `AWS_ALLOW_HTTP=true` for a plain-HTTP endpoint on loopback).

use std::path::PathBuf;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// Why storage could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(
        "LIKENESS_CLOUD_STORAGE {0:?} is not supported: give a folder path (or file:///path) \
         or s3://bucket[/prefix]"
    )]
    Unsupported(String),
    #[error("the S3 store {location} cannot be used: {reason}")]
    S3 { location: String, reason: String },
    #[error("the object store {location} does not answer: {reason}")]
    Unreachable { location: String, reason: String },
    #[error(
        "LIKENESS_CLOUD_STORAGE is not set: give a folder every serve and work process can reach"
    )]
    NotSet,
    #[error("the storage folder {path} cannot be used: {reason}")]
    Folder { path: String, reason: String },
    #[error("object storage failed: {0}")]
    Store(#[from] object_store::Error),
}

/// Where job images live. Cheap to clone.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Storage({})", self.store)
    }
}

impl Storage {
    /// Open the store `location` names (see the module's doc) and make sure it
    /// answers, so that a wrong bucket or endpoint stops a process at start
    /// rather than failing its first job.
    pub async fn open(location: &str) -> Result<Storage, StorageError> {
        let storage = Storage::at(location)?;
        storage
            .store
            .list_with_delimiter(None)
            .await
            .map_err(|e| StorageError::Unreachable {
                location: location.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(storage)
    }

    fn at(location: &str) -> Result<Storage, StorageError> {
        let folder = match location.strip_prefix("file://") {
            Some(path) => PathBuf::from(path),
            None if location.starts_with("s3://") => return Storage::open_s3(location),
            None if location.contains("://") => {
                return Err(StorageError::Unsupported(location.to_owned()))
            }
            None => PathBuf::from(location),
        };
        let folder_error = |reason: String| StorageError::Folder {
            path: folder.display().to_string(),
            reason,
        };
        std::fs::create_dir_all(&folder).map_err(|e| folder_error(e.to_string()))?;
        let store =
            LocalFileSystem::new_with_prefix(&folder).map_err(|e| folder_error(e.to_string()))?;
        Ok(Storage {
            store: Arc::new(store),
        })
    }

    /// `s3://bucket[/prefix]`, configured from the `AWS_*` variables.
    fn open_s3(location: &str) -> Result<Storage, StorageError> {
        let s3_error = |reason: String| StorageError::S3 {
            location: location.to_owned(),
            reason,
        };
        crate::install_tls_provider();
        let rest = &location["s3://".len()..];
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(s3_error("the bucket name is missing".into()));
        }
        let s3 = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| s3_error(e.to_string()))?;
        let prefix = prefix.trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        Ok(Storage { store })
    }

    /// Store `bytes` under `key`, replacing what was there.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StorageError> {
        self.store
            .put(&ObjectPath::from(key), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// The bytes under `key`.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        let result = self.store.get(&ObjectPath::from(key)).await?;
        Ok(result.bytes().await?.to_vec())
    }

    /// Delete `key`; deleting what is already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Every key under `prefix` last written before `before`.
    pub async fn older_than(
        &self,
        prefix: &str,
        before: time::OffsetDateTime,
    ) -> Result<Vec<String>, StorageError> {
        use futures_util::TryStreamExt;
        let prefix = ObjectPath::from(prefix);
        let objects: Vec<_> = self.store.list(Some(&prefix)).try_collect().await?;
        Ok(objects
            .into_iter()
            .filter(|meta| meta.last_modified.timestamp() < before.unix_timestamp())
            .map(|meta| meta.location.to_string())
            .collect())
    }
}

/// The key of a job's input.
pub fn input_key(job_id: &str) -> String {
    format!("inputs/{job_id}")
}

/// The key of a job's output as written under one lease: a zombie worker's
/// output never overwrites the one that counts.
pub fn output_key(job_id: &str, lease_id: &str) -> String {
    format!("outputs/{job_id}/{lease_id}.png")
}
