//! The cloud tables: opt-ins, orders and receipts (migration 0009), and the
//! cloud jobs in flight on the server (0011).

use rusqlite::{params, Connection, OptionalExtension};

/// The latest opt-in change: (enabled, server URL, when).
pub(crate) fn latest_optin(conn: &Connection) -> rusqlite::Result<Option<(bool, String, String)>> {
    conn.query_row(
        "SELECT enabled, server_url, at FROM cloud_optins ORDER BY id DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
}

/// Record turning cloud on (with the wording shown) or off.
pub(crate) fn insert_optin(
    conn: &Connection,
    enabled: bool,
    server_url: &str,
    wording: Option<(&str, &str)>,
    at: &str,
) -> rusqlite::Result<()> {
    let (language, sha) = wording.unzip();
    conn.execute(
        "INSERT INTO cloud_optins (enabled, server_url, language, wording_sha256, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![enabled, server_url, language, sha, at],
    )?;
    Ok(())
}

/// Remember an order started here, or its new state.
pub(crate) fn upsert_order(
    conn: &Connection,
    order: &likeness_cloud_api::Order,
    server_url: &str,
    now: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO cloud_orders (order_id, server_url, pack_id, state, credits, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (order_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        params![
            order.order_id,
            server_url,
            order.pack_id,
            order.state.as_str(),
            order.credits,
            now
        ],
    )?;
    Ok(())
}

/// Whether this data folder started the order `order_id`.
pub(crate) fn order_known(conn: &Connection, order_id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM cloud_orders WHERE order_id = ?1)",
        [order_id],
        |row| row.get(0),
    )
}

/// Keep a signed receipt (once: the same receipt again changes nothing).
pub(crate) fn insert_receipt(
    conn: &Connection,
    receipt: &likeness_cloud_api::Receipt,
    job_id: Option<i64>,
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(receipt).expect("plain data serializes");
    let issued_at = receipt
        .issued_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    conn.execute(
        "INSERT INTO cloud_receipts (receipt_id, kind, receipt_json, issued_at, job_id)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (receipt_id) DO NOTHING",
        params![
            receipt.receipt_id,
            receipt.kind.as_str(),
            json,
            issued_at,
            job_id
        ],
    )?;
    Ok(())
}

/// Every kept receipt, newest first, as the server signed it.
pub(crate) fn receipts(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn
        .prepare("SELECT receipt_json FROM cloud_receipts ORDER BY issued_at DESC, receipt_id")?;
    let rows = statement.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// Delete up to `limit` cloud records of each table made before `cutoff`
/// (never the opt-in in force); returns how many went.
pub(crate) fn delete_before(conn: &Connection, cutoff: &str, limit: u32) -> rusqlite::Result<u64> {
    let receipts = conn.execute(
        "DELETE FROM cloud_receipts WHERE receipt_id IN
             (SELECT receipt_id FROM cloud_receipts WHERE issued_at < ?1 LIMIT ?2)",
        params![cutoff, limit],
    )?;
    let orders = conn.execute(
        "DELETE FROM cloud_orders WHERE order_id IN
             (SELECT order_id FROM cloud_orders WHERE updated_at < ?1 LIMIT ?2)",
        params![cutoff, limit],
    )?;
    let optins = conn.execute(
        "DELETE FROM cloud_optins WHERE id IN
             (SELECT id FROM cloud_optins WHERE at < ?1
                AND id <> (SELECT MAX(id) FROM cloud_optins) LIMIT ?2)",
        params![cutoff, limit],
    )?;
    Ok((receipts + orders + optins) as u64)
}

/// Remember that local job `job_id` is `remote_job_id` on the server, until
/// the server has seen it end.
pub(crate) fn job_in_flight(
    conn: &Connection,
    job_id: i64,
    remote_job_id: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO cloud_jobs_in_flight (job_id, remote_job_id) VALUES (?1, ?2)
         ON CONFLICT (job_id) DO UPDATE SET remote_job_id = excluded.remote_job_id",
        params![job_id, remote_job_id],
    )?;
    Ok(())
}

/// The server has seen local job `job_id` end (done, failed or cancelled there).
pub(crate) fn job_landed(conn: &Connection, job_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM cloud_jobs_in_flight WHERE job_id = ?1",
        [job_id],
    )?;
    Ok(())
}

/// Jobs cancelled here that may still run on the server: (local job id, its
/// settings, the server's job id).
pub(crate) fn cancels_not_sent(conn: &Connection) -> rusqlite::Result<Vec<(i64, String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT f.job_id, j.settings_json, f.remote_job_id
         FROM cloud_jobs_in_flight f JOIN jobs j ON j.id = f.job_id
         WHERE j.state = 'cancelled' ORDER BY f.job_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}
