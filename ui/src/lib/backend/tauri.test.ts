import { describe, expect, it } from "vitest";
import { toOutput } from "./tauri";

describe("toOutput", () => {
  const stored = {
    id: 4,
    jobId: 2,
    portraitId: 1,
    sha256: "ef",
    format: "png",
    width: 1024,
    height: 1280,
    bytes: 900_000,
    styleKey: "pastel",
    engine: "likeness-paint 0.1",
    modelHashes: {},
    seed: 7,
    favourite: false,
    createdAt: "2025-03-04T10:00:00Z",
    imagePath: "/vault/o/4.png",
    thumbPath: "/vault/o/4.thumb.webp",
  };
  const settings = {
    framing: "headshot",
    orientation: "1:1",
    style: { kind: "preset", mix: [["pastel", 1]] },
    strength: 1,
    seed: 7,
  };

  it("reads the settings that made an image and its HD factor", () => {
    const output = toOutput({ ...stored, settingsJson: JSON.stringify({ ...settings, hdFactor: 2 }) });
    expect(output.settings).toMatchObject(settings);
    expect(output.hdFactor).toBe(2);
    expect(output).not.toHaveProperty("settingsJson");
  });

  it("keeps an image whose settings it can't read, without its settings", () => {
    expect(toOutput({ ...stored, settingsJson: "not json" })).toMatchObject({ id: 4, settings: null, hdFactor: null });
    expect(toOutput({ ...stored, settingsJson: '{"steps":4}' }).settings).toBeNull();
  });
});
