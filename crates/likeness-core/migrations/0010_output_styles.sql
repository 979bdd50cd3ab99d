-- An image is filed under every style of its blend, not only the strongest,
-- so a 50/50 blend is found under both; a picture of the user's own is filed
-- under `picture`. A trigger files each new image, whoever inserts it (a job,
-- an archive import); the rows go with their image.
CREATE TABLE output_styles (
    style_key TEXT    NOT NULL,
    output_id INTEGER NOT NULL REFERENCES outputs (id) ON DELETE CASCADE,
    PRIMARY KEY (style_key, output_id)
) WITHOUT ROWID;
CREATE INDEX output_styles_by_output ON output_styles (output_id);

CREATE TRIGGER outputs_filed_by_style AFTER INSERT ON outputs
BEGIN
    INSERT OR IGNORE INTO output_styles (style_key, output_id)
    SELECT json_extract(mix.value, '$[0]'), NEW.id
    FROM json_each(NEW.settings_json, '$.style.mix') AS mix
    WHERE json_extract(NEW.settings_json, '$.style.kind') = 'preset';
    INSERT OR IGNORE INTO output_styles (style_key, output_id)
    SELECT NEW.style_key, NEW.id WHERE NEW.style_key IS NOT NULL;
END;

INSERT OR IGNORE INTO output_styles (style_key, output_id)
SELECT json_extract(mix.value, '$[0]'), outputs.id
FROM outputs, json_each(outputs.settings_json, '$.style.mix') AS mix
WHERE json_extract(outputs.settings_json, '$.style.kind') = 'preset';
INSERT OR IGNORE INTO output_styles (style_key, output_id)
SELECT style_key, id FROM outputs WHERE style_key IS NOT NULL;
