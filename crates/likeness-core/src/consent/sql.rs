//! The `consent_records` table.

use rusqlite::{params, Connection};

use super::{ConsentAnswers, ConsentKind, ConsentRecord};
use crate::db::conversion_error;

/// Append one record per kind, all under `policy_version` at `recorded_at`.
pub(crate) fn insert_answers(
    conn: &Connection,
    answers: ConsentAnswers,
    policy_version: &str,
    recorded_at: &str,
) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO consent_records (kind, granted, policy_version, recorded_at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for kind in ConsentKind::ALL {
        insert.execute(params![
            kind.as_str(),
            answers.get(kind),
            policy_version,
            recorded_at
        ])?;
    }
    Ok(())
}

/// Every consent answer, newest first.
pub(crate) fn history(conn: &Connection) -> rusqlite::Result<Vec<ConsentRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, granted, policy_version, recorded_at FROM consent_records ORDER BY id DESC",
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
        })
    })?;
    rows.collect()
}
