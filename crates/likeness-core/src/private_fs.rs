//! Owner-only files and folders. The data folder holds faces, face boxes,
//! landmarks, ages and consent history, so no other local account may read
//! it: folders are 0700 and files 0600 on Unix. (On Windows the data lives in
//! the user's local app-data folder, which only that user can open.)

use std::fs;
use std::io;
use std::path::Path;

/// Create `path` and any missing parents as owner-only folders.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Create an empty owner-only file at `path` unless one exists, so that a
/// file another library creates there (SQLite, with its `-wal` and `-shm`,
/// which copy the database's mode) starts owner-only.
pub fn touch(path: &Path) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Make everything already under `root` owner-only (folders made by an
/// earlier version, or by a umask that let others in).
pub fn restrict_tree(root: &Path) -> io::Result<()> {
    set_private(root, true)?;
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            restrict_tree(&entry.path())?;
        } else if kind.is_file() {
            set_private(&entry.path(), false)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn set_private(path: &Path, folder: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if folder { 0o700 } else { 0o600 };
    if fs::metadata(path)?.permissions().mode() & 0o777 != mode {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_private(_path: &Path, _folder: bool) -> io::Result<()> {
    Ok(())
}
