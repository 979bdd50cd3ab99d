//! The `likeness-cloud` binary itself: `migrate`, then `serve` on
//! `LIKENESS_CLOUD_PORT`, stopped by SIGTERM, with no secret in its output.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{cluster, free_port};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_migrates_serves_on_its_port_and_stops_on_sigterm_without_logging_secrets() {
    likeness_cloud::install_tls_provider();
    let cluster = cluster();
    let database_url = cluster.url(&cluster.create_database().await);
    let binary = env!("CARGO_BIN_EXE_likeness-cloud");

    let migrate = Command::new(binary)
        .arg("migrate")
        .env("LIKENESS_CLOUD_DATABASE_URL", &database_url)
        .output()
        .unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    assert!(String::from_utf8_lossy(&migrate.stdout).contains("applied migrations [1, 2, 3, 4]"));

    let port = free_port();
    let storage = tempfile::tempdir().unwrap();
    let webhook_secret = "whsec_binary_test_secret";
    let mut serve = Command::new(binary)
        .arg("serve")
        .env("LIKENESS_CLOUD_DATABASE_URL", &database_url)
        .env("LIKENESS_CLOUD_PORT", port.to_string())
        .env("LIKENESS_CLOUD_WEBHOOK_SECRET", webhook_secret)
        .env("LIKENESS_CLOUD_STORAGE", storage.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match http
            .get(format!("{base}/.well-known/likeness-receipt-key"))
            .send()
            .await
        {
            Ok(answer) if answer.status().is_success() => break,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("the server never answered: {other:?}"),
        }
    }
    let created: serde_json::Value = http
        .post(format!("{base}/v1/accounts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let balance = http
        .get(format!("{base}/v1/balance"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(balance.status(), reqwest::StatusCode::OK);

    let status = Command::new("kill")
        .arg("-TERM")
        .arg(serve.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = serve.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "serve exited with {exit}");
    let output = serve.wait_with_output().unwrap();
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(logs.contains("/v1/balance"), "{logs}");
    assert!(!logs.contains(&token), "a token reached the log");
    assert!(
        !logs.contains(webhook_secret),
        "the webhook secret reached the log"
    );
}

/// Start `work` with `device` on this repository's ONNX Runtime (the CPU
/// build), against a real database.
fn worker_on(database_url: &str, storage: &std::path::Path, device: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_likeness-cloud"))
        .args(["work", "--device", device])
        .env("LIKENESS_CLOUD_DATABASE_URL", database_url)
        .env("LIKENESS_CLOUD_STORAGE", storage)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_asked_for_cuda_on_the_cpu_build_of_onnx_runtime_stops_at_start_and_says_why() {
    let cloud = crate::harness::Cloud::start().await;
    let ended = worker_on(&cloud.database_url, cloud.storage.path(), "cuda")
        .wait_with_output()
        .unwrap();
    assert!(!ended.status.success());
    let said = String::from_utf8_lossy(&ended.stderr);
    assert!(
        said.contains("has no CUDA provider (it is the CPU build)"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_left_on_auto_runs_its_models_on_the_cpu_when_the_runtime_has_no_cuda() {
    use std::io::{BufRead, BufReader};
    let cloud = crate::harness::Cloud::start().await;
    let mut worker = worker_on(&cloud.database_url, cloud.storage.path(), "auto");
    let logs = BufReader::new(worker.stdout.take().unwrap());
    let loaded = tokio::task::spawn_blocking(move || {
        logs.lines()
            .map_while(Result::ok)
            .find(|line| line.contains("the models are loaded"))
    });
    let loaded = tokio::time::timeout(Duration::from_secs(120), loaded)
        .await
        .expect("the worker loads its models")
        .unwrap();
    let _ = worker.kill();
    let _ = worker.wait();
    assert!(
        loaded.is_some_and(|line| line.contains("device=\"cpu\"")),
        "the worker says where its models run"
    );
}
