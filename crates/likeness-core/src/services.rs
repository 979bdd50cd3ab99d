//! The composition root of one data folder: opens the platform parts (the
//! private folder, the database, the vault) and builds each feature over
//! them. The app, the CLI and the tests all open a data folder this way; the
//! app and the tests then start a [`crate::jobs::JobQueue`] with [`Services::studio`].

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::cloud::Cloud;
use crate::consent::Consent;
use crate::db::{is_plaintext, Db, DbError, DB_FILE};
use crate::error::{Coded, ErrorCode};
use crate::generation::{Studio, StylePictures};
use crate::history::History;
use crate::keys::{self, KeyError};
use crate::library::Portraits;
use crate::moderation::{LazyModerator, ModeratorHandle};
use crate::privacy::{encryption, PrivacyError};
use crate::privacy::{Parts, Privacy};
use crate::secrets::{Keyring, SecretStore};
use crate::settings::Settings;
use crate::vault::Vault;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("Could not open the data folder: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Privacy(#[from] PrivacyError),
}

impl Coded for OpenError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Db(e) => e.code(),
            Self::Io(_) => ErrorCode::Io,
            Self::Key(e) => e.code(),
            Self::Privacy(e) => e.code(),
        }
    }
}

/// How to open a data folder beyond its path.
pub struct Options {
    /// The ONNX Runtime library and the models folder the engines load from
    /// (`None`: the defaults, see [`crate::inference`]).
    pub ort_lib: Option<PathBuf>,
    pub models_dir: Option<PathBuf>,
    /// Where "now" comes from (a fixed clock in tests).
    pub clock: Arc<dyn Clock>,
    /// Where the folder's key is kept: the OS keyring.
    pub secrets: Arc<dyn SecretStore>,
    /// How long any one cloud call may take.
    pub cloud_timeout: std::time::Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ort_lib: None,
            models_dir: None,
            clock: Arc::new(SystemClock),
            secrets: Arc::new(Keyring::default()),
            cloud_timeout: likeness_cloud_api::client::DEFAULT_TIMEOUT,
        }
    }
}

/// Every feature of one data folder, opened together. Each field is a
/// feature's own service; there is no method here that does their work.
pub struct Services {
    pub data_dir: PathBuf,
    pub db: Arc<Db>,
    pub vault: Arc<Vault>,
    /// Where "now" comes from (a job queue over this folder uses it too).
    pub clock: Arc<dyn Clock>,
    pub moderator: Arc<LazyModerator>,
    pub consent: Consent,
    pub settings: Settings,
    pub privacy: Privacy,
    pub portraits: Arc<Portraits>,
    pub style_pictures: Arc<StylePictures>,
    pub history: History,
    /// Likeness Cloud: the opt-in, the store, quotes; off until turned on.
    pub cloud: Arc<Cloud>,
    /// The job runner; the engines load on its first job.
    pub studio: Arc<Studio>,
}

impl Services {
    /// Open (creating) the data folder `data_dir`: `likeness.db` and `vault/`,
    /// owner-only, swept of anything a crash left behind. `load_moderator`
    /// runs once, when a picture is first checked.
    pub fn open(
        data_dir: &Path,
        load_moderator: impl Fn() -> ModeratorHandle + Send + Sync + 'static,
    ) -> Result<Self, OpenError> {
        Self::open_with(data_dir, load_moderator, Options::default())
    }

    /// [`Self::open`] with the engines' files and the clock chosen.
    pub fn open_with(
        data_dir: &Path,
        load_moderator: impl Fn() -> ModeratorHandle + Send + Sync + 'static,
        options: Options,
    ) -> Result<Self, OpenError> {
        let Options {
            ort_lib,
            models_dir,
            clock,
            secrets,
            cloud_timeout,
        } = options;
        crate::private_fs::create_dir_all(data_dir)?;
        let db_path = data_dir.join(DB_FILE);
        let encrypted =
            fs::metadata(&db_path).is_ok_and(|m| m.len() > 0) && !is_plaintext(&db_path);
        let keys = keys::folder_keys(data_dir, secrets.as_ref(), encrypted)?;
        // A folder from before encryption at rest is encrypted now, once.
        encryption::encrypt_database(&db_path, &keys.db)?;
        crate::private_fs::touch(&db_path)?;
        crate::private_fs::restrict_tree(data_dir)?;
        let db = Arc::new(Db::open_encrypted(&db_path, &keys.db)?);
        let vault = Arc::new(Vault::open(data_dir.join("vault"), keys.vault())?);
        encryption::seal_plaintext_files(&db, &vault)?;
        let moderator = Arc::new(LazyModerator::new(load_moderator));
        let portraits = Arc::new(Portraits::new(
            db.clone(),
            vault.clone(),
            moderator.clone(),
            clock.clone(),
        ));
        let style_pictures = Arc::new(StylePictures::new(
            db.clone(),
            vault.clone(),
            moderator.clone(),
            clock.clone(),
        ));
        let cloud = Arc::new(Cloud::new(
            db.clone(),
            secrets.clone(),
            data_dir.to_owned(),
            clock.clone(),
            cloud_timeout,
        ));
        let privacy = Privacy::open(Parts {
            db: db.clone(),
            vault: vault.clone(),
            clock: clock.clone(),
            portraits: portraits.clone(),
            style_pictures: style_pictures.clone(),
            moderator: moderator.clone(),
            data_dir: data_dir.to_owned(),
            staging_dir: staging_dir(data_dir),
            secrets,
            keys,
            cloud: cloud.clone(),
        });
        let history = History::new(db.clone(), vault.clone());
        let studio = Arc::new(Studio::new(
            portraits.clone(),
            style_pictures.clone(),
            History::new(db.clone(), vault.clone()),
            moderator.clone(),
            cloud.clone(),
            ort_lib,
            models_dir,
        ));
        Ok(Self {
            data_dir: data_dir.to_owned(),
            clock,
            consent: Consent::new(db.clone()),
            settings: Settings::new(db.clone()),
            db,
            vault,
            moderator,
            privacy,
            portraits,
            style_pictures,
            history,
            cloud,
            studio,
        })
    }

    /// Where a job queue over this data folder keeps its scratch files.
    pub fn staging_dir(&self) -> PathBuf {
        staging_dir(&self.data_dir)
    }
}

fn staging_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("staging")
}
