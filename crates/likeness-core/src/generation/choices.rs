//! The Studio's last choices, kept so that the Studio opens as the user left
//! it, after a restart too. They only preselect controls: a portrait or style
//! that is gone is replaced by the window, and nothing runs from them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::GenerationError;
use crate::db::{Db, DbError};
use crate::engines::Background;
use crate::framing::{Framing, Orientation};
use crate::settings::sql;

/// Settings key of the Studio's choices (JSON).
const KEY: &str = "studio.choices";
/// Longest file name kept for a chosen style picture.
const MAX_NAME: usize = 255;

/// What the user last chose in the Studio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StudioChoices {
    #[ts(type = "number | null")]
    pub portrait_id: Option<i64>,
    pub framing: Framing,
    pub orientation: Orientation,
    /// What goes behind the person; none keeps the photo's own.
    #[serde(default)]
    pub background: Option<Background>,
    /// Whole percent, 0 to 100.
    pub strength_percent: u8,
    /// The preset style, or the first of a blend.
    pub primary_style: Option<String>,
    pub blending: bool,
    pub second_style: Option<String>,
    /// The first style's share of a blend, in whole percent.
    pub first_percent: u8,
    /// A picture of the user's own, chosen as the style.
    pub picture: Option<ChosenPicture>,
}

/// A style picture as the Studio shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChosenPicture {
    pub name: String,
    pub sha256: String,
}

/// The choices last saved; `None` before the first, or if what is stored
/// no longer reads (an older shape): the Studio then starts afresh.
pub fn load(db: &Db) -> Result<Option<StudioChoices>, DbError> {
    let stored = db.read(|conn| Ok::<_, DbError>(sql::get(conn, KEY)?))?;
    Ok(stored.and_then(|json| serde_json::from_str(&json).ok()))
}

/// Save `choices` (checked first) in place of the last ones.
pub fn save(db: &Db, choices: &StudioChoices) -> Result<(), GenerationError> {
    let percent_ok = choices.strength_percent <= 100 && choices.first_percent <= 100;
    let picture_ok = choices.picture.as_ref().is_none_or(|p| {
        p.name.len() <= MAX_NAME
            && p.sha256.len() == 64
            && p.sha256.bytes().all(|b| b.is_ascii_hexdigit())
    });
    let background_ok = choices
        .background
        .as_ref()
        .is_none_or(|b| b.validate().is_ok());
    if !percent_ok || !picture_ok || !background_ok {
        return Err(GenerationError::InvalidInput(
            "Those Studio choices are out of range.".into(),
        ));
    }
    let json = serde_json::to_string(choices).expect("plain data serializes");
    Ok(db.write(|tx| Ok::<_, DbError>(sql::set(tx, KEY, &json)?))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices() -> StudioChoices {
        StudioChoices {
            portrait_id: Some(3),
            framing: Framing::HalfBody,
            orientation: Orientation::Landscape3x2,
            background: Some(Background::Blur),
            strength_percent: 70,
            primary_style: Some("style-04".into()),
            blending: true,
            second_style: Some("style-11".into()),
            first_percent: 30,
            picture: None,
        }
    }

    #[test]
    fn the_studio_choices_read_back_as_saved_and_out_of_range_ones_are_refused() {
        let db = Db::open_in_memory().unwrap();
        assert_eq!(load(&db).unwrap(), None);
        save(&db, &choices()).unwrap();
        assert_eq!(load(&db).unwrap(), Some(choices()));
        let too_strong = StudioChoices {
            strength_percent: 101,
            ..choices()
        };
        assert!(save(&db, &too_strong).is_err());
        let odd_picture = StudioChoices {
            picture: Some(ChosenPicture {
                name: "mine.png".into(),
                sha256: "../../etc".into(),
            }),
            ..choices()
        };
        assert!(save(&db, &odd_picture).is_err());
        assert_eq!(load(&db).unwrap(), Some(choices()));
    }
}
