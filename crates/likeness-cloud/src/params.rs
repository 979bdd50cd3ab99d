//! What a job is asked to do, checked before it is priced: a quote is only
//! given for a job a worker can run.
//!
//! - `style`: `{"style": "style-07"}` or a blend `{"style": "style-03:0.7,style-12:0.3"}`
//!   (the CLI's form), and optionally `"strength"` from 0 to 1 (default 1).
//! - `hd_x2`, `hd_x4`: no parameters (`{}` or none).

use likeness_cloud_api::JobKind;
use likeness_core::engines::StyleMix;
use serde_json::Value;

/// The checked parameters of one job.
#[derive(Debug, Clone, PartialEq)]
pub enum JobParams {
    Style { mix: StyleMix, strength: f32 },
    Hd,
}

/// Why parameters were refused, in words for the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadParams(pub String);

/// Check `params` (a JSON object, or null for none) for a job of `kind`.
pub fn parse(kind: JobKind, params: &Value) -> Result<JobParams, BadParams> {
    let empty = serde_json::Map::new();
    let fields = match params {
        Value::Null => &empty,
        Value::Object(fields) => fields,
        _ => return Err(BadParams("`params` must be a JSON object".into())),
    };
    let allowed: &[&str] = match kind {
        JobKind::Style => &["style", "strength"],
        JobKind::HdX2 | JobKind::HdX4 => &[],
    };
    if let Some(unknown) = fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(BadParams(format!(
            "`{unknown}` is not a parameter of a {} job",
            kind.as_str()
        )));
    }
    match kind {
        JobKind::HdX2 | JobKind::HdX4 => Ok(JobParams::Hd),
        JobKind::Style => {
            let style = fields
                .get("style")
                .and_then(Value::as_str)
                .ok_or_else(|| BadParams("a style job needs `style`, e.g. \"style-07\"".into()))?;
            let mix: StyleMix = style.parse().map_err(|e| BadParams(format!("{e}")))?;
            let strength = match fields.get("strength") {
                None => 1.0,
                Some(value) => value
                    .as_f64()
                    .filter(|s| (0.0..=1.0).contains(s))
                    .ok_or_else(|| BadParams("`strength` is a number from 0 to 1".into()))?
                    as f32,
            };
            Ok(JobParams::Style { mix, strength })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_style_job_needs_a_known_style_and_a_strength_in_range() {
        let JobParams::Style { mix, strength } = parse(
            JobKind::Style,
            &json!({"style": "style-03:0.7,style-12:0.3"}),
        )
        .unwrap() else {
            panic!("a style job")
        };
        assert_eq!(mix.parts().len(), 2);
        assert_eq!(strength, 1.0);
        assert!(parse(JobKind::Style, &json!({})).is_err());
        assert!(parse(JobKind::Style, &json!({"style": "style-99"})).is_err());
        assert!(parse(
            JobKind::Style,
            &json!({"style": "style-01", "strength": 1.5})
        )
        .is_err());
    }

    #[test]
    fn hd_jobs_take_no_parameters() {
        assert_eq!(parse(JobKind::HdX4, &Value::Null), Ok(JobParams::Hd));
        assert_eq!(parse(JobKind::HdX2, &json!({})), Ok(JobParams::Hd));
        assert!(parse(JobKind::HdX2, &json!({"style": "style-01"})).is_err());
        assert!(parse(JobKind::HdX2, &json!([1])).is_err());
    }
}
