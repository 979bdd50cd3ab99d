//! History query time over a large generation history: the first page, filtered
//! pages and deep keyset pages, with 10,000 and 100,000 synthetic outputs.
//! Run: `cargo bench -p likeness-core --bench history`. Prints p50 and p95 of
//! each query (the full `History::list_outputs` call, rows mapped to `Output`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use likeness_core::db::Db;
use likeness_core::history::{History, OutputCursor, OutputFilter};
use likeness_core::vault::{sha256_hex, Vault};
use rusqlite::{params, Connection};

const RUNS: usize = 300;
const PAGE: u32 = 60;
const PORTRAITS: i64 = 40;
const STYLES: [&str; 8] = [
    "oil",
    "ink",
    "watercolour",
    "charcoal",
    "pastel",
    "pop-art",
    "mosaic",
    "custom",
];

fn main() {
    for rows in [10_000, 100_000] {
        bench(rows);
    }
}

fn bench(rows: usize) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("likeness.db");
    let store = Arc::new(Db::open(&db).unwrap());
    let seeded = Instant::now();
    seed(&db, rows);
    println!(
        "\n{rows} outputs ({PORTRAITS} portraits, {} styles, 4% favourites), seeded in {:.1} s; \
         pages of {PAGE}, {RUNS} runs each",
        STYLES.len(),
        seeded.elapsed().as_secs_f64()
    );
    let keys = likeness_core::keys::FolderKeys::random();
    let vault = Arc::new(Vault::open(dir.path().join("vault"), keys.vault()).unwrap());
    let history = History::new(store, vault);

    let conn = Connection::open(&db).unwrap();
    let cursor_at = |fraction: f64, portrait: Option<i64>| -> OutputCursor {
        let offset = (rows as f64 * fraction) as i64 / portrait.map_or(1, |_| PORTRAITS);
        conn.query_row(
            "SELECT created_at, id FROM outputs WHERE ?1 IS NULL OR portrait_id = ?1
             ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?2",
            params![portrait, offset],
            |r| {
                Ok(OutputCursor {
                    created_at: r.get(0)?,
                    id: r.get(1)?,
                })
            },
        )
        .unwrap()
    };
    let filter = |f: OutputFilter| OutputFilter { limit: PAGE, ..f };
    let cases = [
        ("first page", filter(OutputFilter::default())),
        (
            "portrait filter, first page",
            filter(OutputFilter {
                portrait_id: Some(7),
                ..Default::default()
            }),
        ),
        (
            "style filter, first page",
            filter(OutputFilter {
                style_key: Some("ink".into()),
                ..Default::default()
            }),
        ),
        (
            "favourites, first page",
            filter(OutputFilter {
                favourites_only: true,
                ..Default::default()
            }),
        ),
        (
            "date range (one day, mid-history), first page",
            filter(OutputFilter {
                since: Some(rfc3339(created_at(rows / 2))),
                until: Some(rfc3339(created_at(rows / 2) + Duration::from_secs(86_400))),
                ..Default::default()
            }),
        ),
        (
            "portrait + style, first page",
            filter(OutputFilter {
                portrait_id: Some(7),
                style_key: Some("mosaic".into()),
                ..Default::default()
            }),
        ),
        (
            "deep keyset page (90% down)",
            filter(OutputFilter {
                after: Some(cursor_at(0.9, None)),
                ..Default::default()
            }),
        ),
        (
            "portrait filter, deep keyset page (75% down)",
            filter(OutputFilter {
                portrait_id: Some(7),
                after: Some(cursor_at(0.75, Some(7))),
                ..Default::default()
            }),
        ),
    ];
    for (label, f) in &cases {
        let n = history.list_outputs(f).unwrap().outputs.len();
        let times = measure(|| {
            let start = Instant::now();
            let page = history.list_outputs(f).unwrap();
            let took = start.elapsed();
            std::hint::black_box(page);
            took
        });
        report(&format!("{label} ({n} rows)"), &times);
    }

    // For contrast: the same deep page by OFFSET, which keyset pagination avoids.
    let offset = (rows as f64 * 0.9) as i64;
    let times = measure(|| {
        let start = Instant::now();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, created_at FROM outputs ORDER BY created_at DESC, id DESC
                 LIMIT ?1 OFFSET ?2",
            )
            .unwrap();
        let ids: Vec<i64> = stmt
            .query_map(params![PAGE, offset], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let took = start.elapsed();
        std::hint::black_box(ids);
        took
    });
    report("  (contrast) deep page by OFFSET, ids only", &times);
}

/// Insert `rows` outputs: two per timestamp a minute apart from 2026-01-01,
/// spread round-robin over portraits and styles.
fn seed(db: &std::path::Path, rows: usize) {
    let mut conn = Connection::open(db).unwrap();
    let tx = conn.transaction().unwrap();
    for p in 1..=PORTRAITS {
        tx.execute(
            "INSERT INTO portraits (id, sha256, original_name, format, width, height, bytes,
                 imported_at, last_used_at)
             VALUES (?1, ?2, 'p.jpg', 'jpeg', 800, 1000, 50000, '2026-01-01T00:00:00Z',
                 '2026-01-01T00:00:00Z')",
            params![p, format!("portrait{p}")],
        )
        .unwrap();
    }
    let hashes = format!(r#"{{"multistyle26":"{}"}}"#, sha256_hex(b"model"));
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO outputs (portrait_id, sha256, format, width, height, bytes,
                     settings_json, style_key, engine, model_hashes_json, seed, favourite, created_at)
                 VALUES (?1, ?2, 'png', 640, 800, 512000, ?3, ?4, 'local-style', ?5, ?6, ?7, ?8)",
            )
            .unwrap();
        for i in 0..rows {
            let style = STYLES[i % STYLES.len()];
            let created = rfc3339(created_at(i));
            let settings = format!(
                r#"{{"style":"{style}","strength":0.8,"pose":"headshot","orientation":"portrait","seed":{i},"background":"keep"}}"#
            );
            insert
                .execute(params![
                    (i as i64 % PORTRAITS) + 1,
                    sha256_hex(&i.to_le_bytes()),
                    settings,
                    style,
                    hashes,
                    i as i64,
                    i % 25 == 0,
                    created,
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

/// When synthetic output `i` was made: two a minute from 2026-01-01.
fn created_at(i: usize) -> time::OffsetDateTime {
    time::macros::datetime!(2026-01-01 0:00 UTC) + Duration::from_secs(60 * (i as u64 / 2))
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn measure(mut f: impl FnMut() -> Duration) -> Vec<Duration> {
    for _ in 0..10 {
        f(); // warm-up
    }
    let mut times: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    times.sort();
    times
}

fn report(label: &str, sorted: &[Duration]) {
    let p = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    println!(
        "{label:<60} p50 {:>7.3} ms   p95 {:>7.3} ms",
        p(0.5),
        p(0.95)
    );
}
