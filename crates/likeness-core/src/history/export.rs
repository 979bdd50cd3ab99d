//! Export: save History images as PNG, JPEG or WebP files in a folder the user
//! picks (or the default export folder), one or many at a time.
//!
//! **Checked first.** The whole request is checked before anything is written:
//! at least one image, a quality from 1 to 100, an absolute folder, and every
//! image present in the History and its vault file on disk. So a request with a
//! missing image writes nothing, not even the folder.
//!
//! **Whole files, never overwritten.** Each image is decoded from the vault and
//! re-encoded (so no metadata an engine may have written leaves the app), then
//! written to a temp file in the target folder, fsynced and renamed into place
//! under a name that is free and says what it is: `<portrait>-<styles>-<W>x<H>.<ext>`
//! (`ada-watercolour-pastel-816x1020.png`), then `… (2).<ext>` and so on. A file in the folder is
//! either a complete image or absent, and an existing file is never replaced.
//! If a later image fails (say, the disk fills up), the images already saved
//! stay and the error says which file failed.
//!
//! **Only where the user chose, only what it wrote.** In the app, the webview
//! names the folder and the file to reveal, so it must not be trusted with any
//! path: [`ExportDestinations`] lets an export go only into a folder the user
//! picked in the app's folder dialog or into the default export folder, and
//! reveals only files an export wrote since the app started.
//!
//! This is blocking work (decoding and encoding images): run it off the UI thread.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{History, HistoryError, Output, OutputId};
use crate::engines::Style;
use crate::error::{Coded, ErrorCode};
use crate::imaging::{self, ImagingError};
use crate::recipe::StyleChoice;

/// The default folder's name inside the OS Pictures folder.
const PICTURES_SUBFOLDER: &str = "Likeness";
/// The default folder's name inside the home folder, when there is no Pictures folder.
const HOME_SUBFOLDER: &str = "Likeness Exports";
/// The style part of a file name when the image has no style.
const NO_STYLE: &str = "portrait";
/// The style part of an image painted in the style of the user's own picture.
const OWN_PICTURE: &str = "own-picture";
/// The longest portrait or style part of a file name, in characters.
const MAX_PART_CHARS: usize = 40;
/// How many numbered copies of one name to try before giving up.
const MAX_COPIES: u32 = 10_000;

/// The file format to export in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ExportFormat {
    /// Lossless.
    Png,
    /// Lossy, at the request's `quality`.
    Jpeg,
    /// Lossless (the request's `quality` does not apply).
    Webp,
}

impl ExportFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }
}

/// Which History images to export, how, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExportRequest {
    /// The History images, in the order to save them (a repeated id is saved once).
    #[ts(type = "Array<number>")]
    pub output_ids: Vec<OutputId>,
    pub format: ExportFormat,
    /// 1..100, used by jpeg. PNG and WebP are lossless and ignore it, but it must
    /// still be in range.
    pub quality: u8,
    /// An absolute folder; `null` for the default export folder. Created if missing.
    /// The app takes only a folder the user picked in its folder dialog, or
    /// the default one (see `ExportDestinations`).
    pub folder: Option<String>,
}

/// What an export saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExportResult {
    /// The folder the files are in.
    pub folder: String,
    /// The full path of each file saved, in the order of `outputIds`.
    pub files: Vec<String>,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("Choose at least one image to export.")]
    NothingChosen,
    #[error("The quality must be from 1 to 100, not {0}.")]
    QualityOutOfRange(u8),
    #[error("The export folder must be a full path, not {0:?}.")]
    RelativeFolder(String),
    #[error("There is no Pictures or home folder to export to; choose a folder.")]
    NoDefaultFolder,
    #[error("Likeness exports only to a folder chosen in its folder dialog or to the default export folder, and {0:?} is neither.")]
    FolderNotChosen(String),
    #[error("Likeness shows only files it exported since it started, and {0:?} is not one.")]
    NotExported(String),
    #[error("The exported file {} is no longer there.", .0.display())]
    ExportedFileGone(PathBuf),
    #[error("Image {0} was not found in the History.")]
    OutputNotFound(OutputId),
    #[error("The file of image {0} is missing from the app's storage.")]
    FileMissing(OutputId),
    #[error(transparent)]
    History(HistoryError),
    #[error("Could not read image {id}: {source}")]
    Decode { id: OutputId, source: ImagingError },
    #[error("Could not encode image {id}: {message}")]
    Encode { id: OutputId, message: String },
    #[error("Could not create the folder {}: {source}", path.display())]
    CreateFolder { path: PathBuf, source: io::Error },
    #[error("Could not read image {id}: {source}")]
    Read { id: OutputId, source: io::Error },
    #[error("Could not save image {id} in {}: {source}", folder.display())]
    Write {
        id: OutputId,
        folder: PathBuf,
        source: io::Error,
    },
}

impl Coded for ExportError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::NothingChosen | Self::QualityOutOfRange(_) | Self::RelativeFolder(_) => {
                ErrorCode::InvalidInput
            }
            Self::FolderNotChosen(_) => ErrorCode::FolderNotChosen,
            Self::NotExported(_) => ErrorCode::NotExported,
            Self::ExportedFileGone(_) => ErrorCode::NotFound,
            Self::OutputNotFound(_) | Self::FileMissing(_) => ErrorCode::OutputNotFound,
            Self::History(e) => e.code(),
            Self::Decode { source, .. } => source.code(),
            Self::NoDefaultFolder
            | Self::Encode { .. }
            | Self::CreateFolder { .. }
            | Self::Read { .. }
            | Self::Write { .. } => ErrorCode::Io,
        }
    }
}

/// Where exports go when the request names no folder: `Likeness` in the OS
/// Pictures folder, else `Likeness Exports` in the home folder. Not created here.
pub fn default_export_folder() -> Option<PathBuf> {
    dirs::picture_dir()
        .map(|d| d.join(PICTURES_SUBFOLDER))
        .or_else(|| dirs::home_dir().map(|d| d.join(HOME_SUBFOLDER)))
}

/// Where the app may export and what it may reveal: exports go only into a
/// folder the user picked in the app's folder dialog (remembered with
/// [`allow_picked`](Self::allow_picked)) or into the default export folder,
/// and only files those exports wrote may be revealed. Kept in memory: a
/// restart forgets both.
#[derive(Debug)]
pub struct ExportDestinations {
    default_folder: Option<PathBuf>,
    allowed: Mutex<Allowed>,
}

#[derive(Debug, Default)]
struct Allowed {
    picked: HashSet<PathBuf>,
    exported: HashSet<PathBuf>,
}

impl ExportDestinations {
    /// Nothing picked or exported yet; `default_folder` is where a request
    /// with no folder goes (normally [`default_export_folder`]).
    pub fn new(default_folder: Option<PathBuf>) -> Self {
        Self {
            default_folder,
            allowed: Mutex::default(),
        }
    }

    /// Where a request with no folder goes.
    pub fn default_folder(&self) -> Option<&Path> {
        self.default_folder.as_deref()
    }

    /// Remember a folder the user picked in the app's folder dialog.
    pub fn allow_picked(&self, folder: PathBuf) {
        self.lock().picked.insert(folder);
    }

    /// [`export_outputs`] into the request's folder if the user picked it, or
    /// into the default folder; remembers the files written so they may be
    /// revealed. Any other folder is refused before anything is checked or written.
    pub fn export(
        &self,
        history: &History,
        request: &ExportRequest,
    ) -> Result<ExportResult, ExportError> {
        let folder = self.destination(request.folder.as_deref())?;
        check_request(request)?;
        let (folder, files) = write_outputs(history, request, folder)?;
        let result = ExportResult {
            folder: folder.to_string_lossy().into_owned(),
            files: files
                .iter()
                .map(|f| f.to_string_lossy().into_owned())
                .collect(),
        };
        self.lock().exported.extend(files);
        Ok(result)
    }

    /// The file at `path` if an export wrote it since the app started and it
    /// is still there; anything else is refused.
    pub fn exported_file(&self, path: &str) -> Result<PathBuf, ExportError> {
        let file = PathBuf::from(path);
        if !self.lock().exported.contains(&file) {
            return Err(ExportError::NotExported(path.to_owned()));
        }
        if !file.is_file() {
            return Err(ExportError::ExportedFileGone(file));
        }
        Ok(file)
    }

    /// Remember a file another export (the archive of everything) wrote, so
    /// that it may be revealed.
    pub fn remember_exported(&self, file: PathBuf) {
        self.lock().exported.insert(file);
    }

    /// The folder to write in: the default for `None`, else one the user
    /// picked; anything else is refused.
    pub fn destination(&self, folder: Option<&str>) -> Result<PathBuf, ExportError> {
        let Some(folder) = folder else {
            return self
                .default_folder
                .clone()
                .ok_or(ExportError::NoDefaultFolder);
        };
        let path = PathBuf::from(folder);
        if self.default_folder.as_ref() != Some(&path) && !self.lock().picked.contains(&path) {
            return Err(ExportError::FolderNotChosen(folder.to_owned()));
        }
        if !path.is_absolute() {
            return Err(ExportError::RelativeFolder(folder.to_owned()));
        }
        Ok(path)
    }

    fn lock(&self) -> MutexGuard<'_, Allowed> {
        // Sets of paths stay consistent even if a holder panicked.
        self.allowed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Save the requested History images in `request.format` in the request's
/// folder (see the module docs). Returns the folder and the files, in order.
///
/// Any absolute folder is taken: for a caller the user drives directly (the
/// CLI, tests). The app goes through [`ExportDestinations::export`].
pub fn export_outputs(
    history: &History,
    request: &ExportRequest,
) -> Result<ExportResult, ExportError> {
    let folder = check(request)?;
    let (folder, files) = write_outputs(history, request, folder)?;
    Ok(ExportResult {
        folder: folder.to_string_lossy().into_owned(),
        files: files
            .iter()
            .map(|f| f.to_string_lossy().into_owned())
            .collect(),
    })
}

/// Check that every image is present, then write them all into `folder`.
fn write_outputs(
    history: &History,
    request: &ExportRequest,
    folder: PathBuf,
) -> Result<(PathBuf, Vec<PathBuf>), ExportError> {
    let mut ids = request.output_ids.clone();
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    let outputs = ids
        .iter()
        .map(|&id| {
            let output = history.get_output(id).map_err(|e| match e {
                HistoryError::OutputNotFound(id) => ExportError::OutputNotFound(id),
                other => ExportError::History(other),
            })?;
            if !history.has_image(&output) {
                return Err(ExportError::FileMissing(id));
            }
            Ok(output)
        })
        .collect::<Result<Vec<_>, _>>()?;

    fs::create_dir_all(&folder).map_err(|source| ExportError::CreateFolder {
        path: folder.clone(),
        source,
    })?;
    let mut files = Vec::with_capacity(outputs.len());
    for output in &outputs {
        let bytes = encode(history, output, request.format, request.quality)?;
        let stem = file_stem(history, output);
        let path =
            save_unique(&folder, &stem, request.format.extension(), &bytes).map_err(|source| {
                ExportError::Write {
                    id: output.id,
                    folder: folder.clone(),
                    source,
                }
            })?;
        files.push(path);
    }
    Ok((folder, files))
}

/// Check the request; returns the folder to write in.
fn check(request: &ExportRequest) -> Result<PathBuf, ExportError> {
    check_request(request)?;
    match &request.folder {
        None => default_export_folder().ok_or(ExportError::NoDefaultFolder),
        Some(folder) if Path::new(folder).is_absolute() => Ok(PathBuf::from(folder)),
        Some(folder) => Err(ExportError::RelativeFolder(folder.clone())),
    }
}

/// Check what the request asks for, whatever the folder.
fn check_request(request: &ExportRequest) -> Result<(), ExportError> {
    if request.output_ids.is_empty() {
        return Err(ExportError::NothingChosen);
    }
    if !(1..=100).contains(&request.quality) {
        return Err(ExportError::QualityOutOfRange(request.quality));
    }
    Ok(())
}

/// Decode an output from the vault and encode it in `format`.
fn encode(
    history: &History,
    output: &Output,
    format: ExportFormat,
    quality: u8,
) -> Result<Vec<u8>, ExportError> {
    let id = output.id;
    let bytes = history
        .image_bytes(output)
        .map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => ExportError::FileMissing(id),
            _ => ExportError::Read { id, source },
        })?;
    let image = imaging::sniff(&bytes)
        .and_then(|f| imaging::decode(&bytes, f))
        .map_err(|source| ExportError::Decode { id, source })?;
    drop(bytes);

    // `imaging::decode` gives opaque 8-bit RGB, which every encoder takes.
    let mut out = Vec::new();
    let result = match format {
        ExportFormat::Png => {
            use image::codecs::png::{CompressionType, FilterType, PngEncoder};
            let encoder = PngEncoder::new_with_quality(
                &mut out,
                CompressionType::Default,
                FilterType::Adaptive,
            );
            image.write_with_encoder(encoder)
        }
        ExportFormat::Jpeg => image.write_with_encoder(
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality),
        ),
        ExportFormat::Webp => {
            image.write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut out))
        }
    };
    result.map_err(|e| ExportError::Encode {
        id,
        message: e.to_string(),
    })?;
    Ok(out)
}

/// `<portrait>-<styles>-<W>x<H>`: the portrait's file name without its
/// extension (when it is still in the library), the styles' names (or
/// `own-picture`, or the style key of a record not in the Studio's shape, or
/// `portrait`) and the size, each in lower case with anything but letters and
/// digits as single dashes.
fn file_stem(history: &History, output: &Output) -> String {
    let portrait = output
        .portrait_id
        .and_then(|id| history.portrait_name(id))
        .map(|name| match name.rsplit_once('.') {
            Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
            _ => name,
        });
    let styles = match output.settings.as_ref().map(|s| &s.style) {
        Some(StyleChoice::Preset { mix }) => mix
            .iter()
            .map(|(id, _)| match Style::from_id(id) {
                Ok(style) => style.name(),
                Err(_) => id.as_str(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        Some(StyleChoice::Picture { .. }) => OWN_PICTURE.to_owned(),
        None => output.style_key.clone().unwrap_or_default(),
    };
    let styles = Some(slug(&styles)).filter(|s| !s.is_empty());
    [
        portrait.map(|p| slug(&p)).filter(|p| !p.is_empty()),
        Some(styles.unwrap_or_else(|| NO_STYLE.to_owned())),
        Some(format!("{}x{}", output.width, output.height)),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("-")
}

/// `text` in lower case, letters and digits kept (any script), everything
/// else as single dashes, at most [`MAX_PART_CHARS`] characters.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if out.chars().count() >= MAX_PART_CHARS {
            break;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// Write `bytes` via a temp file in `folder` (fsync, then rename) to the first
/// free name of `stem.ext`, `stem (2).ext`, `stem (3).ext`… Never replaces a file.
fn save_unique(folder: &Path, stem: &str, ext: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".likeness-export-")
        .suffix(".tmp")
        .tempfile_in(folder)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    for copy in 1..=MAX_COPIES {
        let name = match copy {
            1 => format!("{stem}.{ext}"),
            n => format!("{stem} ({n}).{ext}"),
        };
        let path = folder.join(name);
        // `symlink_metadata`: a dangling link is taken too.
        if fs::symlink_metadata(&path).is_ok() {
            continue;
        }
        // An atomic rename that fails if the name was taken meanwhile.
        match tmp.persist_noclobber(&path) {
            Ok(_) => {
                sync_folder(folder)?;
                return Ok(path);
            }
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => tmp = e.file,
            // Some file systems (FAT, some network shares) cannot rename without
            // replacing; the name was free a moment ago, so rename plainly.
            Err(e) => {
                e.file.persist(&path).map_err(|e| e.error)?;
                sync_folder(folder)?;
                return Ok(path);
            }
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{stem}.{ext} already exists {MAX_COPIES} times"),
    ))
}

/// Make a rename in `folder` durable.
fn sync_folder(folder: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(folder)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}
