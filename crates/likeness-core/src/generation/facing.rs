//! Which way the head in a portrait is turned, for the Studio's note beside
//! the chosen photo. Worked out when asked, from the stored photo and the face
//! moderation found in it (kept on the portrait's row), so every accepted
//! portrait has it, those imported before it existed too.

use super::pipeline::read_rgb;
use super::{GenerationError, Studio};
use crate::engines::HeadTurn;
use crate::vault::Kind;

impl Studio {
    /// How the head in accepted portrait `portrait_id` is turned; `None` when
    /// the face mesh finds no face where moderation did. Needs consent: it
    /// analyses the face.
    pub fn portrait_facing(&self, portrait_id: i64) -> Result<Option<HeadTurn>, GenerationError> {
        let (db, vault) = self.portraits.storage();
        crate::consent::require(db)?;
        let face = self.portraits.face_anchor(portrait_id)?;
        let portrait = self.portraits.get(portrait_id)?;
        let photo = read_rgb(vault, Kind::Original, &portrait.sha256)?;
        let eyes = [face.left_eye, face.right_eye];
        Ok(self.face_mesh.get()?.head_turn(&photo, face.bbox, eyes)?)
    }
}
