//! Job images in object storage, through `object_store`, so that no process
//! reads another's disk: any `serve` node can return any job's output, and
//! workers on other machines read the inputs `serve` wrote.
//!
//! `LIKENESS_CLOUD_STORAGE` (or `--storage`) names the store: a folder path
//! (or `file:///path`) shared by every process of one machine, as in tests and
//! `scripts/cloud.sh`. S3-compatible storage is the production choice; this
//! build carries only the folder store and says so plainly when asked for
//! another.

use std::path::PathBuf;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// Why storage could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(
        "LIKENESS_CLOUD_STORAGE {0:?} is not supported by this build: give a folder path \
         (or file:///path); S3-compatible storage needs object_store's `aws` feature"
    )]
    Unsupported(String),
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
    /// Open the store `location` names (see the module's doc).
    pub fn open(location: &str) -> Result<Storage, StorageError> {
        let folder = match location.strip_prefix("file://") {
            Some(path) => PathBuf::from(path),
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
