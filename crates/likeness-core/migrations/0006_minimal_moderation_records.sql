-- Keep moderation records minimal. A record keeps the decision, the reason, a
-- confidence band, the models, the thresholds, the time and the session: no
-- face boxes or landmarks, no age estimate and no file name, above all for
-- refusals of apparent minors.
--
-- What framing needs (the main face's box and eyes, no age) moves to the
-- portrait row, and goes with the portrait.
ALTER TABLE portraits ADD COLUMN face_json TEXT;
UPDATE portraits SET face_json = (
    SELECT json_object(
        'bbox', json_extract(m.faces_json, '$[0].box'),
        'leftEye', json_extract(m.faces_json, '$[0].landmarks[0]'),
        'rightEye', json_extract(m.faces_json, '$[0].landmarks[1]'))
    FROM moderation_records m
    WHERE m.id = portraits.moderation_id AND m.decision = 'accept'
      AND json_array_length(m.faces_json) > 0);

ALTER TABLE moderation_records ADD COLUMN confidence_band TEXT NOT NULL DEFAULT 'medium'
    CHECK (confidence_band IN ('low', 'medium', 'high'));
UPDATE moderation_records SET confidence_band = CASE
    WHEN confidence >= 0.8 THEN 'high' WHEN confidence >= 0.5 THEN 'medium' ELSE 'low' END;
ALTER TABLE moderation_records DROP COLUMN faces_json;
ALTER TABLE moderation_records DROP COLUMN source_name;
ALTER TABLE moderation_records DROP COLUMN confidence;
