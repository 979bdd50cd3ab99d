//! Launch the real Likeness binary through tauri-driver (WebKitWebDriver) and
//! drive it as a user would. Needs a display (the test script runs Xvfb).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

/// The app binary: `$LIKENESS_APP` if set (e.g. a release build, for the
/// startup bench), else the debug build with embedded UI assets
/// (`--features custom-protocol`) that CI makes.
pub fn app_binary() -> PathBuf {
    if let Some(app) = std::env::var_os("LIKENESS_APP") {
        return PathBuf::from(app);
    }
    let root = repo_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or(root.join("target"));
    target.join("debug/likeness")
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/fixtures/astronaut.png` beside the repository.
pub fn astronaut() -> PathBuf {
    repo_root()
        .join("../shared/fixtures/astronaut.png")
        .canonicalize()
        .expect("shared fixture")
}

/// An XDG config folder whose Pictures folder is `<data_dir>/Pictures`.
fn xdg_config(data_dir: &Path) -> PathBuf {
    let config = data_dir.join("xdg-config");
    std::fs::create_dir_all(&config).unwrap();
    let pictures = data_dir.join("Pictures");
    let line = format!("XDG_PICTURES_DIR=\"{}\"\n", pictures.display());
    std::fs::write(config.join("user-dirs.dirs"), line).unwrap();
    config
}

/// A running tauri-driver; killed with its WebKitWebDriver children on drop.
pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Start tauri-driver on `port`, passing `data_dir` to the app it launches.
    pub fn start(port: u16, data_dir: &Path) -> Driver {
        use std::os::unix::process::CommandExt;
        let child = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &(port + 1).to_string(),
            ])
            .env("LIKENESS_DATA_DIR", data_dir)
            // Exports go to the Pictures folder: point it inside the test's folder.
            .env("XDG_CONFIG_HOME", xdg_config(data_dir))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("tauri-driver is installed (cargo install tauri-driver --locked)");
        Driver { child, port }
    }

    /// Launch the app in a new WebDriver session and wait until the Library has painted.
    pub async fn launch(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary() }),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        let mut last_error = None;
        for _ in 0..50 {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    wait_for(&client, "html[data-ready='true']").await;
                    return client;
                }
                Err(e) => {
                    last_error = Some(e);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        panic!("could not start a WebDriver session: {last_error:?}");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // tauri-driver runs in its own process group; end the whole group.
        // `--` matters: without it, `kill` reads the negative id as an option.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-s", "TERM", "--", &group])
            .status();
        let _ = self.child.wait();
    }
}

/// Wait (up to 20 s) for an element matching `css`.
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
}

/// Wait (up to 20 s) until `count` elements match `css`.
pub async fn wait_for_count(client: &Client, css: &str, count: usize) {
    for _ in 0..100 {
        if client.find_all(Locator::Css(css)).await.unwrap().len() == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("expected {count} of {css}");
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The astronaut twice, side by side, as a PNG: a photo of two people.
pub fn side_by_side_png() -> Vec<u8> {
    let one = image::open(astronaut()).unwrap().to_rgb8();
    let mut two = image::RgbImage::new(one.width() * 2, one.height());
    image::imageops::replace(&mut two, &one, 0, 0);
    image::imageops::replace(&mut two, &one, i64::from(one.width()), 0);
    let mut out = std::io::Cursor::new(Vec::new());
    two.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Accept the first-run consent gate as a user would.
pub async fn accept_consent(app: &Client) {
    wait_for(app, "[data-testid='consent-gate']").await;
    for id in [
        "consent-adult",
        "consent-photo-rights",
        "consent-face-processing",
    ] {
        app.find(Locator::Css(&format!("[data-testid='{id}']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    app.find(Locator::Css("[data-testid='consent-continue']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(app, "[data-testid='library-empty']").await;
}

/// Pick files in the Library's file picker, as a user would (several paths
/// at once are separated by newlines, per WebDriver).
pub async fn pick_files(app: &Client, paths: &[&Path]) {
    let input = app
        .find(Locator::Css("[data-testid='import-input']"))
        .await
        .unwrap();
    let text: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    input.send_keys(&text.join("\n")).await.unwrap();
}
