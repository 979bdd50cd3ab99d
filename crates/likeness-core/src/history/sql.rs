//! The `outputs` table, and which vault files an output owns.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::OutputFilter;
use crate::vault::Kind;

/// An output row as stored (the vault paths are added by [`super::History`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutputRow {
    pub id: i64,
    pub job_id: Option<i64>,
    pub portrait_id: Option<i64>,
    pub sha256: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub settings_json: String,
    pub style_key: Option<String>,
    pub engine: String,
    pub model_hashes_json: String,
    pub seed: Option<i64>,
    pub favourite: bool,
    pub created_at: String,
    /// The preview an HD image upscales, while its job is known.
    pub made_from: Option<i64>,
}

/// A new output of a finished job, its files already prepared.
pub(crate) struct NewOutputRow<'a> {
    pub sha256: &'a str,
    pub format: &'a str,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub settings_json: &'a str,
    pub style_key: Option<&'a str>,
    pub engine: &'a str,
    pub model_hashes_json: &'a str,
    pub seed: Option<i64>,
}

/// Outputs matching `filter`, newest first, at most `limit` of them.
/// Keyset pagination: rows strictly after `filter.after` in (created_at, id) order.
/// `since`/`until` must already be in the stored RFC 3339 form.
pub(crate) fn list_outputs(
    conn: &Connection,
    filter: &OutputFilter,
    limit: u32,
) -> rusqlite::Result<Vec<OutputRow>> {
    use rusqlite::types::Value;
    let mut sql = format!("{SELECT_OUTPUT} WHERE 1");
    let mut args: Vec<Value> = Vec::new();
    // Append `AND clause`, numbering its `?`s after those already bound.
    let mut arg = |sql: &mut String, clause: &str, values: Vec<Value>| {
        sql.push_str(" AND ");
        let mut parts = clause.split('?');
        sql.push_str(parts.next().unwrap_or_default());
        for (part, value) in parts.zip(values) {
            args.push(value);
            sql.push_str(&format!("?{}{part}", args.len()));
        }
    };
    // Literal `favourite = 1` so that the partial index applies.
    if filter.favourites_only {
        arg(&mut sql, "favourite = 1", vec![]);
    }
    if let Some(p) = filter.portrait_id {
        arg(&mut sql, "portrait_id = ?", vec![p.into()]);
    }
    if let Some(s) = &filter.style_key {
        arg(
            &mut sql,
            "id IN (SELECT output_id FROM output_styles WHERE style_key = ?)",
            vec![s.clone().into()],
        );
    }
    if let Some(s) = &filter.since {
        arg(&mut sql, "created_at >= ?", vec![s.clone().into()]);
    }
    if let Some(u) = &filter.until {
        arg(&mut sql, "created_at < ?", vec![u.clone().into()]);
    }
    if let Some(c) = &filter.after {
        arg(
            &mut sql,
            "(created_at, id) < (?, ?)",
            vec![c.created_at.clone().into(), c.id.into()],
        );
    }
    sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ");
    sql.push_str(&limit.to_string());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), output_from_row)?;
    rows.collect()
}

/// One output by id.
pub(crate) fn get_output(conn: &Connection, id: i64) -> rusqlite::Result<Option<OutputRow>> {
    conn.query_row(
        &format!("{SELECT_OUTPUT} WHERE id = ?1"),
        [id],
        output_from_row,
    )
    .optional()
}

/// Mark or unmark an output as a favourite. False when there is no such output.
pub(crate) fn set_favourite(conn: &Connection, id: i64, favourite: bool) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE outputs SET favourite = ?2 WHERE id = ?1",
        params![id, favourite],
    )?;
    Ok(n == 1)
}

/// Delete an output row; its files are unlinked after the commit.
pub(crate) fn delete_output(conn: &Connection, id: i64) -> rusqlite::Result<Option<OutputRow>> {
    let row = get_output(conn, id)?;
    if row.is_some() {
        conn.execute("DELETE FROM outputs WHERE id = ?1", [id])?;
    }
    Ok(row)
}

/// Delete every output row; returns how many.
pub(crate) fn delete_all_outputs(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM outputs", [])
}

/// Insert the outputs of job `job_id` (from portrait `portrait_id`), made at
/// `now`; returns their ids. An output brought in from an archive has no job.
pub(crate) fn insert_outputs(
    conn: &Connection,
    job_id: Option<i64>,
    portrait_id: Option<i64>,
    now: &str,
    outputs: &[NewOutputRow<'_>],
) -> rusqlite::Result<Vec<i64>> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO outputs (job_id, portrait_id, sha256, format, width, height, bytes,
             settings_json, style_key, engine, model_hashes_json, seed, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let mut ids = Vec::with_capacity(outputs.len());
    for o in outputs {
        insert.execute(params![
            job_id,
            portrait_id,
            o.sha256,
            o.format,
            o.width,
            o.height,
            o.bytes,
            o.settings_json,
            o.style_key,
            o.engine,
            o.model_hashes_json,
            o.seed,
            now
        ])?;
        ids.push(conn.last_insert_rowid());
    }
    Ok(ids)
}

/// The keys of every vault file of `kind` an output owns (for the sweep).
pub(crate) fn live_keys(conn: &Connection, kind: Kind) -> rusqlite::Result<Vec<String>> {
    if !matches!(kind, Kind::Output | Kind::OutputThumbnail) {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT DISTINCT sha256 FROM outputs")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// Whether an output owns the vault file of `kind` named `key` (by its sha256).
/// Kinds an output never owns are `false`.
pub(crate) fn references(conn: &Connection, kind: Kind, key: &str) -> rusqlite::Result<bool> {
    match kind {
        Kind::Output | Kind::OutputThumbnail => conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM outputs WHERE sha256 = ?1)")?
            .query_row([key], |r| r.get(0)),
        _ => Ok(false),
    }
}

const SELECT_OUTPUT: &str = "SELECT id, job_id, portrait_id, sha256, format, width, height, bytes,
     settings_json, style_key, engine, model_hashes_json, seed, favourite, created_at,
     (SELECT j.parent_output_id FROM jobs j WHERE j.id = outputs.job_id) FROM outputs";

fn output_from_row(r: &Row<'_>) -> rusqlite::Result<OutputRow> {
    Ok(OutputRow {
        id: r.get(0)?,
        job_id: r.get(1)?,
        portrait_id: r.get(2)?,
        sha256: r.get(3)?,
        format: r.get(4)?,
        width: r.get(5)?,
        height: r.get(6)?,
        bytes: r.get(7)?,
        settings_json: r.get(8)?,
        style_key: r.get(9)?,
        engine: r.get(10)?,
        model_hashes_json: r.get(11)?,
        seed: r.get(12)?,
        favourite: r.get(13)?,
        created_at: r.get(14)?,
        made_from: r.get(15)?,
    })
}

/// Delete up to `limit` outputs made before `cutoff`, favourites excepted;
/// returns the rows, for their files.
pub(crate) fn delete_made_before(
    conn: &Connection,
    cutoff: &str,
    limit: u32,
) -> rusqlite::Result<Vec<OutputRow>> {
    delete_where(
        conn,
        "WHERE favourite = 0 AND created_at < ?1 ORDER BY created_at LIMIT ?2",
        params![cutoff, limit],
    )
}

/// Delete every output made from portrait `portrait_id`; returns the rows.
pub(crate) fn delete_made_from(
    conn: &Connection,
    portrait_id: i64,
) -> rusqlite::Result<Vec<OutputRow>> {
    delete_where(conn, "WHERE portrait_id = ?1", [portrait_id])
}

/// How many outputs were made from portrait `portrait_id`.
pub(crate) fn count_made_from(conn: &Connection, portrait_id: i64) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM outputs WHERE portrait_id = ?1")?
        .query_row([portrait_id], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

/// Every output, oldest first (an export).
pub(crate) fn all_outputs(conn: &Connection) -> rusqlite::Result<Vec<OutputRow>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT_OUTPUT} ORDER BY created_at, id"))?;
    let rows = stmt.query_map([], output_from_row)?;
    rows.collect()
}

/// Delete the outputs selected by `tail` (a fixed SQL clause) and return them.
fn delete_where(
    conn: &Connection,
    tail: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<OutputRow>> {
    let rows: Vec<OutputRow> = {
        let mut stmt = conn.prepare_cached(&format!("{SELECT_OUTPUT} {tail}"))?;
        let rows = stmt.query_map(args, output_from_row)?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut delete = conn.prepare_cached("DELETE FROM outputs WHERE id = ?1")?;
    for row in &rows {
        delete.execute([row.id])?;
    }
    Ok(rows)
}

/// Set an output's favourite mark and creation time as an archive recorded them.
pub(crate) fn restore_dates(
    conn: &Connection,
    id: i64,
    created_at: &str,
    favourite: bool,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE outputs SET created_at = ?2, favourite = ?3 WHERE id = ?1",
        params![id, created_at, favourite],
    )?;
    Ok(())
}

/// How many outputs refer to the style picture `sha256` in their settings.
pub(crate) fn count_mentions(conn: &Connection, sha256: &str) -> rusqlite::Result<u32> {
    conn.prepare_cached("SELECT COUNT(*) FROM outputs WHERE instr(settings_json, ?1) > 0")?
        .query_row([sha256], |r| r.get(0))
}
