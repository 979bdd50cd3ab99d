//! Archives the window sends in chunks (a library's archive can be far larger
//! than one IPC message should be). Each upload is an owner-only file in the
//! job queue's staging folder, which is emptied at every start and by
//! "delete all", so an upload cut off by a crash does not outlive it.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use likeness_core::ErrorCode;

use crate::error::ApiError;

pub struct Uploads {
    dir: PathBuf,
    next: AtomicU64,
    open: Mutex<HashMap<String, PathBuf>>,
}

/// A finished upload, removed when dropped.
pub struct Upload(PathBuf);

impl Upload {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

impl Uploads {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            next: AtomicU64::new(1),
            open: Mutex::default(),
        }
    }

    /// Start an upload; returns its id.
    pub fn begin(&self) -> Result<String, ApiError> {
        let id = format!("upload-{}", self.next.fetch_add(1, Ordering::Relaxed));
        likeness_core::private_fs::create_dir_all(&self.dir).map_err(io_error)?;
        let path = self.dir.join(format!("{id}.zip"));
        let _ = fs::remove_file(&path);
        likeness_core::private_fs::touch(&path).map_err(io_error)?;
        self.lock().insert(id.clone(), path);
        Ok(id)
    }

    /// Append `bytes` to upload `id`; returns its size so far.
    pub fn append(&self, id: &str, bytes: &[u8]) -> Result<u64, ApiError> {
        let path = self.path_of(id)?;
        let mut file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io_error)?;
        file.write_all(bytes).map_err(io_error)?;
        Ok(file.metadata().map_err(io_error)?.len())
    }

    /// End upload `id` and hand over its file.
    pub fn take(&self, id: &str) -> Result<Upload, ApiError> {
        let path = self.path_of(id)?;
        self.lock().remove(id);
        Ok(Upload(path))
    }

    fn path_of(&self, id: &str) -> Result<PathBuf, ApiError> {
        self.lock().get(id).cloned().ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                "That upload was not started or has ended.",
            )
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, PathBuf>> {
        likeness_core::sync::lock(&self.open)
    }
}

fn io_error(e: io::Error) -> ApiError {
    ApiError::new(
        ErrorCode::Io,
        format!("Could not keep the uploaded archive: {e}"),
    )
}
