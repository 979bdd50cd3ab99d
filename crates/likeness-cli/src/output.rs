//! How results are printed: one JSON object per line with `--json`, else a
//! line of text.

use likeness_core::library::Portrait;
use likeness_core::moderation::Verdict;
use serde::Serialize;

pub fn emit<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        println!(
            "{}",
            serde_json::to_string(value).expect("plain data serializes")
        );
    } else {
        println!("{}", text());
    }
}

/// One line of `moderate --json` output (and of a refused `generate`): the
/// verdict plus the file and `ms`.
#[derive(Serialize)]
pub struct ModerateLine<'a> {
    pub file: &'a str,
    #[serde(flatten)]
    pub verdict: &'a Verdict,
    pub ms: f64,
}

pub fn describe_verdict(file: &str, v: &Verdict) -> String {
    let decision = if v.is_accepted() { "accept" } else { "reject" };
    let age = v
        .faces
        .first()
        .and_then(|f| f.age)
        .map(|a| format!(", estimated age {a:.0}"))
        .unwrap_or_default();
    format!(
        "{file}: {decision} ({}, confidence {:.2}, {} face(s){age}, {:.0} ms) {}",
        v.reason.code(),
        v.confidence,
        v.faces.len(),
        v.elapsed_ms,
        v.message
    )
}

pub fn describe(p: &Portrait) -> String {
    format!(
        "#{} {} {}x{} {} bytes {}",
        p.id, p.original_name, p.width, p.height, p.bytes, p.imported_at
    )
}
