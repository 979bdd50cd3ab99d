//! Where Likeness keeps its data: the OS app-data folder, unless overridden
//! (tests, scripting, portable installs).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The bundle identifier; the app-data folder is named after it on every OS,
/// so the app and the CLI share one library by default.
pub const APP_IDENTIFIER: &str = "studio.likeness.app";

/// Environment variable that overrides the data folder for the app and the CLI.
pub const DATA_DIR_ENV: &str = "LIKENESS_DATA_DIR";

/// The data folder named by `$LIKENESS_DATA_DIR`, if set (tests, portable installs).
pub fn env_override() -> Option<PathBuf> {
    std::env::var_os(DATA_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The OS's local (never roaming) app-data folder, the same one the desktop
/// app uses: faces must not be synced to other machines by a roaming profile.
pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_local_dir().map(|d| d.join(APP_IDENTIFIER))
}

/// What the app tells the user about itself and where their data lives.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub vault_dir: String,
}

/// A short tag that differs between data folders (a hash of the folder's
/// absolute path), for names that must, such as the app's instance lock.
pub fn folder_tag(dir: &Path) -> String {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    let digest = Sha256::digest(dir.as_os_str().as_encoded_bytes());
    hex::encode(&digest[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_data_folder_has_its_own_tag() {
        let a = folder_tag(Path::new("/tmp/likeness-a"));
        assert_eq!(a, folder_tag(Path::new("/tmp/likeness-a")));
        assert_ne!(a, folder_tag(Path::new("/tmp/likeness-b")));
        assert_eq!(a.len(), 16);
    }
}
