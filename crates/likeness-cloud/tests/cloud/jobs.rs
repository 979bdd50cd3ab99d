//! Paid jobs end to end: quote, submit, run on the real engines, output,
//! receipt; and every way a submit can be refused without a charge.

use std::sync::{Arc, OnceLock};

use likeness_cloud::backend::likeness::LikenessBackend;
use likeness_cloud::backend::Backend;
use likeness_cloud_api::{Receipt, ReceiptKey};
use likeness_core::inference::Accelerator;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::harness::{kinds, portrait, tiny_picture, Cloud};

/// One backend per test process: ONNX Runtime loads once.
fn engines() -> Arc<dyn Backend> {
    static BACKEND: OnceLock<Arc<LikenessBackend>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            Arc::new(LikenessBackend::load(None, None, Accelerator::Cpu).expect("the models load"))
        })
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_style_job_runs_on_the_real_engines_and_is_charged_exactly_its_quote_with_a_receipt() {
    let mut cloud = Cloud::start().await;
    let buyer = cloud.funded_account().await;
    let photo = portrait();
    let (quote_id, credits) = cloud
        .quote(
            &buyer,
            "style",
            json!({"style": "style-07", "strength": 0.8}),
            &photo,
        )
        .await;
    let (status, submitted) = cloud.submit(&buyer, Some("job-1"), &quote_id, &photo).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{submitted}");
    let job_id = submitted["job_id"].as_str().unwrap().to_owned();
    assert_eq!(submitted["state"], "queued");
    let (_, balance) = cloud.get("/v1/balance", Some(&buyer.token)).await;
    assert_eq!(balance, json!({"credits": 500 - credits, "held": credits}));

    // The progress stream, opened before any worker runs, ends with success.
    let events = cloud
        .http
        .get(cloud.url(&format!("/v1/jobs/{job_id}/events")))
        .bearer_auth(&buyer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    cloud.start_worker(engines(), 1, 30.0);
    let stream = read_events(events).await;
    let states: Vec<&str> = stream
        .iter()
        .map(|j| j["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.first(), Some(&"queued"), "{states:?}");
    assert_eq!(states.last(), Some(&"succeeded"), "{states:?}");

    let job = cloud.job(&buyer, &job_id).await;
    assert_eq!(job["credits"], credits);
    assert_eq!(job["progress"], 1.0);
    let output = cloud
        .http
        .get(cloud.url(&format!("/v1/jobs/{job_id}/output")))
        .bearer_auth(&buyer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(output.status(), StatusCode::OK);
    assert_eq!(output.headers()["content-type"], "image/png");
    assert_eq!(
        output.headers()["likeness-output-retention"],
        "deleted-after-download=300, max-age=86400"
    );
    let png = output.bytes().await.unwrap();
    let made = image::load_from_memory(&png).unwrap();
    assert_eq!((made.width(), made.height()), (512, 512));
    assert_ne!(
        made.to_rgb8(),
        image::load_from_memory(&photo).unwrap().to_rgb8()
    );
    let sha = hex::encode(Sha256::digest(&png));
    assert_eq!(job["output"]["sha256"], sha.as_str());

    // The receipt signs the charge and the output's hash; it verifies offline.
    let receipt: Receipt = serde_json::from_value(job["receipt"].clone()).unwrap();
    let (_, key) = cloud.get("/.well-known/likeness-receipt-key", None).await;
    let key: ReceiptKey = serde_json::from_value(key).unwrap();
    receipt.verify(&key).unwrap();
    assert_eq!(receipt.job_id.as_deref(), Some(job_id.as_str()));
    assert_eq!(receipt.credits, credits);
    assert_eq!(receipt.output_sha256.as_deref(), Some(sha.as_str()));
    let (status, fetched) = cloud
        .get(
            &format!("/v1/receipts/{}", receipt.receipt_id),
            Some(&buyer.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, job["receipt"]);

    // Charged once, exactly the quote; the input is gone from storage.
    let ledger = cloud.ledger(&buyer).await;
    assert_eq!(kinds(&ledger), ["grant", "hold", "charge"]);
    assert_eq!(ledger[0]["credits"], credits);
    assert_eq!(ledger[0]["job_id"], job_id.as_str());
    let (_, balance) = cloud.get("/v1/balance", Some(&buyer.token)).await;
    assert_eq!(balance, json!({"credits": 500 - credits, "held": 0}));
    assert!(
        cloud.stored("inputs").is_empty(),
        "{:?}",
        cloud.stored("inputs")
    );
    assert_eq!(cloud.stored("outputs").len(), 1);
}

/// Read `job` events until the stream ends (after the final state).
async fn read_events(mut answer: reqwest::Response) -> Vec<Value> {
    let mut text = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while let Ok(Some(chunk)) = tokio::time::timeout_at(deadline.into(), answer.chunk())
        .await
        .expect("the stream ends within 120 s")
    {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text.lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_photo_is_refused_on_the_server_its_input_deleted_and_its_hold_released() {
    let mut cloud = Cloud::start().await;
    let buyer = cloud.funded_account().await;
    let one = image::load_from_memory(&portrait()).unwrap().to_rgb8();
    let mut two = image::RgbImage::new(one.width() * 2, one.height());
    image::imageops::replace(&mut two, &one, 0, 0);
    image::imageops::replace(&mut two, &one, i64::from(one.width()), 0);
    let mut group = Vec::new();
    image::DynamicImage::ImageRgb8(two)
        .write_to(
            &mut std::io::Cursor::new(&mut group),
            image::ImageFormat::Png,
        )
        .unwrap();
    let (quote_id, _) = cloud.quote(&buyer, "hd_x2", Value::Null, &group).await;
    let (status, submitted) = cloud.submit(&buyer, Some("group"), &quote_id, &group).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{submitted}");
    cloud.start_worker(engines(), 1, 30.0);
    let job_id = submitted["job_id"].as_str().unwrap();
    let job = cloud.wait_for_job(&buyer, job_id, "refused", 120).await;
    assert_eq!(job["error"]["code"], "multiple_people");
    assert!(job["output"].is_null() && job["receipt"].is_null(), "{job}");
    assert_eq!(
        kinds(&cloud.ledger(&buyer).await),
        ["grant", "hold", "release"]
    );
    assert_eq!(cloud.balance(&buyer).await, 500);
    assert!(cloud.stored("inputs").is_empty());
    assert!(cloud.stored("outputs").is_empty());
    let (status, body) = cloud
        .get(&format!("/v1/jobs/{job_id}/output"), Some(&buyer.token))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("job_not_succeeded"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_painting_where_no_face_is_found_may_be_upscaled_but_not_restyled() {
    let mut cloud = Cloud::start().await;
    let buyer = cloud.funded_account().await;
    // A styled preview can hide the face from the face finder; a gradient
    // stands in for one here (no face, nothing unsafe).
    let painting = tiny_picture(96, 120);
    let (hd_quote, _) = cloud.quote(&buyer, "hd_x2", Value::Null, &painting).await;
    let (_, hd) = cloud.submit(&buyer, Some("hd"), &hd_quote, &painting).await;
    let style = json!({"style": "style-07"});
    let (style_quote, _) = cloud.quote(&buyer, "style", style, &painting).await;
    let (_, styled) = cloud
        .submit(&buyer, Some("style"), &style_quote, &painting)
        .await;
    cloud.start_worker(engines(), 1, 30.0);
    let hd = cloud
        .wait_for_job(&buyer, hd["job_id"].as_str().unwrap(), "succeeded", 120)
        .await;
    assert_eq!(
        (
            hd["output"]["width"].as_u64(),
            hd["output"]["height"].as_u64()
        ),
        (Some(192), Some(240))
    );
    let styled = cloud
        .wait_for_job(&buyer, styled["job_id"].as_str().unwrap(), "refused", 120)
        .await;
    let code = styled["error"]["code"].as_str().unwrap();
    assert!(
        matches!(code, "no_face" | "unclear_face"),
        "a style job needs a person's photo: {code}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_the_balance_cannot_cover_gets_402_with_what_it_needs_and_holds_nothing() {
    let cloud = Cloud::start().await;
    let poor = cloud.account().await;
    let picture = tiny_picture(64, 64);
    let (quote_id, credits) = cloud.quote(&poor, "hd_x4", Value::Null, &picture).await;
    let (status, body) = cloud.submit(&poor, Some("k"), &quote_id, &picture).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(body["code"], "insufficient_credits");
    assert_eq!(body["details"], json!({"needed": credits, "balance": 0}));
    assert_eq!(cloud.count("SELECT count(*) FROM jobs").await, 0);
    assert!(cloud.ledger(&poor).await.is_empty());
    assert!(cloud.stored("inputs").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_submits_with_one_key_make_one_job_and_one_hold() {
    let cloud = Arc::new(Cloud::start().await);
    let buyer = Arc::new(cloud.funded_account().await);
    let picture = Arc::new(tiny_picture(64, 48));
    let (quote_id, credits) = cloud.quote(&buyer, "hd_x2", Value::Null, &picture).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (cloud, buyer, picture, quote_id) = (
            cloud.clone(),
            buyer.clone(),
            picture.clone(),
            quote_id.clone(),
        );
        tasks.push(tokio::spawn(async move {
            cloud
                .submit(&buyer, Some("same-key"), &quote_id, &picture)
                .await
        }));
    }
    let mut job_ids = std::collections::BTreeSet::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        job_ids.insert(body["job_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(job_ids.len(), 1, "{job_ids:?}");
    assert_eq!(cloud.count("SELECT count(*) FROM jobs").await, 1);
    assert_eq!(kinds(&cloud.ledger(&buyer).await), ["grant", "hold"]);
    assert_eq!(cloud.balance(&buyer).await, 500 - credits);
    assert_eq!(
        cloud.stored("inputs").len(),
        1,
        "the losers' uploads are deleted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_reused_for_another_request_or_a_quote_used_twice_is_refused_and_changes_nothing() {
    let cloud = Cloud::start().await;
    let buyer = cloud.funded_account().await;
    let picture = tiny_picture(64, 48);
    let (quote_id, credits) = cloud.quote(&buyer, "hd_x2", Value::Null, &picture).await;
    let (status, first) = cloud
        .submit(&buyer, Some("key-a"), &quote_id, &picture)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let other_picture = tiny_picture(64, 48)
        .iter()
        .map(|b| b ^ 1)
        .collect::<Vec<_>>();
    let (status, body) = cloud
        .submit(&buyer, Some("key-a"), &quote_id, &other_picture)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "idempotency_key_reused");
    assert_eq!(body["details"]["job_id"], first["job_id"]);
    let (status, body) = cloud
        .submit(&buyer, Some("key-b"), &quote_id, &picture)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("quote_used"))
    );
    assert_eq!(cloud.count("SELECT count(*) FROM jobs").await, 1);
    assert_eq!(cloud.balance(&buyer).await, 500 - credits);
    assert_eq!(cloud.stored("inputs").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_submits_get_coded_errors_and_change_nothing() {
    let cloud = Cloud::start().await;
    let buyer = cloud.funded_account().await;
    let picture = tiny_picture(64, 48);
    let (quote_id, _) = cloud.quote(&buyer, "hd_x2", Value::Null, &picture).await;
    let code =
        |answer: (StatusCode, Value)| (answer.0, answer.1["code"].as_str().unwrap().to_owned());

    assert_eq!(
        code(cloud.submit(&buyer, None, &quote_id, &picture).await),
        (StatusCode::BAD_REQUEST, "idempotency_key_required".into())
    );
    assert_eq!(
        code(cloud.submit(&buyer, Some("a"), "quo_nope", &picture).await),
        (StatusCode::NOT_FOUND, "quote_not_found".into())
    );
    assert_eq!(
        code(
            cloud
                .submit(&buyer, Some("b"), &quote_id, &tiny_picture(65, 48))
                .await
        ),
        (StatusCode::BAD_REQUEST, "input_mismatch".into())
    );
    assert_eq!(
        code(
            cloud
                .submit(&buyer, Some("c"), &quote_id, b"not a picture")
                .await
        ),
        (StatusCode::BAD_REQUEST, "unreadable".into())
    );
    let json_body = cloud
        .http
        .post(cloud.url("/v1/jobs"))
        .bearer_auth(&buyer.token)
        .header("Idempotency-Key", "j")
        .json(&json!({"quote_id": quote_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), StatusCode::BAD_REQUEST);
    let json_body: Value = json_body.json().await.unwrap();
    assert_eq!(json_body["code"], "bad_multipart");
    let no_image = cloud
        .http
        .post(cloud.url("/v1/jobs"))
        .bearer_auth(&buyer.token)
        .header("Idempotency-Key", "d")
        .multipart(reqwest::multipart::Form::new().text("quote_id", quote_id.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(no_image.status(), StatusCode::BAD_REQUEST);
    let other = cloud.account().await;
    assert_eq!(
        code(cloud.submit(&other, Some("e"), &quote_id, &picture).await),
        (StatusCode::NOT_FOUND, "quote_not_found".into()),
        "a quote is its own account's"
    );
    let expired = cloud.quote(&buyer, "hd_x2", Value::Null, &picture).await.0;
    cloud
        .db
        .execute(
            "UPDATE quotes SET created_at = now() - interval '1 hour',
                               expires_at = now() - interval '1 minute' WHERE quote_id = $1",
            &[&expired],
        )
        .await
        .unwrap();
    assert_eq!(
        code(cloud.submit(&buyer, Some("f"), &expired, &picture).await),
        (StatusCode::GONE, "quote_expired".into())
    );
    assert_eq!(cloud.count("SELECT count(*) FROM jobs").await, 0);
    assert_eq!(cloud.balance(&buyer).await, 500);
    assert!(cloud.stored("inputs").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_queued_job_releases_its_hold_deletes_its_input_and_cannot_be_undone() {
    let cloud = Cloud::start().await;
    let buyer = cloud.funded_account().await;
    let picture = tiny_picture(64, 48);
    let (quote_id, _) = cloud.quote(&buyer, "hd_x2", Value::Null, &picture).await;
    let (_, submitted) = cloud.submit(&buyer, Some("c"), &quote_id, &picture).await;
    let job_id = submitted["job_id"].as_str().unwrap();
    let path = format!("/v1/jobs/{job_id}/cancel");
    let (status, job) = cloud.post(&path, Some(&buyer.token), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    assert_eq!(job["state"], "cancelled");
    let (status, again) = cloud.post(&path, Some(&buyer.token), &json!({})).await;
    assert_eq!((status, &again["state"]), (StatusCode::OK, &job["state"]));
    assert_eq!(
        kinds(&cloud.ledger(&buyer).await),
        ["grant", "hold", "release"]
    );
    assert_eq!(cloud.balance(&buyer).await, 500);
    assert!(cloud.stored("inputs").is_empty());
    let stranger = cloud.account().await;
    let (status, body) = cloud.post(&path, Some(&stranger.token), &json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("job_not_found"))
    );
}
