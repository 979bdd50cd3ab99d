//! The `portraits` and `moderation_records` tables, and which vault files a
//! portrait owns.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::vault::Kind;

/// A portrait row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortraitRow {
    pub id: i64,
    pub sha256: String,
    pub original_name: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub imported_at: String,
    pub last_used_at: String,
}

/// A new portrait to insert.
pub(crate) struct NewPortrait<'a> {
    pub sha256: &'a str,
    pub original_name: &'a str,
    pub format: &'a str,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub imported_at: &'a str,
}

/// A moderation decision to record: minimal by design (no face details, no
/// age, no file name). JSON columns hold the model hashes and thresholds
/// exactly as the decision used them.
pub(crate) struct NewModerationRecord<'a> {
    pub image_sha256: &'a str,
    pub decision: &'a str,
    pub reason: &'a str,
    /// `low`, `medium` or `high`.
    pub confidence_band: &'a str,
    pub model_hashes_json: &'a str,
    pub thresholds_json: &'a str,
    pub app_version: &'a str,
    pub session_ref: &'a str,
    pub decided_at: &'a str,
}

const SELECT_PORTRAIT: &str = "SELECT id, sha256, original_name, format, width, height, bytes,
     imported_at, COALESCE(last_used_at, imported_at) FROM portraits";

fn portrait_from_row(r: &Row<'_>) -> rusqlite::Result<PortraitRow> {
    Ok(PortraitRow {
        id: r.get(0)?,
        sha256: r.get(1)?,
        original_name: r.get(2)?,
        format: r.get(3)?,
        width: r.get(4)?,
        height: r.get(5)?,
        bytes: r.get(6)?,
        imported_at: r.get(7)?,
        last_used_at: r.get(8)?,
    })
}

/// Insert a portrait accepted by moderation record `moderation_id`, with the
/// face framing anchors on (`face_json`), or find the existing row with the
/// same content hash. The `bool` is true when the row is new.
pub(crate) fn insert_portrait(
    conn: &Connection,
    p: &NewPortrait<'_>,
    moderation_id: i64,
    face_json: &str,
) -> rusqlite::Result<(PortraitRow, bool)> {
    let inserted = conn.execute(
        "INSERT INTO portraits
             (sha256, original_name, format, width, height, bytes, imported_at, last_used_at,
              moderation_id, face_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)
         ON CONFLICT (sha256) DO NOTHING",
        params![
            p.sha256,
            p.original_name,
            p.format,
            p.width,
            p.height,
            p.bytes,
            p.imported_at,
            moderation_id,
            face_json
        ],
    )?;
    let row = conn.query_row(
        &format!("{SELECT_PORTRAIT} WHERE sha256 = ?1"),
        [p.sha256],
        portrait_from_row,
    )?;
    Ok((row, inserted == 1))
}

/// Portraits selected and ordered by `tail` (a fixed SQL clause, never user input).
fn portraits_where(conn: &Connection, tail: &str) -> rusqlite::Result<Vec<PortraitRow>> {
    portraits_where_args(conn, tail, [])
}

/// All portraits, newest first.
pub(crate) fn list_portraits(conn: &Connection) -> rusqlite::Result<Vec<PortraitRow>> {
    portraits_where(conn, "ORDER BY imported_at DESC, id DESC")
}

/// Every portrait, oldest first (an export).
pub(crate) fn all_portraits(conn: &Connection) -> rusqlite::Result<Vec<PortraitRow>> {
    portraits_where(conn, "ORDER BY imported_at, id")
}

/// Portraits never checked (imported before moderation existed).
pub(crate) fn unmoderated_portraits(conn: &Connection) -> rusqlite::Result<Vec<PortraitRow>> {
    portraits_where(conn, "WHERE moderation_id IS NULL ORDER BY id")
}

/// One portrait by id.
pub(crate) fn get_portrait(conn: &Connection, id: i64) -> rusqlite::Result<Option<PortraitRow>> {
    conn.query_row(
        &format!("{SELECT_PORTRAIT} WHERE id = ?1"),
        [id],
        portrait_from_row,
    )
    .optional()
}

/// The portrait with content hash `sha256`, if it is in the library and was
/// checked by moderation (not one that predates it).
pub(crate) fn moderated_portrait_with_sha(
    conn: &Connection,
    sha256: &str,
) -> rusqlite::Result<Option<PortraitRow>> {
    conn.query_row(
        &format!("{SELECT_PORTRAIT} WHERE sha256 = ?1 AND moderation_id IS NOT NULL"),
        [sha256],
        portrait_from_row,
    )
    .optional()
}

/// Delete a portrait row (its jobs go with it: `ON DELETE CASCADE`).
pub(crate) fn delete_portrait(conn: &Connection, id: i64) -> rusqlite::Result<Option<PortraitRow>> {
    let row = get_portrait(conn, id)?;
    if row.is_some() {
        conn.execute("DELETE FROM portraits WHERE id = ?1", [id])?;
    }
    Ok(row)
}

/// Delete every portrait row (their jobs go with them); returns how many.
pub(crate) fn delete_all_portraits(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM portraits", [])
}

/// Whether portrait `id` passed moderation; `None` when there is no such portrait.
pub(crate) fn is_accepted(conn: &Connection, id: i64) -> rusqlite::Result<Option<bool>> {
    conn.query_row(
        "SELECT moderation_id IS NOT NULL FROM portraits WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .optional()
}

/// Count a use of portrait `id` at `now` (retention runs from the last use).
pub(crate) fn mark_used(conn: &Connection, id: i64, now: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE portraits SET last_used_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Link a portrait to the decision that accepted it, and keep the face
/// framing anchors on.
pub(crate) fn set_moderation(
    conn: &Connection,
    id: i64,
    moderation_id: i64,
    face_json: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE portraits SET moderation_id = ?2, face_json = ?3 WHERE id = ?1",
        params![id, moderation_id, face_json],
    )?;
    Ok(())
}

/// The face (JSON) framing anchors on, of a portrait moderation accepted;
/// `None` when the portrait is missing or was never accepted.
pub(crate) fn face_json(conn: &Connection, portrait_id: i64) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT face_json FROM portraits
         WHERE id = ?1 AND moderation_id IS NOT NULL AND face_json IS NOT NULL",
        [portrait_id],
        |r| r.get(0),
    )
    .optional()
}

/// Record a moderation decision; returns its id.
pub(crate) fn insert_moderation(
    conn: &Connection,
    r: &NewModerationRecord<'_>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO moderation_records (image_sha256, decision, reason, confidence_band,
             model_hashes_json, thresholds_json, app_version, session_ref, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            r.image_sha256,
            r.decision,
            r.reason,
            r.confidence_band,
            r.model_hashes_json,
            r.thresholds_json,
            r.app_version,
            r.session_ref,
            r.decided_at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Count moderation records, optionally only those with `reason`.
pub(crate) fn count_moderation(conn: &Connection, reason: Option<&str>) -> rusqlite::Result<u64> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM moderation_records WHERE ?1 IS NULL OR reason = ?1",
        [reason],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// The keys of every vault file of `kind` a portrait owns (for the sweep).
pub(crate) fn live_keys(conn: &Connection, kind: Kind) -> rusqlite::Result<Vec<String>> {
    if !matches!(
        kind,
        Kind::Original | Kind::Thumbnail | Kind::StyleThumbnail
    ) {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT sha256 FROM portraits")?;
    let shas = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut keys = Vec::new();
    for sha in shas {
        let sha = sha?;
        if kind == Kind::StyleThumbnail {
            keys.extend(
                crate::engines::Style::all().map(|s| super::style_thumbnail_key(&sha, s.id())),
            );
        } else {
            keys.push(sha);
        }
    }
    Ok(keys)
}

/// Whether a portrait owns the vault file of `kind` named `key`: originals and
/// thumbnails by its sha256, style thumbnails as `<sha256>-<style id>`.
/// Kinds a portrait never owns are `false`.
pub(crate) fn references(conn: &Connection, kind: Kind, key: &str) -> rusqlite::Result<bool> {
    let sql = match kind {
        Kind::Original | Kind::Thumbnail => {
            "SELECT EXISTS (SELECT 1 FROM portraits WHERE sha256 = ?1)"
        }
        Kind::StyleThumbnail => {
            "SELECT EXISTS (SELECT 1 FROM portraits
                 WHERE sha256 = substr(?1, 1, 64) AND substr(?1, 65, 1) = '-')"
        }
        _ => return Ok(false),
    };
    conn.prepare_cached(sql)?.query_row([key], |r| r.get(0))
}

/// Delete up to `limit` portraits last used before `cutoff` (their jobs go
/// with them); returns the rows, for their files.
pub(crate) fn delete_unused_since(
    conn: &Connection,
    cutoff: &str,
    limit: u32,
) -> rusqlite::Result<Vec<PortraitRow>> {
    let rows = portraits_where_args(
        conn,
        "WHERE last_used_at < ?1 ORDER BY last_used_at LIMIT ?2",
        params![cutoff, limit],
    )?;
    let mut delete = conn.prepare_cached("DELETE FROM portraits WHERE id = ?1")?;
    for row in &rows {
        delete.execute([row.id])?;
    }
    Ok(rows)
}

fn portraits_where_args(
    conn: &Connection,
    tail: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<PortraitRow>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT_PORTRAIT} {tail}"))?;
    let rows = stmt.query_map(args, portrait_from_row)?;
    rows.collect()
}

/// A moderation record as the privacy centre lists it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModerationRow {
    pub id: i64,
    pub image_sha256: String,
    pub decision: String,
    pub reason: String,
    pub confidence_band: String,
    pub model_hashes_json: String,
    pub thresholds_json: String,
    pub app_version: String,
    pub session_ref: String,
    pub decided_at: String,
    /// It admitted a portrait that is still in the library.
    pub in_use: bool,
}

/// Every moderation record, newest first.
pub(crate) fn moderation_records(conn: &Connection) -> rusqlite::Result<Vec<ModerationRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.image_sha256, m.decision, m.reason, m.confidence_band, m.model_hashes_json,
                m.thresholds_json, m.app_version, m.session_ref, m.decided_at,
                EXISTS (SELECT 1 FROM portraits p WHERE p.moderation_id = m.id)
         FROM moderation_records m ORDER BY m.decided_at DESC, m.id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ModerationRow {
            id: r.get(0)?,
            image_sha256: r.get(1)?,
            decision: r.get(2)?,
            reason: r.get(3)?,
            confidence_band: r.get(4)?,
            model_hashes_json: r.get(5)?,
            thresholds_json: r.get(6)?,
            app_version: r.get(7)?,
            session_ref: r.get(8)?,
            decided_at: r.get(9)?,
            in_use: r.get(10)?,
        })
    })?;
    rows.collect()
}

/// Delete moderation record `id` unless it admitted a portrait still in the
/// library. `None`: no such record; `Some(false)`: in use, kept.
pub(crate) fn delete_moderation(conn: &Connection, id: i64) -> rusqlite::Result<Option<bool>> {
    let in_use: Option<bool> = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM portraits WHERE moderation_id = ?1)
             FROM moderation_records WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    if in_use == Some(false) {
        conn.execute("DELETE FROM moderation_records WHERE id = ?1", [id])?;
    }
    Ok(in_use.map(|used| !used))
}

/// Delete up to `limit` moderation records decided before `cutoff`, except
/// those that admitted a portrait still in the library; returns how many.
pub(crate) fn delete_moderation_before(
    conn: &Connection,
    cutoff: &str,
    limit: u32,
) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM moderation_records WHERE id IN (
             SELECT id FROM moderation_records m WHERE decided_at < ?1
               AND NOT EXISTS (SELECT 1 FROM portraits p WHERE p.moderation_id = m.id)
             LIMIT ?2)",
        params![cutoff, limit],
    )
}

/// Restore the dates of a portrait brought in from an archive: when it was
/// first imported (its last use is the import, now).
pub(crate) fn set_imported_at(
    conn: &Connection,
    id: i64,
    imported_at: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE portraits SET imported_at = ?2 WHERE id = ?1",
        params![id, imported_at],
    )?;
    Ok(())
}

/// Whether the very same decision is recorded already (an archive imported twice adds nothing).
pub(crate) fn moderation_exists(
    conn: &Connection,
    r: &NewModerationRecord<'_>,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM moderation_records
         WHERE image_sha256 = ?1 AND decided_at = ?2 AND reason = ?3 AND session_ref = ?4)",
    )?
    .query_row(
        params![r.image_sha256, r.decided_at, r.reason, r.session_ref],
        |row| row.get(0),
    )
}
