import { describe, expect, it } from "vitest";
import { makeCatalogueStyles } from "../test/fake-backend";
import { aspectRatio, describeStyle, presetStyle, startingStrength, styleName } from "./generation";
import { applyLanguage } from "./i18n";

const STYLES = [
  { id: "impressionism", name: "Impressionism", defaultStrengthPercent: 70 },
  { id: "watercolour", name: "Watercolour", defaultStrengthPercent: 100 },
];

describe("generation settings", () => {
  it("starts a style at its own default strength, a blend at the lower of its two, and a picture as it is", () => {
    expect(startingStrength(presetStyle("watercolour", null, 100), STYLES)).toBe(100);
    expect(startingStrength(presetStyle("watercolour", "impressionism", 80), STYLES)).toBe(70);
    expect(startingStrength({ kind: "picture", pictureSha256: "ff" }, STYLES)).toBeNull();
  });

  it("uses a single style at full weight when there is nothing to blend", () => {
    expect(presetStyle("impressionism", null, 40)).toEqual({ kind: "preset", mix: [["impressionism", 1]] });
    expect(presetStyle("impressionism", "impressionism", 40).mix).toEqual([["impressionism", 1]]);
  });

  it("splits a blend into two weights that sum to exactly 1", () => {
    for (let percent = 0; percent <= 100; percent++) {
      const { mix } = presetStyle("impressionism", "watercolour", percent);
      expect(mix[0][1] + mix[1][1]).toBe(1);
    }
  });

  it("describes a style choice in words", () => {
    expect(describeStyle(presetStyle("impressionism", "watercolour", 70), STYLES)).toBe(
      "Impressionism 70% + Watercolour 30%",
    );
    expect(describeStyle({ kind: "preset", mix: [["watercolour", 1]] }, STYLES)).toBe("Watercolour");
    expect(describeStyle({ kind: "picture", pictureSha256: "ff" }, STYLES)).toBe("Your own picture");
  });

  it("names a catalogue style in the current language, and a style the catalogues lack by the backend's name", () => {
    const [inkWash, stainedGlass, unknown] = makeCatalogueStyles();
    expect(styleName(inkWash)).toBe("Ink Wash");
    expect(styleName(unknown)).toBe("Neon Noir");

    applyLanguage("de");
    expect(styleName(inkWash)).toBe("Tuschelavierung");
    expect(styleName(unknown)).toBe("Neon Noir");
    expect(describeStyle(presetStyle("style-02", "style-26", 70), [inkWash, stainedGlass, unknown])).toBe(
      "Tuschelavierung 70\u00a0% + Neon Noir 30\u00a0%",
    );
  });

  it("reads an orientation as its aspect ratio", () => {
    expect(aspectRatio("16:9")).toEqual([16, 9]);
  });
});
