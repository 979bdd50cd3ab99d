import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { applyLanguage, LOCALES } from "../lib/i18n";
import { consentWording } from "./wording";

// The backend's list of the wordings that count (`crates/likeness-core/src/consent/wordings.json`).
// (Tests run from ui/; in jsdom, import.meta.url is not a file address.)
const BACKEND_LIST = resolve(process.cwd(), "../crates/likeness-core/src/consent/wordings.json");

function shownHashes(): Record<string, string> {
  return Object.fromEntries(
    LOCALES.map((locale) => {
      applyLanguage(locale);
      return [locale, createHash("sha256").update(consentWording().text).digest("hex")];
    }),
  );
}

describe("the consent wording", () => {
  it("counts in the backend, in every language, exactly as the gate shows it", () => {
    const shown = shownHashes();
    if (process.env.UPDATE_SNAPSHOTS) writeFileSync(BACKEND_LIST, `${JSON.stringify(shown, null, 2)}\n`);

    expect(JSON.parse(readFileSync(BACKEND_LIST, "utf8"))).toEqual(shown);
  });

  it("is the three statements, one per line, in the language on screen", () => {
    applyLanguage("de");
    const { language, text } = consentWording();

    expect(language).toBe("de");
    expect(text.split("\n")).toHaveLength(3);
    expect(text).toContain("18");
  });
});
