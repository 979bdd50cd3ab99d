//! Launch the real Likeness binary through tauri-driver (WebKitWebDriver) and
//! drive it as a user would. Needs a display (the test script runs Xvfb).

use std::ops::AsyncFnMut;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

/// How long one step may take to show before its test fails: generous, as a
/// CI machine may be slow or busy.
pub const DEADLINE: Duration = Duration::from_secs(30);
/// How often a condition is checked again.
const POLL: Duration = Duration::from_millis(100);

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

/// `fixtures/astronaut.png` (public domain, see `fixtures/README.md`).
pub fn astronaut() -> PathBuf {
    repo_root()
        .join("fixtures/astronaut.png")
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
        Self::spawn(port, data_dir, &[], &[])
    }

    /// [`Self::start`], with the app cut off from the OS keyring (no session bus).
    pub fn start_without_keyring(port: u16, data_dir: &Path) -> Driver {
        Self::spawn(port, data_dir, &["DBUS_SESSION_BUS_ADDRESS"], &[])
    }

    /// [`Self::start`], with more environment for the app (`BROWSER`, say).
    pub fn start_with(port: u16, data_dir: &Path, set: &[(&str, &Path)]) -> Driver {
        Self::spawn(port, data_dir, &[], set)
    }

    fn spawn(port: u16, data_dir: &Path, unset: &[&str], set: &[(&str, &Path)]) -> Driver {
        use std::os::unix::process::CommandExt;
        let mut command = Command::new("tauri-driver");
        for name in unset {
            command.env_remove(name);
        }
        for (name, value) in set {
            command.env(name, value);
        }
        let child = command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &(port + 1).to_string(),
            ])
            .env("LIKENESS_DATA_DIR", data_dir)
            // Exports go to the Pictures folder: point it inside the test's folder.
            .env("XDG_CONFIG_HOME", xdg_config(data_dir))
            // The page's own storage (the language and theme chosen) too, so that
            // one test's choice never shows in the next.
            .env("XDG_DATA_HOME", data_dir.join("xdg-data"))
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
        // tauri-driver takes a moment to listen after it starts.
        let client = wait_until("a WebDriver session starts", DEADLINE, async || {
            Ok(ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await?)
        })
        .await;
        wait_for(&client, "html[data-ready='true']").await;
        client
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // tauri-driver runs in its own process group; end the whole group.
        stop_group(&mut self.child);
    }
}

/// End `child`, started as the leader of its own process group, with every
/// process in that group (SIGTERM), and wait for it.
pub fn stop_group(child: &mut Child) {
    // `--` matters: without it, `kill` reads the negative id as an option.
    let group = format!("-{}", child.id());
    let _ = Command::new("kill")
        .args(["-s", "TERM", "--", &group])
        .status();
    let _ = child.wait();
}

/// Why a condition does not hold yet. Any error converts into it with `?`:
/// a WebDriver error while the page changes means "not yet", not failure.
#[derive(Debug)]
pub struct NotYet(String);

impl<E: std::fmt::Display> From<E> for NotYet {
    fn from(e: E) -> Self {
        NotYet(e.to_string())
    }
}

/// `Ok` when `holds`; else not yet, because of `why`.
pub fn check(holds: bool, why: impl FnOnce() -> String) -> Result<(), NotYet> {
    if holds {
        Ok(())
    } else {
        Err(NotYet(why()))
    }
}

/// Check `condition` every 100 ms until it holds, and return what it gives;
/// panic, saying `what` and why it last did not hold, once `deadline` passes.
/// Every end-to-end assertion waits through this: the UI and the disk change
/// asynchronously, so a single look can come too early.
pub async fn wait_until<T>(
    what: &str,
    deadline: Duration,
    mut condition: impl AsyncFnMut() -> Result<T, NotYet>,
) -> T {
    let start = Instant::now();
    loop {
        match condition().await {
            Ok(value) => return value,
            Err(NotYet(why)) if start.elapsed() >= deadline => {
                panic!("{what}: not so after {deadline:?}: {why}")
            }
            Err(_) => tokio::time::sleep(POLL).await,
        }
    }
}

/// Wait for an element matching `css`.
pub async fn wait_for(client: &Client, css: &str) -> Element {
    wait_for_within(client, css, DEADLINE).await
}

/// Wait up to `deadline` for an element matching `css`.
pub async fn wait_for_within(client: &Client, css: &str, deadline: Duration) -> Element {
    wait_until(&format!("{css} appears"), deadline, async || {
        Ok(client.find(Locator::Css(css)).await?)
    })
    .await
}

/// Wait until exactly `count` elements match `css`.
pub async fn wait_for_count(client: &Client, css: &str, count: usize) {
    wait_until(&format!("{count} of {css}"), DEADLINE, async || {
        let found = client.find_all(Locator::Css(css)).await?.len();
        check(found == count, || format!("found {found}"))
    })
    .await
}

/// Wait until the script `js` returns `true` in the page.
pub async fn wait_for_script(client: &Client, what: &str, js: &str) {
    wait_until(what, DEADLINE, async || {
        let value = client.execute(js, vec![]).await?;
        check(value == true, || format!("the page says {value}"))
    })
    .await
}

/// Wait until `count` files are under `dir`; returns them.
pub async fn wait_for_files(dir: &Path, count: usize) -> Vec<PathBuf> {
    wait_until(
        &format!("{count} files under {}", dir.display()),
        DEADLINE,
        async || {
            let files = files_under(dir);
            check(files.len() == count, || format!("found {files:?}"))?;
            Ok(files)
        },
    )
    .await
}

/// Click the element matching `css` once it appears, brought to the middle
/// of its scroll area first: WebDriver scrolls it only to the edge, where a
/// sticky bar (the Studio's Generate bar) may cover it.
pub async fn click(client: &Client, css: &str) {
    let element = wait_for(client, css).await;
    let arg = serde_json::to_value(&element).unwrap();
    client
        .execute(
            "arguments[0].scrollIntoView({ block: 'center' });",
            vec![arg],
        )
        .await
        .unwrap_or_else(|e| panic!("{css} could not be scrolled to: {e}"));
    element
        .click()
        .await
        .unwrap_or_else(|e| panic!("{css} could not be clicked: {e}"));
}

/// Call a backend command from the page as the UI would, through Tauri's IPC:
/// `Ok` with what it returned, or `Err` with the error it was refused with.
pub async fn invoke(
    client: &Client,
    command: &str,
    args: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    let answer = client
        .execute_async(
            "const [command, args, done] = arguments;\
             window.__TAURI_INTERNALS__.invoke(command, args).then(\
               (value) => done({ ok: value ?? null }),\
               (error) => done({ error }));",
            vec![command.into(), args],
        )
        .await
        .unwrap_or_else(|e| panic!("{command} could not be called: {e}"));
    match answer.get("error") {
        Some(error) => Err(error.clone()),
        None => Ok(answer["ok"].clone()),
    }
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
        wait_for(app, &format!("[data-testid='{id}']"))
            .await
            .click()
            .await
            .unwrap();
    }
    // Enabled once all three are ticked.
    wait_for(app, "[data-testid='consent-continue']:not([disabled])")
        .await
        .click()
        .await
        .unwrap();
    wait_for(app, "[data-testid='library-empty']").await;
}

/// Pick files in the Library's file picker, as a user would (several paths
/// at once are separated by newlines, per WebDriver).
pub async fn pick_files(app: &Client, paths: &[&Path]) {
    let input = wait_for(app, "[data-testid='import-input']").await;
    let text: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    input.send_keys(&text.join("\n")).await.unwrap();
}

/// Sum RSS and PSS over the app process and its WebKit children.
pub fn app_memory() -> Memory {
    let binary = app_binary().canonicalize().unwrap();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if std::fs::read_link(entry.path().join("exe")).is_ok_and(|exe| exe == binary) {
            pids.push(pid);
        }
    }
    let children: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok())
        .filter(|pid| parent_of(*pid).is_some_and(|ppid| pids.contains(&ppid)))
        .collect();
    let kib = |pid: u32, file: &str, key: &str| -> f64 {
        std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join(file))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    let pss = |pids: &[u32]| -> f64 { pids.iter().map(|&p| kib(p, "smaps_rollup", "Pss:")).sum() };
    let all: Vec<u32> = pids.iter().chain(&children).copied().collect();
    Memory {
        rss: all.iter().map(|&p| kib(p, "status", "VmRSS:")).sum(),
        pss: pss(&all),
        app_pss: pss(&pids),
    }
}

/// The memory of the app and its WebKit processes, in MiB.
pub struct Memory {
    pub rss: f64,
    pub pss: f64,
    /// The app's own process, without WebKit's.
    pub app_pss: f64,
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Save what the window shows as `docs/<name>.png` when
/// `LIKENESS_SCREENSHOTS=1` (how README's pictures are made).
pub async fn screenshot(app: &Client, name: &str) {
    if std::env::var_os("LIKENESS_SCREENSHOTS").is_some() {
        // A screenshot can lag the page by a paint or two.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let png = app.screenshot().await.unwrap();
        std::fs::write(repo_root().join("docs").join(format!("{name}.png")), png).unwrap();
    }
}

/// The axe-core checker, from the UI's dev dependencies (`npm ci` puts it there).
fn axe_source() -> String {
    let path = repo_root().join("ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} is readable (npm ci in ui/): {e}", path.display()))
}

/// What axe-core finds wrong on the page as it is now, in the theme named
/// (`light` or `dark`, set as the Settings page sets it), limited to serious
/// and critical problems: one line per rule, with the first elements it hit.
pub async fn serious_accessibility_problems(app: &Client, theme: &str) -> Vec<String> {
    app.execute(
        "document.documentElement.dataset.theme = arguments[0];",
        vec![theme.into()],
    )
    .await
    .unwrap();
    let loaded = app
        .execute("return typeof axe !== 'undefined';", vec![])
        .await
        .unwrap();
    if loaded != serde_json::Value::Bool(true) {
        app.execute(&axe_source(), vec![]).await.unwrap();
    }
    // Colours read halfway through a theme's transition would be neither theme's.
    wait_for_script(
        app,
        "the page's transitions have ended",
        "return document.getAnimations().every((a) => !(a instanceof CSSTransition) || a.playState !== 'running');",
    )
    .await;
    let found = app
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { resultTypes: ['violations'] }).then(\
               (result) => done(result.violations\
                 .filter((v) => v.impact === 'serious' || v.impact === 'critical')\
                 .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)),\
               (error) => done([`axe could not run: ${error}`]));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}
