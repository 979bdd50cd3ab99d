//! A real PostgreSQL cluster and a real server on loopback, for every test.
//!
//! [`Cluster`] runs `initdb` and `pg_ctl` as the `postgres` user when the
//! tests run as root (initdb refuses root), in a temporary folder owned by
//! that user, listening on 127.0.0.1 on a free port. One cluster is shared by
//! the tests that run at the same time and stopped by its PID (`kill -INT`)
//! when the last of them drops it. Each [`Cloud`] gets its own database and
//! its own in-process server on a free port.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use likeness_cloud::backend::Backend;
use likeness_cloud::config::{Payments, ServeConfig, WorkConfig, LOCAL_WEBHOOK_SECRET};
use likeness_cloud::secret::Secret;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// A child process killed when dropped.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A ledger's entry kinds, oldest first.
pub fn kinds(ledger: &[Value]) -> Vec<&str> {
    ledger
        .iter()
        .rev()
        .map(|e| e["kind"].as_str().unwrap())
        .collect()
}

/// The webhook secret every test server uses (the documented local default).
pub const WEBHOOK_SECRET: &str = LOCAL_WEBHOOK_SECRET;

static SHARED: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());

/// A private PostgreSQL cluster.
pub struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
    pid: u32,
}

/// The shared cluster, started if none is running.
pub fn cluster() -> Arc<Cluster> {
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(cluster) = shared.upgrade() {
        return cluster;
    }
    let cluster = Arc::new(Cluster::start());
    *shared = Arc::downgrade(&cluster);
    cluster
}

fn pg_bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("LIKENESS_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    candidates.sort();
    candidates.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL's initdb was not found under /usr/lib/postgresql: \
             install the `postgresql` package (scripts/setup.sh) or set LIKENESS_PG_BIN"
        )
    })
}

fn running_as_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("`id -u` runs");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// A command run as the `postgres` user when we are root.
fn pg_command(program: &Path, as_postgres: bool) -> Command {
    if as_postgres {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what} did not start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a loopback port is free")
        .port()
}

impl Cluster {
    fn start() -> Cluster {
        let bin = pg_bin_dir();
        let as_postgres = running_as_root();
        let dir = tempfile::Builder::new()
            .prefix("likeness-cloud-pg-")
            .tempdir_in("/tmp")
            .expect("a temporary folder");
        if as_postgres {
            let mut chown = Command::new("chown");
            chown.arg("postgres:").arg(dir.path());
            run(chown, "chown");
        }
        let data = dir.path().join("data");
        let mut initdb = pg_command(&bin.join("initdb"), as_postgres);
        initdb.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        run(initdb, "initdb");
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let out = pg_command(&bin.join("pg_ctl"), as_postgres)
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.path().join("log"))
                .arg("-w")
                .arg("-o")
                .arg(format!(
                    "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c max_connections=200",
                    dir.path().display()
                ))
                .arg("start")
                .output()
                .expect("pg_ctl starts");
            if out.status.success() {
                let pid = std::fs::read_to_string(data.join("postmaster.pid"))
                    .expect("postmaster.pid exists once the cluster is up");
                let pid = pid.lines().next().unwrap().trim().parse().unwrap();
                return Cluster { dir, port, pid };
            }
            last_error = format!(
                "{}{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(dir.path().join("log")).unwrap_or_default()
            );
        }
        panic!("PostgreSQL did not start: {last_error}");
    }

    /// A connection URL for database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// A new, empty database.
    pub async fn create_database(&self) -> String {
        let name = format!(
            "t_{}",
            likeness_cloud::ids::new_id("db").trim_start_matches("db_")
        );
        let (client, connection) =
            tokio_postgres::connect(&self.url("postgres"), tokio_postgres::NoTls)
                .await
                .expect("the cluster accepts connections");
        let task = tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("a database is created");
        drop(client);
        let _ = task.await;
        name
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(self.pid.to_string())
            .status();
        let pid_file = self.dir.path().join("data").join("postmaster.pid");
        let deadline = Instant::now() + Duration::from_secs(15);
        while pid_file.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A test account.
pub struct Account {
    pub account_id: String,
    pub token: String,
}

/// A migrated database and a server on loopback, stopped when dropped.
pub struct Cloud {
    pub base: String,
    pub http: reqwest::Client,
    pub database_url: String,
    pub db: tokio_postgres::Client,
    /// The object store's folder, shared with the workers a test starts.
    pub storage: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    workers: Vec<oneshot::Sender<()>>,
    _cluster: Arc<Cluster>,
}

impl Drop for Cloud {
    fn drop(&mut self) {
        for stop in self.workers.drain(..) {
            let _ = stop.send(());
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl Cloud {
    /// A server with local payments.
    pub async fn start() -> Cloud {
        Cloud::start_with(Payments::Local).await
    }

    pub async fn start_with(payments: Payments) -> Cloud {
        likeness_cloud::install_tls_provider();
        let cluster = cluster();
        let name = cluster.create_database().await;
        let database_url = cluster.url(&name);
        likeness_cloud::migrate(&Secret::new(&database_url), None)
            .await
            .expect("the migrations apply");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let storage = tempfile::Builder::new()
            .prefix("likeness-cloud-storage-")
            .tempdir()
            .unwrap();
        let config = ServeConfig {
            database_url: Secret::new(&database_url),
            listen: listener.local_addr().unwrap(),
            public_url: None,
            payments,
            webhook_secret: Secret::new(WEBHOOK_SECRET),
            receipt_key: None,
            pool_size: 8,
            storage: storage.path().display().to_string(),
        };
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(async move {
            likeness_cloud::serve(config, listener, async {
                let _ = stop.await;
            })
            .await
            .expect("the server runs");
        });
        let (db, connection) = tokio_postgres::connect(&database_url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Cloud {
            base,
            http,
            database_url,
            db,
            storage,
            shutdown: Some(shutdown),
            workers: Vec::new(),
            _cluster: cluster,
        }
    }

    /// Start an in-process worker with `backend`, stopped with the cloud.
    pub fn start_worker(&mut self, backend: Arc<dyn Backend>, concurrency: usize, lease_secs: f64) {
        let config = WorkConfig {
            database_url: Secret::new(&self.database_url),
            storage: self.storage.path().display().to_string(),
            receipt_key: None,
            concurrency,
            lease: Duration::from_secs_f64(lease_secs),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            likeness_cloud::work(config, backend, async {
                let _ = stopped.await;
            })
            .await
            .expect("the worker runs");
        });
        self.workers.push(stop);
    }

    /// Buy the `standard` pack (500 credits) through the local checkout.
    pub async fn funded_account(&self) -> Account {
        let account = self.account().await;
        let (order_id, checkout_url) = self.order(&account, "standard").await;
        self.press(&checkout_url, "", "Pay").await;
        self.wait_for_state(&account, &order_id, "paid").await;
        account
    }

    /// A quote: its id and credits.
    pub async fn quote(
        &self,
        account: &Account,
        kind: &str,
        params: Value,
        image: &[u8],
    ) -> (String, i64) {
        let size = image::load_from_memory(image).unwrap();
        let (status, body) = self
            .post(
                "/v1/quotes",
                Some(&account.token),
                &json!({"kind": kind, "params": params,
                        "input": {"width": size.width(), "height": size.height()}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (
            body["quote_id"].as_str().unwrap().to_owned(),
            body["credits"].as_i64().unwrap(),
        )
    }

    /// POST /v1/jobs as multipart: the status and the JSON body.
    pub async fn submit(
        &self,
        account: &Account,
        key: Option<&str>,
        quote_id: &str,
        image: &[u8],
    ) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new()
            .text("quote_id", quote_id.to_owned())
            .part(
                "image",
                reqwest::multipart::Part::bytes(image.to_vec()).file_name("input.png"),
            );
        let mut request = self
            .http
            .post(self.url("/v1/jobs"))
            .bearer_auth(&account.token)
            .multipart(form);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    /// The job, as JSON.
    pub async fn job(&self, account: &Account, job_id: &str) -> Value {
        let (status, body) = self
            .get(&format!("/v1/jobs/{job_id}"), Some(&account.token))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Wait until the job is in `state`, or fail after `secs`.
    pub async fn wait_for_job(
        &self,
        account: &Account,
        job_id: &str,
        state: &str,
        secs: u64,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let job = self.job(account, job_id).await;
            if job["state"] == state {
                return job;
            }
            assert!(
                Instant::now() < deadline,
                "the job never became {state}: {job}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The files in the object store under `prefix` (`inputs`, `outputs`).
    pub fn stored(&self, prefix: &str) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.storage.path().join(prefix), &mut out);
        out
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// A new anonymous account.
    pub async fn account(&self) -> Account {
        let (status, body) = self.post("/v1/accounts", None, &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        Account {
            account_id: body["account_id"].as_str().unwrap().to_owned(),
            token: body["token"].as_str().unwrap().to_owned(),
        }
    }

    /// GET as `token`'s account: the status and the JSON body.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.http.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    /// GET as `token`'s account: the status and the raw body (an output's PNG).
    pub async fn get_bytes(&self, path: &str, token: &str) -> (StatusCode, Vec<u8>) {
        let answer = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = answer.status();
        (status, answer.bytes().await.unwrap().to_vec())
    }

    /// Start the `likeness-cloud` binary with `args` on this cloud's database
    /// and object store, in `folder`; `env` adds or overrides variables.
    pub fn spawn(&self, args: &[&str], env: &[(&str, String)], folder: &Path) -> Process {
        let mut command = Command::new(env!("CARGO_BIN_EXE_likeness-cloud"));
        command
            .args(args)
            .current_dir(folder)
            .env("LIKENESS_CLOUD_DATABASE_URL", &self.database_url)
            .env("LIKENESS_CLOUD_STORAGE", self.storage.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        Process(command.spawn().unwrap())
    }

    /// Wait until a `serve` process at `node` answers.
    pub async fn wait_until_serving(&self, node: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self
            .http
            .get(format!("{node}/v1/packs"))
            .send()
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "{node} never answered");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// POST JSON as `token`'s account.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let mut request = self.http.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    /// Order `pack_id`: the order id and the checkout URL.
    pub async fn order(&self, account: &Account, pack_id: &str) -> (String, String) {
        let (status, body) = self
            .post(
                "/v1/orders",
                Some(&account.token),
                &json!({"pack_id": pack_id}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (
            body["order_id"].as_str().unwrap().to_owned(),
            body["checkout_url"].as_str().unwrap().to_owned(),
        )
    }

    /// Open the checkout page (with `query`, the local provider's test hooks)
    /// and press the button labelled `label`, as a browser would: post the
    /// form's own action and hidden fields. Returns the answer's status and
    /// its `Location` (where the buyer is sent back).
    pub async fn press(
        &self,
        checkout_url: &str,
        query: &str,
        label: &str,
    ) -> (StatusCode, Option<String>) {
        let page_url = if query.is_empty() {
            checkout_url.to_owned()
        } else {
            format!("{checkout_url}?{query}")
        };
        let page = self.http.get(&page_url).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        let form = html
            .split("<form ")
            .skip(1)
            .find(|form| form.contains(&format!(">{label}</button>")))
            .unwrap_or_else(|| panic!("the checkout page has no {label:?} button:\n{html}"));
        let attribute = |text: &str, name: &str| -> String {
            let start = text.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            text[start..start + text[start..].find('"').unwrap()].to_owned()
        };
        let action = attribute(form, "action");
        let mut fields = Vec::new();
        for input in form.split("<input ").skip(1) {
            fields.push((attribute(input, "name"), attribute(input, "value")));
        }
        let answer = self
            .http
            .post(self.url(&action))
            .form(&fields)
            .send()
            .await
            .unwrap();
        let location = answer
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        (answer.status(), location)
    }

    /// The account's free credits.
    pub async fn balance(&self, account: &Account) -> i64 {
        let (status, body) = self.get("/v1/balance", Some(&account.token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["credits"].as_i64().unwrap()
    }

    /// The account's order, as JSON.
    pub async fn order_json(&self, account: &Account, order_id: &str) -> Value {
        let (status, body) = self
            .get(&format!("/v1/orders/{order_id}"), Some(&account.token))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// The account's ledger lines, newest first.
    pub async fn ledger(&self, account: &Account) -> Vec<Value> {
        let (status, body) = self.get("/v1/ledger", Some(&account.token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["entries"].as_array().unwrap().clone()
    }

    /// Wait until the order reaches `state`, or fail after 10 s.
    pub async fn wait_for_state(&self, account: &Account, order_id: &str, state: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let order = self.order_json(account, order_id).await;
            if order["state"] == state {
                return order;
            }
            assert!(
                Instant::now() < deadline,
                "the order never became {state}: {order}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// POST a raw webhook body with a `Stripe-Signature` header.
    pub async fn webhook(&self, body: &[u8], signature: Option<&str>) -> (StatusCode, Value) {
        let mut request = self
            .http
            .post(self.url("/v1/webhooks/stripe"))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("Stripe-Signature", signature);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    /// One number from the database.
    pub async fn count(&self, sql: &str) -> i64 {
        self.db.query_one(sql, &[]).await.unwrap().get(0)
    }
}

/// The public-domain test portrait (one adult, face clear), as PNG bytes.
pub fn portrait() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/astronaut.png"
    ))
    .expect("fixtures/astronaut.png")
}

/// A small picture with no face, as PNG bytes.
pub fn tiny_picture(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}
