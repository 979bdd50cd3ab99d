//! The `consent_records` table.

use rusqlite::{params, Connection};

use super::{ConsentAnswers, ConsentKind, ConsentRecord};
use crate::db::conversion_error;

/// Append one record per kind, all under `policy_version` at `recorded_at`,
/// with the wording's `(language, sha256)` when one was shown.
pub(crate) fn insert_answers(
    conn: &Connection,
    answers: ConsentAnswers,
    policy_version: &str,
    recorded_at: &str,
    wording: Option<&(String, String)>,
) -> rusqlite::Result<()> {
    for kind in ConsentKind::ALL {
        insert(
            conn,
            &ConsentRecord {
                id: 0,
                kind,
                granted: answers.get(kind),
                policy_version: policy_version.to_owned(),
                recorded_at: recorded_at.to_owned(),
                language: wording.map(|w| w.0.clone()),
                wording_sha256: wording.map(|w| w.1.clone()),
            },
        )?;
    }
    Ok(())
}

/// Append one record as given (its `id` is ignored).
pub(crate) fn insert(conn: &Connection, r: &ConsentRecord) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO consent_records (kind, granted, policy_version, recorded_at, language, wording_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        r.kind.as_str(),
        r.granted,
        r.policy_version,
        r.recorded_at,
        r.language,
        r.wording_sha256
    ])?;
    Ok(())
}

/// Whether a record with the same answer, policy and time exists (an archive
/// imported twice adds nothing).
pub(crate) fn exists(conn: &Connection, r: &ConsentRecord) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM consent_records
         WHERE kind = ?1 AND granted = ?2 AND policy_version = ?3 AND recorded_at = ?4)",
    )?
    .query_row(
        params![r.kind.as_str(), r.granted, r.policy_version, r.recorded_at],
        |row| row.get(0),
    )
}

/// Delete up to `limit` records given before `cutoff`, never a kind's
/// current answer (the gate needs it); returns how many.
pub(crate) fn delete_expired(
    conn: &Connection,
    cutoff: &str,
    limit: u32,
) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM consent_records WHERE id IN (
             SELECT id FROM consent_records c WHERE recorded_at < ?1
               AND id <> (SELECT id FROM consent_records d WHERE d.kind = c.kind
                          ORDER BY recorded_at DESC, id DESC LIMIT 1)
             LIMIT ?2)",
        params![cutoff, limit],
    )
}

/// Every consent answer, newest first.
pub(crate) fn history(conn: &Connection) -> rusqlite::Result<Vec<ConsentRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, granted, policy_version, recorded_at, language, wording_sha256
         FROM consent_records ORDER BY recorded_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        let kind: String = r.get(1)?;
        let kind = ConsentKind::parse(&kind)
            .ok_or_else(|| conversion_error(1, format!("unknown consent kind {kind:?}")))?;
        Ok(ConsentRecord {
            id: r.get(0)?,
            kind,
            granted: r.get(2)?,
            policy_version: r.get(3)?,
            recorded_at: r.get(4)?,
            language: r.get(5)?,
            wording_sha256: r.get(6)?,
        })
    })?;
    rows.collect()
}
