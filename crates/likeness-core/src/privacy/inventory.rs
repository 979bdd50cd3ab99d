//! What is stored: for every kind of data, how many, how big, how old, where
//! on disk, and when it expires. The privacy centre's first table and the
//! CLI's `privacy status`.

use std::fs;
use std::path::Path;

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use super::PrivacyError;
use crate::clock;
use crate::settings::retention::{self, expires_at};
use crate::vault::{Kind, Vault};

/// A kind of stored data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum StoredKind {
    Portraits,
    Outputs,
    StylePictures,
    Thumbnails,
    ModerationRecords,
    ConsentRecords,
    Jobs,
    Settings,
    /// Likeness Cloud orders, receipts and opt-ins.
    CloudRecords,
}

/// When a kind is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExpiryRule {
    /// `keptForDays` after its last use.
    AfterLastUse,
    /// `keptForDays` after it was made (favourites are kept).
    AfterCreation,
    /// `keptForDays` after it was recorded.
    AfterRecording,
    /// `keptForDays` after the job finished.
    AfterFinishing,
    /// While a job or an image uses it.
    WhileUsed,
    /// With the portrait or image it belongs to.
    WithOwner,
    /// Until the user deletes it.
    UntilDeleted,
}

/// One kind of stored data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InventoryItem {
    pub kind: StoredKind,
    #[ts(type = "number")]
    pub count: u64,
    /// On disk for files; the stored text for rows.
    #[ts(type = "number")]
    pub bytes: u64,
    /// RFC 3339, UTC; `None` when there is none.
    pub oldest: Option<String>,
    pub newest: Option<String>,
    /// The folder or database file it lives in.
    pub location: String,
    pub rule: ExpiryRule,
    pub kept_for_days: Option<u32>,
    /// When the next item of this kind is due to be deleted.
    pub next_expiry: Option<String>,
}

/// Everything stored in one data folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Inventory {
    pub data_dir: String,
    /// The database file, with its write-ahead log.
    #[ts(type = "number")]
    pub database_bytes: u64,
    pub items: Vec<InventoryItem>,
}

/// Count, size and dates of the rows one query selects.
struct RowStats {
    count: u64,
    bytes: u64,
    oldest: Option<String>,
    newest: Option<String>,
}

fn row_stats(conn: &Connection, sql: &str) -> rusqlite::Result<RowStats> {
    conn.query_row(sql, [], |r| {
        Ok(RowStats {
            count: r.get::<_, i64>(0)? as u64,
            bytes: r.get::<_, Option<i64>>(1)?.unwrap_or(0) as u64,
            oldest: r.get(2)?,
            newest: r.get(3)?,
        })
    })
}

/// Read the inventory of `db_path`'s database (on `conn`) and `vault`.
pub(super) fn read(
    conn: &Connection,
    data_dir: &Path,
    db_path: &Path,
    vault: &Vault,
) -> Result<Inventory, PrivacyError> {
    let policy = retention::policy(conn)?;
    let db_location = db_path.display().to_string();
    let first =
        |sql: &str| -> rusqlite::Result<Option<String>> { conn.query_row(sql, [], |r| r.get(0)) };
    let due = |since: Option<String>, days: Option<u32>| since.and_then(|s| expires_at(&s, days));
    let rows = |kind, stats: RowStats, rule, days: Option<u32>, next| InventoryItem {
        kind,
        count: stats.count,
        bytes: stats.bytes,
        oldest: stats.oldest,
        newest: stats.newest,
        location: db_location.clone(),
        rule,
        kept_for_days: days,
        next_expiry: next,
    };
    let or_kept = |days: Option<u32>, rule| {
        if days.is_some() {
            rule
        } else {
            ExpiryRule::UntilDeleted
        }
    };

    let portraits = row_stats(
        conn,
        "SELECT COUNT(*), SUM(bytes), MIN(imported_at), MAX(imported_at) FROM portraits",
    )?;
    let next_portrait = due(
        first("SELECT MIN(last_used_at) FROM portraits")?,
        policy.portrait_days,
    );
    let mut portraits = rows(
        StoredKind::Portraits,
        portraits,
        or_kept(policy.portrait_days, ExpiryRule::AfterLastUse),
        policy.portrait_days,
        next_portrait,
    );
    portraits.location = vault.dir(Kind::Original).display().to_string();

    let outputs = row_stats(
        conn,
        "SELECT COUNT(*), SUM(bytes), MIN(created_at), MAX(created_at) FROM outputs",
    )?;
    let next_output = due(
        first("SELECT MIN(created_at) FROM outputs WHERE favourite = 0")?,
        policy.output_days,
    );
    let mut outputs = rows(
        StoredKind::Outputs,
        outputs,
        or_kept(policy.output_days, ExpiryRule::AfterCreation),
        policy.output_days,
        next_output,
    );
    outputs.location = vault.dir(Kind::Output).display().to_string();

    let records_days = Some(policy.moderation_record_days);
    let moderation = rows(
        StoredKind::ModerationRecords,
        row_stats(
            conn,
            "SELECT COUNT(*), SUM(length(image_sha256) + length(decision) + length(reason)
                 + length(confidence_band) + length(model_hashes_json) + length(thresholds_json)
                 + length(app_version) + length(session_ref) + length(decided_at)),
                 MIN(decided_at), MAX(decided_at) FROM moderation_records",
        )?,
        ExpiryRule::AfterRecording,
        records_days,
        due(
            first(
                "SELECT MIN(decided_at) FROM moderation_records m
                 WHERE NOT EXISTS (SELECT 1 FROM portraits p WHERE p.moderation_id = m.id)",
            )?,
            records_days,
        ),
    );

    let consent_days = Some(policy.consent_record_days);
    let consent = rows(
        StoredKind::ConsentRecords,
        row_stats(
            conn,
            "SELECT COUNT(*), SUM(length(kind) + 1 + length(policy_version) + length(recorded_at)
                 + COALESCE(length(language), 0) + COALESCE(length(wording_sha256), 0)),
                 MIN(recorded_at), MAX(recorded_at) FROM consent_records",
        )?,
        ExpiryRule::AfterRecording,
        consent_days,
        due(
            first(
                "SELECT MIN(recorded_at) FROM consent_records c
                 WHERE id <> (SELECT id FROM consent_records d WHERE d.kind = c.kind
                              ORDER BY recorded_at DESC, id DESC LIMIT 1)",
            )?,
            consent_days,
        ),
    );

    let job_days = Some(policy.job_days);
    let jobs = rows(
        StoredKind::Jobs,
        row_stats(
            conn,
            "SELECT COUNT(*), SUM(length(settings_json) + COALESCE(length(error_message), 0)),
                 MIN(created_at), MAX(created_at) FROM jobs",
        )?,
        ExpiryRule::AfterFinishing,
        job_days,
        due(
            first(
                "SELECT MIN(finished_at) FROM jobs WHERE state IN ('done', 'failed', 'cancelled')",
            )?,
            job_days,
        ),
    );

    let cloud_days = Some(crate::cloud::CLOUD_RECORD_DAYS);
    let cloud = rows(
        StoredKind::CloudRecords,
        row_stats(
            conn,
            "SELECT SUM(n), SUM(b), MIN(oldest), MAX(newest) FROM (
                 SELECT COUNT(*) AS n, SUM(length(receipt_json)) AS b,
                        MIN(issued_at) AS oldest, MAX(issued_at) AS newest FROM cloud_receipts
                 UNION ALL
                 SELECT COUNT(*), SUM(length(order_id) + length(server_url) + length(pack_id)
                        + length(state) + length(created_at) + length(updated_at)),
                        MIN(created_at), MAX(updated_at) FROM cloud_orders
                 UNION ALL
                 SELECT COUNT(*), SUM(length(server_url) + length(at)
                        + COALESCE(length(language), 0) + COALESCE(length(wording_sha256), 0)),
                        MIN(at), MAX(at) FROM cloud_optins)",
        )?,
        ExpiryRule::AfterRecording,
        cloud_days,
        due(
            first(
                "SELECT MIN(t) FROM (SELECT MIN(issued_at) AS t FROM cloud_receipts
                 UNION ALL SELECT MIN(updated_at) FROM cloud_orders)",
            )?,
            cloud_days,
        ),
    );

    let settings = rows(
        StoredKind::Settings,
        row_stats(
            conn,
            "SELECT COUNT(*), SUM(length(key) + length(value)), NULL, NULL FROM settings",
        )?,
        ExpiryRule::UntilDeleted,
        None,
        None,
    );

    let style_pictures = files_item(
        StoredKind::StylePictures,
        vault,
        &[Kind::StylePicture],
        ExpiryRule::WhileUsed,
    );
    let thumbnails = files_item(
        StoredKind::Thumbnails,
        vault,
        &[Kind::Thumbnail, Kind::OutputThumbnail, Kind::StyleThumbnail],
        ExpiryRule::WithOwner,
    );

    let database_bytes = ["", "-wal"]
        .iter()
        .filter_map(|suffix| fs::metadata(format!("{}{suffix}", db_path.display())).ok())
        .map(|m| m.len())
        .sum();
    Ok(Inventory {
        data_dir: data_dir.display().to_string(),
        database_bytes,
        items: vec![
            portraits,
            outputs,
            style_pictures,
            thumbnails,
            moderation,
            consent,
            jobs,
            cloud,
            settings,
        ],
    })
}

/// The files of `kinds` in the vault, counted, sized and dated by the files.
fn files_item(kind: StoredKind, vault: &Vault, kinds: &[Kind], rule: ExpiryRule) -> InventoryItem {
    let mut item = InventoryItem {
        kind,
        count: 0,
        bytes: 0,
        oldest: None,
        newest: None,
        location: vault.dir(kinds[0]).display().to_string(),
        rule,
        kept_for_days: None,
        next_expiry: None,
    };
    if kinds.len() > 1 {
        item.location = vault.root().display().to_string();
    }
    for k in kinds {
        for file in vault.stored_files(*k) {
            let Ok(meta) = fs::metadata(&file) else {
                continue;
            };
            item.count += 1;
            item.bytes += meta.len();
            let Ok(modified) = meta.modified() else {
                continue;
            };
            let at = clock::stored(modified.into());
            if item.oldest.as_ref().is_none_or(|o| at < *o) {
                item.oldest = Some(at.clone());
            }
            if item.newest.as_ref().is_none_or(|n| at > *n) {
                item.newest = Some(at);
            }
        }
    }
    item
}
