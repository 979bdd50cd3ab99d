//! The money rules hold in the database itself, whatever code runs against
//! it: no negative balance, no edited or deleted ledger line, no second grant
//! for one order. And migrations are applied once.

use crate::harness::Cloud;

async fn paid_account(cloud: &Cloud) -> (crate::harness::Account, String) {
    let buyer = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "starter").await;
    cloud.press(&checkout_url, "", "Pay").await;
    assert_eq!(cloud.balance(&buyer).await, 100);
    (buyer, order_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_balance_can_never_go_negative_even_by_direct_sql() {
    let cloud = Cloud::start().await;
    let (buyer, _) = paid_account(&cloud).await;
    let error = cloud
        .db
        .execute(
            "UPDATE accounts SET balance = balance - 101 WHERE account_id = $1",
            &[&buyer.account_id],
        )
        .await
        .unwrap_err();
    assert!(
        format!("{error:?}").contains("check constraint"),
        "{error:?}"
    );
    assert_eq!(cloud.balance(&buyer).await, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_and_receipts_cannot_be_edited_or_deleted_even_by_direct_sql() {
    let cloud = Cloud::start().await;
    let (buyer, _) = paid_account(&cloud).await;
    for statement in [
        "UPDATE ledger SET credits = 1000",
        "DELETE FROM ledger",
        "TRUNCATE ledger CASCADE",
        "UPDATE receipts SET credits = 1000",
        "DELETE FROM receipts",
    ] {
        let error = cloud.db.batch_execute(statement).await.unwrap_err();
        assert!(
            format!("{error:?}").contains("append-only"),
            "{statement}: {error:?}"
        );
    }
    let ledger = cloud.ledger(&buyer).await;
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["credits"], 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_grant_for_one_order_is_refused_even_by_direct_sql() {
    let cloud = Cloud::start().await;
    let (buyer, order_id) = paid_account(&cloud).await;
    let error = cloud
        .db
        .execute(
            "INSERT INTO ledger (account_id, kind, credits, reason, order_id, balance_after)
             VALUES ($1, 'grant', 100, 'again', $2, 200)",
            &[&buyer.account_id, &order_id],
        )
        .await
        .unwrap_err();
    assert!(format!("{error:?}").contains("duplicate key"), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrating_again_applies_nothing_and_keeps_the_receipt_key() {
    let cloud = Cloud::start().await;
    let url = likeness_cloud::secret::Secret::new(&cloud.database_url);
    let version = cloud
        .count("SELECT max(version)::bigint FROM schema_version")
        .await;
    assert_eq!(version, i64::from(likeness_cloud::db::latest_version()));
    let (_, key) = cloud.get(likeness_cloud_api::RECEIPT_KEY_PATH, None).await;
    let (applied, again) = likeness_cloud::migrate(&url, None).await.unwrap();
    assert!(applied.is_empty());
    assert_eq!(again.key_id, key["key_id"].as_str().unwrap());
    assert_eq!(cloud.count("SELECT count(*) FROM receipt_keys").await, 1);
}

/// The schema after every migration, as text: tables and columns,
/// constraints, indexes and triggers.
async fn schema(cloud: &Cloud) -> String {
    let queries = [
        "SELECT table_name || '.' || column_name || ' ' || data_type
                || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END
                || coalesce(' default ' || column_default, '')
         FROM information_schema.columns WHERE table_schema = 'public'
         ORDER BY table_name, ordinal_position",
        "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1",
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname",
        "SELECT tgrelid::regclass::text || ' ' || tgname FROM pg_trigger
         WHERE NOT tgisinternal ORDER BY 1",
    ];
    let mut text = String::new();
    for query in queries {
        for row in cloud.db.query(query, &[]).await.unwrap() {
            text.push_str(row.get::<_, &str>(0));
            text.push('\n');
        }
        text.push('\n');
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migrated_schema_matches_its_committed_snapshot() {
    let cloud = Cloud::start().await;
    let actual = schema(&cloud).await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cloud/schema.snapshot");
    if std::env::var_os("LIKENESS_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        actual == expected,
        "the schema changed: check that every change is a new migration that keeps users' data, \
         then rerun with LIKENESS_UPDATE_SNAPSHOTS=1 and commit {path}\n--- now:\n{actual}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serving_a_database_that_was_never_migrated_is_refused_in_plain_words() {
    let cluster = crate::harness::cluster();
    let url = cluster.url(&cluster.create_database().await);
    let storage = tempfile::tempdir().unwrap();
    let config = likeness_cloud::config::ServeConfig {
        database_url: likeness_cloud::secret::Secret::new(&url),
        listen: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
        payments: likeness_cloud::config::Payments::Local,
        webhook_secret: likeness_cloud::secret::Secret::new(crate::harness::WEBHOOK_SECRET),
        receipt_key: None,
        pool_size: 2,
        storage: storage.path().display().to_string(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let error = likeness_cloud::serve(config, listener, std::future::pending())
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("schema version 0"), "{message}");
    assert!(message.contains("likeness-cloud migrate"), "{message}");
}
