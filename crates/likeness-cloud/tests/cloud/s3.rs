//! S3-compatible object storage, against a real S3 API server on loopback
//! (moto's `moto_server`, installed by `scripts/setup.sh`): job images live in
//! the bucket, never on a process's disk, and a wrong bucket stops a process
//! at start with a plain reason.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::harness::{free_port, tiny_picture, Cloud, Process};

const BUCKET: &str = "likeness-jobs";

/// An S3 API server on a free loopback port, with one empty bucket.
struct S3Server {
    endpoint: String,
    _process: Process,
}

/// `moto_server`: `LIKENESS_MOTO_SERVER`, else the one `scripts/setup.sh`
/// installs under `.tools/moto`, else the one on PATH.
fn moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os("LIKENESS_MOTO_SERVER") {
        return path.into();
    }
    let installed =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/moto/bin/moto_server");
    if installed.is_file() {
        return installed;
    }
    "moto_server".into()
}

impl S3Server {
    async fn start(http: &reqwest::Client) -> S3Server {
        let port = free_port();
        let process = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server runs (scripts/setup.sh installs it)");
        let server = S3Server {
            endpoint: format!("http://127.0.0.1:{port}"),
            _process: Process(process),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match http
                .put(format!("{}/{BUCKET}", server.endpoint))
                .send()
                .await
            {
                Ok(answer) if answer.status().is_success() => break,
                _ if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                other => panic!("the S3 server never created the bucket: {other:?}"),
            }
        }
        server
    }

    /// What a `serve` or `work` process needs to use `location` here.
    fn env(&self, location: &str) -> Vec<(&'static str, String)> {
        vec![
            ("LIKENESS_CLOUD_STORAGE", location.to_owned()),
            ("AWS_ENDPOINT", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "likeness-test".into()),
            ("AWS_SECRET_ACCESS_KEY", "likeness-test-secret".into()),
        ]
    }

    /// Every key in the bucket, from S3's own listing.
    async fn keys(&self, http: &reqwest::Client) -> Vec<String> {
        let listing = http
            .get(format!("{}/{BUCKET}?list-type=2", self.endpoint))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        listing
            .split("<Key>")
            .skip(1)
            .map(|rest| rest.split("</Key>").next().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_s3_storage_a_job_keeps_its_images_in_the_bucket_and_either_server_returns_the_output()
{
    let cloud = Cloud::start().await;
    let s3 = S3Server::start(&cloud.http).await;
    let env = s3.env(&format!("s3://{BUCKET}/cloud"));
    let folders: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let ports = [free_port(), free_port()];
    let mut processes: Vec<Process> = Vec::new();
    for (port, folder) in ports.iter().zip(&folders) {
        let mut env = env.clone();
        env.push(("LIKENESS_CLOUD_PORT", port.to_string()));
        processes.push(cloud.spawn(&["serve"], &env, folder.path()));
    }
    let work = ["work", "--backend", "queue-probe", "--probe-ms", "300"];
    processes.push(cloud.spawn(&work, &env, folders[2].path()));
    let nodes: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    for node in &nodes {
        cloud.wait_until_serving(node).await;
    }

    let buyer = cloud.funded_account().await;
    let picture = tiny_picture(40, 30);
    let (quote_id, _) = cloud
        .quote(&buyer, "hd_x2", serde_json::Value::Null, &picture)
        .await;
    let form = reqwest::multipart::Form::new()
        .text("quote_id", quote_id)
        .part("image", reqwest::multipart::Part::bytes(picture.clone()));
    let answer = cloud
        .http
        .post(format!("{}/v1/jobs", nodes[0]))
        .bearer_auth(&buyer.token)
        .header("Idempotency-Key", "s3-job")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::ACCEPTED);
    let job_id = answer.json::<serde_json::Value>().await.unwrap()["job_id"]
        .as_str()
        .unwrap()
        .to_owned();
    cloud.wait_for_job(&buyer, &job_id, "succeeded", 60).await;

    let expected = {
        let mut image = image::load_from_memory(&picture).unwrap().to_rgb8();
        image::imageops::invert(&mut image);
        image
    };
    for node in &nodes {
        let (status, png) = cloud
            .get_bytes(&format!("{node}/v1/jobs/{job_id}/output"), &buyer.token)
            .await;
        assert_eq!(status, StatusCode::OK, "{node}");
        assert_eq!(image::load_from_memory(&png).unwrap().to_rgb8(), expected);
    }
    // The input was deleted when the job ended; only the output is left, in
    // the bucket under the prefix, and no process wrote an image anywhere else.
    let keys = s3.keys(&cloud.http).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0].starts_with(&format!("cloud/outputs/{job_id}/")),
        "{keys:?}"
    );
    assert!(cloud.stored("").is_empty(), "nothing in the local store");
    for folder in &folders {
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_given_a_bucket_that_does_not_exist_stops_at_start_and_says_why() {
    let cloud = Cloud::start().await;
    let s3 = S3Server::start(&cloud.http).await;
    let folder = tempfile::tempdir().unwrap();
    for args in [&["serve"][..], &["work", "--backend", "queue-probe"][..]] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_likeness-cloud"));
        command
            .args(args)
            .current_dir(folder.path())
            .env("LIKENESS_CLOUD_DATABASE_URL", &cloud.database_url)
            .env("LIKENESS_CLOUD_PORT", free_port().to_string());
        for (name, value) in s3.env("s3://no-such-bucket") {
            command.env(name, value);
        }
        let ended = command.output().unwrap();
        assert!(!ended.status.success(), "{args:?} must not start");
        let said = String::from_utf8_lossy(&ended.stderr);
        assert!(
            said.contains("the object store s3://no-such-bucket does not answer"),
            "{args:?}: {said}"
        );
        assert!(!said.contains("likeness-test-secret"), "{said}");
    }
}
