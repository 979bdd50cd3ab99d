//! The CLI as a script sees it: one JSON object per file, stable error codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn astronaut() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/astronaut.png")
}

fn cli(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_likeness-cli"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--json")
        .env_remove("LIKENESS_DATA_DIR")
        .output()
        .expect("likeness-cli runs")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A fresh data folder where consent has been given, as `consent --grant` records it.
fn consented() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let out = cli(data.path(), &["consent", "--grant"]);
    assert!(out.status.success());
    assert_eq!(json_lines(&out)[0]["complete"], true);
    data
}

/// The astronaut twice, side by side (two people), saved as `pair.png` in `dir`.
fn side_by_side(dir: &Path) -> PathBuf {
    let one = image::open(astronaut()).unwrap().to_rgb8();
    let mut two = image::RgbImage::new(one.width() * 2, one.height());
    image::imageops::replace(&mut two, &one, 0, 0);
    image::imageops::replace(&mut two, &one, i64::from(one.width()), 0);
    let pair = dir.join("pair.png");
    two.save(&pair).unwrap();
    pair
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn import_prints_one_json_object_per_file_with_id_hash_and_size() {
    let data = consented();
    let out = cli(data.path(), &["import", astronaut().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["width"], 512);
    assert_eq!(lines[0]["height"], 512);
    assert_eq!(lines[0]["sha256"].as_str().unwrap().len(), 64);
    assert!(lines[0]["id"].as_i64().is_some());
}

#[test]
fn bad_files_get_their_error_code_and_the_good_ones_still_import() {
    let data = consented();
    let inputs = tempfile::tempdir().unwrap();
    let text = inputs.path().join("notes.jpg");
    std::fs::write(&text, "not a photo").unwrap();
    let empty = inputs.path().join("empty.png");
    std::fs::write(&empty, "").unwrap();
    let cut = inputs.path().join("cut.png");
    let png = std::fs::read(astronaut()).unwrap();
    std::fs::write(&cut, &png[..png.len() / 3]).unwrap();
    let damaged = inputs.path().join("damaged.png");
    let mut bytes = png.clone();
    let mid = bytes.len() / 2;
    bytes[100..mid]
        .iter_mut()
        .for_each(|b| *b = b.wrapping_mul(31).wrapping_add(7));
    std::fs::write(&damaged, bytes).unwrap();
    let huge = inputs.path().join("huge.jpg");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(51 * 1024 * 1024)
        .unwrap();

    let files = [
        text.as_path(),
        empty.as_path(),
        cut.as_path(),
        damaged.as_path(),
        huge.as_path(),
        astronaut().as_path(),
    ]
    .map(|p| p.to_str().unwrap().to_owned());
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    let out = cli(data.path(), &args);
    assert_eq!(out.status.code(), Some(1), "some files failed");
    let lines = json_lines(&out);
    let codes: Vec<&str> = lines
        .iter()
        .map(|l| l["error"]["code"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(
        codes,
        [
            "unsupported_format",
            "empty_file",
            "truncated_image",
            "corrupt_image",
            "file_too_large",
            "ok"
        ]
    );
    assert!(lines[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not a JPEG, PNG or WebP"));

    let listed = json_lines(&cli(data.path(), &["list"]));
    assert_eq!(listed.len(), 1, "only the good file is in the library");
    assert_eq!(listed[0]["originalName"], "astronaut.png");
}

#[test]
fn list_of_a_new_library_is_empty_and_delete_removes_the_file() {
    let data = consented();
    assert!(json_lines(&cli(data.path(), &["list"])).is_empty());
    let imported = json_lines(&cli(
        data.path(),
        &["import", astronaut().to_str().unwrap()],
    ));
    let id = imported[0]["id"].as_i64().unwrap().to_string();
    let listed = json_lines(&cli(data.path(), &["list"]));
    assert_eq!(listed[0]["image"], format!("portrait/{id}"));
    let originals = data.path().join("vault/originals");
    assert_eq!(files_under(&originals).len(), 1);
    assert!(cli(data.path(), &["delete", &id]).status.success());
    assert_eq!(
        files_under(&originals).len(),
        0,
        "the image is gone from disk"
    );
    assert!(json_lines(&cli(data.path(), &["list"])).is_empty());
}

#[test]
fn moderate_accepts_the_portrait_and_calls_a_text_file_unreadable_with_exit_0() {
    let data = tempfile::tempdir().unwrap();
    let text = data.path().join("notes.jpg");
    std::fs::write(&text, "not a photo").unwrap();
    let out = cli(
        data.path(),
        &[
            "moderate",
            "--i-consent",
            astronaut().to_str().unwrap(),
            text.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["decision"], "accept");
    assert_eq!(lines[0]["reason"], "accepted");
    assert_eq!(lines[0]["faces"].as_array().unwrap().len(), 1);
    assert_eq!(lines[0]["faces"][0]["box"].as_array().unwrap().len(), 4);
    assert!(lines[0]["faces"][0]["age"].as_f64().unwrap() > 20.0);
    assert!(lines[0]["ms"].as_f64().unwrap() > 0.0);
    assert_eq!(lines[1]["file"], text.to_str().unwrap());
    assert_eq!(lines[1]["decision"], "reject");
    assert_eq!(lines[1]["reason"], "unreadable");
}

#[test]
fn moderate_without_the_runtime_refuses_every_file_and_exits_3() {
    let data = tempfile::tempdir().unwrap();
    let out = cli(
        data.path(),
        &[
            "moderate",
            "--i-consent",
            astronaut().to_str().unwrap(),
            "--ort-lib",
            "/nonexistent/libonnxruntime.so.1",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["decision"], "reject");
    assert_eq!(lines[0]["reason"], "moderation_unavailable");
    assert!(String::from_utf8_lossy(&out.stderr).contains("ONNX Runtime was not found"));
}

#[test]
fn moderate_refuses_a_youthful_age_below_21() {
    let data = tempfile::tempdir().unwrap();
    let out = cli(
        data.path(),
        &[
            "moderate",
            "--i-consent",
            astronaut().to_str().unwrap(),
            "--youthful-age",
            "20",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(json_lines(&out).is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 21"));
}

#[test]
fn import_without_consent_is_refused_and_stores_nothing() {
    let data = tempfile::tempdir().unwrap();
    let out = cli(data.path(), &["import", astronaut().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("consent_required") && stderr.contains("consent --grant"),
        "{stderr}"
    );
    assert!(json_lines(&cli(data.path(), &["list"])).is_empty());
}

#[test]
fn a_group_photo_is_refused_on_import_with_the_reason_in_plain_words() {
    let data = consented();
    let inputs = tempfile::tempdir().unwrap();
    let pair = side_by_side(inputs.path());

    let out = cli(data.path(), &["import", pair.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a refused file counts as a failure"
    );
    let line = &json_lines(&out)[0];
    assert_eq!(line["decision"], "reject");
    assert_eq!(line["reason"], "multiple_people");
    assert_eq!(
        line["message"],
        "We found 2 people. Use a photo of just you."
    );
    assert!(json_lines(&cli(data.path(), &["list"])).is_empty());
    assert!(!data
        .path()
        .join("vault/originals")
        .read_dir()
        .unwrap()
        .any(|_| true));
}

#[test]
fn withdrawing_consent_from_the_cli_deletes_the_library() {
    let data = consented();
    cli(data.path(), &["import", astronaut().to_str().unwrap()]);
    let out = cli(data.path(), &["consent", "--withdraw"]);
    assert!(out.status.success());
    assert_eq!(json_lines(&out)[0]["complete"], false);
    assert!(json_lines(&cli(data.path(), &["list"])).is_empty());
}

#[test]
fn generate_writes_a_styled_portrait_with_the_chosen_aspect_ratio() {
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = cli(
        data.path(),
        &[
            "generate",
            "--i-consent",
            "--portrait",
            astronaut().to_str().unwrap(),
            "--style",
            "style-03:0.7,style-12:0.3",
            "--framing",
            "half-body",
            "--orientation",
            "4:5",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let line = &json_lines(&run)[0];
    assert_eq!(line["decision"], "accept");
    let written = image::open(line["output"].as_str().unwrap()).unwrap();
    assert_eq!(written.width() * 5, written.height() * 4);
    assert_eq!(line["settings"]["style"]["mix"][0][0], "style-03");
}

#[test]
fn generate_puts_a_studio_colour_behind_the_person_and_refuses_a_colour_it_cannot_read() {
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let args = |background: &'static str| {
        [
            "generate",
            "--i-consent",
            "--portrait",
            astronaut().to_str().unwrap(),
            "--style",
            "style-03",
            "--strength",
            "0",
            "--background",
            background,
            "--out",
            out.path().to_str().unwrap(),
        ]
        .map(str::to_owned)
    };
    let run = |background| {
        let args = args(background);
        cli(
            data.path(),
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    let green = run("#00ff00");
    assert!(
        green.status.success(),
        "{}",
        String::from_utf8_lossy(&green.stderr)
    );
    let line = &json_lines(&green)[0];
    assert_eq!(line["settings"]["background"]["colour"], "#00ff00");
    let written = image::open(line["output"].as_str().unwrap())
        .unwrap()
        .to_rgb8();
    let corner = written.get_pixel(written.width() - 4, 4).0;
    assert!(
        corner[1] > 200 && corner[0] < 60 && corner[2] < 60,
        "{corner:?}"
    );

    let bad = run("green");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("#RRGGBB"));
}

#[test]
fn generate_refuses_a_group_photo_with_the_moderation_reason_and_writes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let pair = side_by_side(inputs.path());
    let run = cli(
        data.path(),
        &[
            "generate",
            "--i-consent",
            "--portrait",
            pair.to_str().unwrap(),
            "--style",
            "style-01",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert_eq!(run.status.code(), Some(1));
    let line = &json_lines(&run)[0];
    assert_eq!(line["decision"], "reject");
    assert_eq!(line["reason"], "multiple_people");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn generate_refuses_a_full_body_of_a_waist_up_photo_and_names_the_closest_framing() {
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = cli(
        data.path(),
        &[
            "generate",
            "--i-consent",
            "--portrait",
            astronaut().to_str().unwrap(),
            "--style",
            "style-03",
            "--framing",
            "full-body",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("framing_beyond_photo")
            && stderr.contains("the closest framing it supports is half-body"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn generate_refuses_an_unknown_style_before_doing_any_work() {
    let data = tempfile::tempdir().unwrap();
    let run = cli(
        data.path(),
        &[
            "generate",
            "--i-consent",
            "--portrait",
            astronaut().to_str().unwrap(),
            "--style",
            "van-gogh",
            "--out",
            "/tmp",
        ],
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("van-gogh"));
}

#[test]
fn moderate_and_generate_refuse_without_i_consent_and_analyse_nothing() {
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let portrait = astronaut();
    let portrait = portrait.to_str().unwrap();
    let commands: [&[&str]; 2] = [
        &["moderate", portrait],
        &[
            "generate",
            "--portrait",
            portrait,
            "--style",
            "style-01",
            "--out",
            out.path().to_str().unwrap(),
        ],
    ];
    for args in commands {
        let run = cli(data.path(), args);
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        assert!(json_lines(&run).is_empty(), "no verdict without consent");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(
            stderr.contains("consent_required") && stderr.contains("--i-consent"),
            "{stderr}"
        );
    }
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn the_help_of_moderate_and_generate_explains_i_consent() {
    for command in ["moderate", "generate"] {
        let help = Command::new(env!("CARGO_BIN_EXE_likeness-cli"))
            .args([command, "--help"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&help.stdout);
        assert!(
            text.contains("--i-consent") && text.contains("18 or older"),
            "{text}"
        );
    }
}

#[test]
fn moderate_writes_nothing_outside_its_data_folder_not_even_a_runtime_telemetry_store() {
    let home = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_likeness-cli"))
        .args(["moderate", "--i-consent", "--json"])
        .arg(astronaut())
        .arg("--data-dir")
        .arg(data.path())
        .env("HOME", home.path())
        .env_remove("XDG_CACHE_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("ORT_DISABLE_TELEMETRY")
        .env_remove("LIKENESS_DATA_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        json_lines(&out)[0]["decision"],
        "accept",
        "the models really ran"
    );
    let written: Vec<_> = walkdir(home.path());
    assert!(written.is_empty(), "written under HOME: {written:?}");
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walkdir(&path));
        }
        out.push(path);
    }
    out
}

#[test]
fn privacy_status_export_delete_all_and_import_give_a_library_back_from_a_script() {
    let data = consented();
    cli(data.path(), &["import", astronaut().to_str().unwrap()]);
    let status = json_lines(&cli(data.path(), &["privacy", "status"]));
    let portraits = status[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "portraits")
        .unwrap()
        .clone();
    assert_eq!(
        (
            portraits["count"].as_i64(),
            portraits["keptForDays"].as_i64()
        ),
        (Some(1), Some(30))
    );
    assert!(portraits["nextExpiry"].is_string());

    let out_dir = tempfile::tempdir().unwrap();
    let archive = out_dir.path().join("mine.zip");
    let exported = json_lines(&cli(
        data.path(),
        &["privacy", "export", "--out", archive.to_str().unwrap()],
    ));
    assert_eq!(exported[0]["portraits"], 1);
    assert!(archive.is_file());
    let again = cli(
        data.path(),
        &["privacy", "export", "--out", archive.to_str().unwrap()],
    );
    assert_eq!(
        again.status.code(),
        Some(2),
        "an existing file is never replaced"
    );

    let refused = cli(data.path(), &["privacy", "delete-all"]);
    assert_eq!(refused.status.code(), Some(2), "--yes is required");
    let receipt = json_lines(&cli(data.path(), &["privacy", "delete-all", "--yes"]));
    assert_eq!(
        (
            receipt[0]["portraits"].as_i64(),
            receipt[0]["consentRecords"].as_i64()
        ),
        (Some(1), Some(3))
    );
    assert!(json_lines(&cli(data.path(), &["list"])).is_empty());
    assert!(files_under(&data.path().join("vault")).is_empty());

    let no_consent = cli(
        data.path(),
        &["privacy", "import", archive.to_str().unwrap()],
    );
    assert_eq!(no_consent.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_consent.stderr).contains("(consent_required)"));
    cli(data.path(), &["consent", "--grant"]);
    let imported = json_lines(&cli(
        data.path(),
        &["privacy", "import", archive.to_str().unwrap()],
    ));
    assert_eq!(
        (
            imported[0]["portraits"].as_i64(),
            imported[0]["refused"].as_i64()
        ),
        (Some(1), Some(0))
    );
    let listed = json_lines(&cli(data.path(), &["list"]));
    assert_eq!(listed[0]["originalName"], "astronaut.png");
}

#[test]
fn without_a_keyring_the_library_does_not_open_and_says_why() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_likeness-cli"))
        .args(["list", "--json", "--data-dir"])
        .arg(data.path())
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_RUNTIME_DIR", data.path())
        .env_remove("LIKENESS_DATA_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("(keyring_unavailable)"), "{stderr}");
    assert!(stderr.contains("system keyring"), "{stderr}");
    assert!(
        !data.path().join("likeness.db").exists()
            || std::fs::metadata(data.path().join("likeness.db"))
                .unwrap()
                .len()
                == 0,
        "no library was made without its key"
    );
}
