//! The app's cloud calls against a server that misbehaves (malformed JSON, a
//! 500, no answer in time, a 402, a dropped connection): each ends in its own
//! coded error, and nothing in the data folder changes.

use std::time::Duration;

use likeness_core::secrets::{Keyring, SecretStore, Sensitive};
use likeness_core::services::Options;
use likeness_core::{Coded, ErrorCode, Services};

use crate::app_cloud::{app_at, blocking};
use crate::misbehaving::{server, Misbehaviour};

const NEEDS_MORE: &str = r#"{"code":"insufficient_credits","message":"Not enough credits.","details":{"needed":12,"balance":3}}"#;

/// How many rows each table the cloud calls could write holds.
fn rows(services: &Services) -> Vec<(&'static str, i64)> {
    let tables = [
        "cloud_orders",
        "cloud_receipts",
        "cloud_jobs_in_flight",
        "jobs",
        "settings",
    ];
    services
        .db
        .read(|conn| {
            tables
                .iter()
                .map(|t| {
                    let count =
                        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0));
                    Ok((*t, count.map_err(likeness_core::db::DbError::from)?))
                })
                .collect::<Result<Vec<_>, likeness_core::db::DbError>>()
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misbehaving_server_gives_a_clear_error_and_changes_nothing_here() {
    let cases = [
        (
            "malformed JSON",
            Misbehaviour::Answer(200, "{\"credits\": 10,"),
            ErrorCode::CloudBadAnswer,
        ),
        (
            "a 500",
            Misbehaviour::Answer(500, "{}"),
            ErrorCode::CloudServerError,
        ),
        (
            "no answer in time",
            Misbehaviour::Sleep(Duration::from_secs(3)),
            ErrorCode::CloudTimeout,
        ),
        (
            "a 402",
            Misbehaviour::Answer(402, NEEDS_MORE),
            ErrorCode::InsufficientCredits,
        ),
        (
            "a dropped connection",
            Misbehaviour::HangUp,
            ErrorCode::CloudUnreachable,
        ),
    ];
    for (what, behaviour, code) in cases {
        blocking(move || {
            let base = server(behaviour);
            let dir = tempfile::tempdir().unwrap();
            let options = Options {
                cloud_timeout: Duration::from_millis(500),
                ..Options::default()
            };
            let services = app_at(&base, dir.path(), options);
            // Signed in already, so every call goes to the misbehaving server.
            let token = services.cloud.token_name(&base).unwrap();
            let keyring = Keyring::default();
            keyring
                .set(&token, &Sensitive::new("lk_test_token".into()))
                .unwrap();
            let before = rows(&services);

            let balance = services.cloud.balance().unwrap_err();
            let checkout = services.cloud.start_checkout("starter").unwrap_err();
            let quote = services.cloud.quote_hd(512, 512, 2).unwrap_err();
            for (call, error) in [
                ("balance", balance),
                ("checkout", checkout),
                ("quote", quote),
            ] {
                assert_eq!(error.code(), code, "{what}, {call}: {error}");
                assert!(
                    !error.to_string().is_empty(),
                    "{what}, {call}: said in words"
                );
            }
            assert_eq!(rows(&services), before, "{what}: nothing changed here");
            assert!(
                keyring.get(&token).unwrap().is_some(),
                "{what}: the account token is kept"
            );
        })
        .await;
    }
}
