//! Export: History images saved as PNG, JPEG or WebP files that open at the
//! right size, never overwrite a file, and are not written at all when the
//! request is wrong.
//!
//! The images come from the real job queue, with a stand-in engine that paints
//! a detailed picture (noise, so JPEG quality shows in the file size), optionally
//! with a transparent top-left quarter.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::{ImageFormat, Rgba, RgbaImage};
use likeness_core::clock::SystemClock;
use likeness_core::db::Db;
use likeness_core::history::export::{
    default_export_folder, export_outputs, ExportDestinations, ExportError, ExportFormat,
    ExportRequest, ExportResult,
};
use likeness_core::history::{History, OutputFilter, OutputId};
use likeness_core::jobs::{Job, JobContext, JobError, JobQueue, JobState, NewOutput};
use likeness_core::vault::Vault;
use likeness_core::{Coded, ErrorCode};

use crate::fixtures::Stored;
use crate::stand_in::{accepted_portrait, preview, test_vault_keys, wait_state};

/// Paint a `width`×`height` PNG of noise; `alpha` makes its top-left quarter transparent.
fn noise_painter(job: &Job, ctx: &JobContext) -> Result<Vec<NewOutput>, JobError> {
    let settings: serde_json::Value = serde_json::from_str(&job.settings_json).unwrap();
    let width = settings["width"].as_u64().unwrap_or(48) as u32;
    let height = settings["height"].as_u64().unwrap_or(32) as u32;
    let alpha = settings["alpha"] == true;
    let image = RgbaImage::from_fn(width, height, |x, y| {
        let v = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).wrapping_mul(97);
        let [r, g, b, _] = v.to_le_bytes();
        let a = if alpha && x < width / 2 && y < height / 2 {
            0
        } else {
            255
        };
        Rgba([r, g, b, a])
    });
    let path = ctx.staging_dir().join("out.png");
    image.save(&path).unwrap();
    Ok(vec![NewOutput::new(path, "noise-painter")])
}

/// A queue with one accepted portrait, and an empty folder to export into.
struct Setup {
    dir: tempfile::TempDir,
    queue: JobQueue,
    portrait: i64,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Db::open(&dir.path().join("likeness.db")).unwrap());
        let vault = Arc::new(Vault::open(dir.path().join("vault"), test_vault_keys()).unwrap());
        let portrait = accepted_portrait(&store, "me.png");
        let queue = JobQueue::start(
            store,
            vault,
            Arc::new(SystemClock),
            dir.path().join("staging"),
            Arc::new(noise_painter),
            |_| {},
        )
        .unwrap();
        Self {
            dir,
            queue,
            portrait,
        }
    }

    /// Generate one image with `settings` and return its History id.
    fn output(&self, settings: serde_json::Value) -> OutputId {
        let job = preview(&self.queue, self.portrait, settings);
        wait_state(&self.queue, job, JobState::Done);
        let page = self.history().list_outputs(&OutputFilter::default());
        page.unwrap()
            .outputs
            .iter()
            .find(|o| o.job_id == Some(job))
            .unwrap()
            .id
    }

    fn vault(&self) -> Vault {
        Vault::open(self.dir.path().join("vault"), test_vault_keys()).unwrap()
    }

    fn history(&self) -> &History {
        self.queue.history()
    }

    /// A folder under the test's data folder (not created).
    fn folder(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn export(
        &self,
        ids: &[OutputId],
        format: ExportFormat,
        quality: u8,
        folder: &Path,
    ) -> Result<ExportResult, ExportError> {
        let request = ExportRequest {
            output_ids: ids.to_vec(),
            format,
            quality,
            folder: Some(folder.to_string_lossy().into_owned()),
        };
        export_outputs(self.history(), &request)
    }
}

/// A PNG export request for `ids` into `folder` (`None`: the default folder).
fn request(ids: &[OutputId], folder: Option<&Path>) -> ExportRequest {
    ExportRequest {
        output_ids: ids.to_vec(),
        format: ExportFormat::Png,
        quality: 90,
        folder: folder.map(|f| f.to_string_lossy().into_owned()),
    }
}

/// The names of the files in `folder`, sorted.
fn names_in(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn each_format_opens_as_that_format_at_the_image_size_with_transparency_flattened_on_white() {
    let setup = Setup::new();
    let id = setup.output(
        serde_json::json!({ "style": "Oil Paint", "width": 40, "height": 30, "alpha": true }),
    );
    let original = image::load_from_memory(
        &setup
            .history()
            .get_output(id)
            .unwrap()
            .image_bytes(&setup.vault()),
    )
    .unwrap()
    .to_rgba8();
    // Every picture Likeness decodes is opaque: alpha is composited on white.
    let flattened = image::RgbImage::from_fn(40, 30, |x, y| {
        let [r, g, b, a] = original.get_pixel(x, y).0;
        let mix =
            |c: u8| ((u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255) as u8;
        image::Rgb([mix(r), mix(g), mix(b)])
    });
    let folder = setup.folder("exports");

    for (format, image_format, extension) in [
        (ExportFormat::Png, ImageFormat::Png, "png"),
        (ExportFormat::Jpeg, ImageFormat::Jpeg, "jpg"),
        (ExportFormat::Webp, ImageFormat::WebP, "webp"),
    ] {
        let result = setup.export(&[id], format, 90, &folder).unwrap();

        assert_eq!(result.folder, folder.to_string_lossy());
        assert_eq!(result.files.len(), 1);
        assert_eq!(
            file_name(&result.files[0]),
            format!("me-oil-paint-40x30.{extension}")
        );
        let bytes = std::fs::read(&result.files[0]).unwrap();
        assert_eq!(image::guess_format(&bytes).unwrap(), image_format);
        let saved = image::load_from_memory(&bytes).unwrap();
        assert_eq!((saved.width(), saved.height()), (40, 30));
        match format {
            // Lossless.
            ExportFormat::Png | ExportFormat::Webp => {
                assert!(!saved.color().has_alpha());
                assert_eq!(saved.to_rgb8(), flattened);
            }
            // The transparent quarter is white, the rest is the picture.
            ExportFormat::Jpeg => {
                assert!(!saved.color().has_alpha());
                let rgb = saved.to_rgb8();
                assert!(rgb.get_pixel(5, 5).0.iter().all(|&c| c > 240));
                assert!(rgb.get_pixel(30, 25).0.iter().any(|&c| c < 200));
            }
        }
    }
    assert_eq!(
        names_in(&folder),
        [
            "me-oil-paint-40x30.jpg".to_owned(),
            "me-oil-paint-40x30.png".to_owned(),
            "me-oil-paint-40x30.webp".to_owned(),
        ]
    );
}

#[test]
fn a_lower_jpeg_quality_makes_a_smaller_file() {
    let setup = Setup::new();
    let id = setup.output(serde_json::json!({ "style": "oil", "width": 96, "height": 64 }));
    let size = |quality: u8| {
        let folder = setup.folder(&format!("q{quality}"));
        let result = setup
            .export(&[id], ExportFormat::Jpeg, quality, &folder)
            .unwrap();
        std::fs::metadata(&result.files[0]).unwrap().len()
    };

    let (low, high) = (size(30), size(95));

    assert!(low < high, "q30 is {low} bytes, q95 is {high} bytes");
}

#[test]
fn exported_files_are_named_for_the_portrait_the_styles_and_the_size() {
    let setup = Setup::new();
    let studio = |style: serde_json::Value| {
        serde_json::json!({
            "framing": "shoulders", "orientation": "4:5", "style": style,
            "strength": 1.0, "seed": 1, "width": 40, "height": 50,
        })
    };
    let blend = setup.output(studio(serde_json::json!({
        "kind": "preset", "mix": [["style-01", 0.5], ["style-13", 0.5]]
    })));
    let own = setup.output(studio(serde_json::json!({
        "kind": "picture", "pictureSha256": "ab".repeat(32)
    })));
    let folder = setup.folder("named");

    let result = setup
        .export(&[blend, own], ExportFormat::Png, 90, &folder)
        .unwrap();

    assert_eq!(
        result
            .files
            .iter()
            .map(|f| file_name(f))
            .collect::<Vec<_>>(),
        [
            "me-bold-outline-lime-expression-40x50.png",
            "me-own-picture-40x50.png"
        ]
    );
}

#[test]
fn a_batch_export_writes_one_file_per_image_and_exporting_again_never_overwrites() {
    let setup = Setup::new();
    let oil = setup.output(serde_json::json!({ "style": "oil" }));
    let plain = setup.output(serde_json::json!({}));
    let sketch = setup.output(serde_json::json!({ "style": { "key": "sketch/ink" } }));
    let folder = setup.folder("batch");
    let ids = [oil, plain, sketch];

    let first = setup.export(&ids, ExportFormat::Png, 90, &folder).unwrap();
    let first_bytes: Vec<Vec<u8>> = first
        .files
        .iter()
        .map(|f| std::fs::read(f).unwrap())
        .collect();
    let second = setup.export(&ids, ExportFormat::Png, 90, &folder).unwrap();

    let names = |r: &ExportResult| r.files.iter().map(|f| file_name(f)).collect::<Vec<_>>();
    assert_eq!(
        names(&first),
        [
            "me-oil-48x32.png".to_owned(),
            "me-portrait-48x32.png".to_owned(),
            "me-sketch-ink-48x32.png".to_owned(),
        ]
    );
    assert_eq!(
        names(&second),
        [
            "me-oil-48x32 (2).png".to_owned(),
            "me-portrait-48x32 (2).png".to_owned(),
            "me-sketch-ink-48x32 (2).png".to_owned(),
        ]
    );
    for (file, bytes) in first.files.iter().zip(&first_bytes) {
        assert_eq!(&std::fs::read(file).unwrap(), bytes, "{file} was changed");
    }
    // Six images and nothing else: no temp files left behind.
    let mut expected: Vec<String> = names(&first).into_iter().chain(names(&second)).collect();
    expected.sort();
    assert_eq!(names_in(&folder), expected);
}

#[test]
fn the_same_image_chosen_twice_is_saved_once() {
    let setup = Setup::new();
    let id = setup.output(serde_json::json!({ "style": "oil" }));
    let folder = setup.folder("twice");

    let result = setup
        .export(&[id, id], ExportFormat::Webp, 90, &folder)
        .unwrap();

    assert_eq!(result.files.len(), 1);
    assert_eq!(names_in(&folder), ["me-oil-48x32.webp"]);
}

#[test]
fn a_missing_image_fails_the_export_before_anything_is_written() {
    let setup = Setup::new();
    let id = setup.output(serde_json::json!({ "style": "oil" }));
    let folder = setup.folder("never-made");

    let error = setup
        .export(&[id, 999_999], ExportFormat::Png, 90, &folder)
        .unwrap_err();

    assert_eq!(error.code(), ErrorCode::OutputNotFound);
    assert!(
        error.to_string().contains("999999"),
        "{}",
        error.to_string()
    );
    assert!(!folder.exists());
}

#[test]
fn a_relative_folder_an_empty_selection_and_an_out_of_range_quality_are_refused() {
    let setup = Setup::new();
    let id = setup.output(serde_json::json!({ "style": "oil" }));
    let folder = setup.folder("refused");
    let relative = Path::new("likeness-relative-exports");

    let refused = [
        setup.export(&[id], ExportFormat::Png, 90, relative),
        setup.export(&[], ExportFormat::Png, 90, &folder),
        setup.export(&[id], ExportFormat::Jpeg, 0, &folder),
        setup.export(&[id], ExportFormat::Jpeg, 101, &folder),
    ];

    for result in refused {
        assert_eq!(result.unwrap_err().code(), ErrorCode::InvalidInput);
    }
    assert!(!relative.exists());
    assert!(!folder.exists());
}

#[test]
fn the_default_folder_is_likeness_in_pictures_or_likeness_exports_at_home() {
    let Some(folder) = default_export_folder() else {
        return; // No Pictures or home folder on this machine.
    };

    assert!(folder.is_absolute());
    let name = folder.file_name().unwrap();
    assert!(
        name == "Likeness" || name == "Likeness Exports",
        "{}",
        folder.display()
    );
}

#[test]
fn the_request_reads_and_writes_the_ui_json_shape() {
    let json = r#"{"outputIds":[3,5],"format":"webp","quality":80,"folder":null}"#;

    let request: ExportRequest = serde_json::from_str(json).unwrap();

    assert_eq!(
        request,
        ExportRequest {
            output_ids: vec![3, 5],
            format: ExportFormat::Webp,
            quality: 80,
            folder: None,
        }
    );
    assert_eq!(serde_json::to_string(&request).unwrap(), json);
}

#[test]
fn the_app_exports_only_to_a_folder_the_user_picked_or_the_default_and_writes_nothing_elsewhere() {
    let setup = Setup::new();
    let id = setup.output(serde_json::json!({ "style": "oil" }));
    let default = setup.folder("default");
    let picked = setup.folder("picked");
    let elsewhere = setup.folder("elsewhere");
    let destinations = ExportDestinations::new(Some(default.clone()));
    let refused = |folder: &Path| {
        let error = destinations
            .export(setup.history(), &request(&[id], Some(folder)))
            .unwrap_err();
        assert_eq!(
            error.code(),
            ErrorCode::FolderNotChosen,
            "{}",
            folder.display()
        );
        assert!(
            error.to_string().contains("elsewhere"),
            "{}",
            error.to_string()
        );
    };

    refused(&elsewhere);
    refused(&picked.join("../elsewhere"));
    destinations.allow_picked(picked.clone());
    refused(&elsewhere);
    refused(&picked.join("../elsewhere"));
    let into_picked = destinations
        .export(setup.history(), &request(&[id], Some(&picked)))
        .unwrap();
    let into_default = destinations
        .export(setup.history(), &request(&[id], None))
        .unwrap();
    let named_default = destinations
        .export(setup.history(), &request(&[id], Some(&default)))
        .unwrap();

    assert!(
        !elsewhere.exists(),
        "nothing was written where the user did not choose"
    );
    assert_eq!(into_picked.folder, picked.to_string_lossy());
    assert_eq!(names_in(&picked), ["me-oil-48x32.png"]);
    assert_eq!(into_default.folder, default.to_string_lossy());
    assert_eq!(named_default.folder, default.to_string_lossy());
    assert_eq!(names_in(&default).len(), 2);
}

#[test]
fn with_no_pictures_or_home_folder_the_app_asks_for_a_folder() {
    let setup = Setup::new();
    let id = setup.output(serde_json::json!({}));
    let destinations = ExportDestinations::new(None);

    let error = destinations
        .export(setup.history(), &request(&[id], None))
        .unwrap_err();

    assert_eq!(error.code(), ErrorCode::Io);
    assert!(
        error.to_string().contains("choose a folder"),
        "{}",
        error.to_string()
    );
}

#[test]
fn only_a_file_an_export_wrote_since_the_app_started_can_be_revealed() {
    let setup = Setup::new();
    let id = setup.output(serde_json::json!({ "style": "oil" }));
    let default = setup.folder("default");
    let destinations = ExportDestinations::new(Some(default.clone()));
    let result = destinations
        .export(setup.history(), &request(&[id], None))
        .unwrap();
    let file = &result.files[0];
    let code = |destinations: &ExportDestinations, path: &str| {
        destinations.exported_file(path).unwrap_err().code()
    };

    assert_eq!(destinations.exported_file(file).unwrap(), Path::new(file));
    let vault_image = setup
        .history()
        .get_output(id)
        .unwrap()
        .image_file(&setup.vault())
        .display()
        .to_string();
    for other in [
        "/etc/passwd",
        result.folder.as_str(),
        vault_image.as_str(),
        "relative.png",
    ] {
        assert_eq!(
            code(&destinations, other),
            ErrorCode::NotExported,
            "{other}"
        );
    }
    let after_a_restart = ExportDestinations::new(Some(default));
    assert_eq!(code(&after_a_restart, file), ErrorCode::NotExported);
    std::fs::remove_file(file).unwrap();
    assert_eq!(code(&destinations, file), ErrorCode::NotFound);
}
