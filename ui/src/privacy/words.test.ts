import { describe, expect, it } from "vitest";
import type { InventoryItem, ModerationReason, StoredKind } from "../lib/backend";
import { applyLanguage, LOCALES } from "../lib/i18n";
import { makeModerationRecord } from "../test/fake-backend";
import { describeImport, describeRecord, withdrawalConsequence } from "./words";

const REASONS: ModerationReason[] = [
  "unreadable",
  "no_face",
  "multiple_people",
  "unclear_face",
  "minor",
  "ambiguous_youthful",
  "nsfw",
  "moderation_unavailable",
];

function item(kind: StoredKind, count: number, keptForDays: number | null = null): InventoryItem {
  const rule = "after_recording";
  return { kind, count, bytes: 0, oldest: null, newest: null, location: "", rule, keptForDays, nextExpiry: null };
}

const refused = (reason: ModerationReason) => makeModerationRecord({ decision: "reject", reason, ageLimit: 28 });

/** Nothing stored, and records kept for different periods. */
const EMPTY = {
  dataDir: "/d",
  databaseBytes: 0,
  items: [item("portraits", 0), item("moderation_records", 0, 365), item("consent_records", 0, 1095)],
};

const NOTHING_IMPORTED = { portraits: 0, outputs: 0, stylePictures: 0, moderationRecords: 0, consentRecords: 0 };

describe("privacy words", () => {
  it("gives every refusal its own plain reason, with the age limit in force", () => {
    const words = REASONS.map((reason) => describeRecord(refused(reason)));
    expect(words).toContain("Refused: looked under 18");
    expect(words).toContain("Refused: looked under 28");
    expect(words).toContain("Refused: more than one person");
  });

  it.each(LOCALES)("keeps every refusal's reason apart in %s", (locale) => {
    applyLanguage(locale);
    const words = REASONS.map((reason) => describeRecord(refused(reason)));
    expect(new Set(words).size).toBe(REASONS.length);
    expect(words.some((line) => line.includes("28"))).toBe(true);
  });

  it("says what a withdrawal deletes when nothing is stored, and each record period when they differ", () => {
    expect(withdrawalConsequence(EMPTY)).toBe(
      "There are no portraits, images or style pictures to delete. Moderation records stay for 1 year and consent records for 3 years.",
    );
  });

  it("says when an archive brought nothing new", () => {
    expect(describeImport({ ...NOTHING_IMPORTED, refused: 0, duplicates: 4 })).toBe("Nothing new was imported. 4 already here.");
  });

  it("puts the words in the chosen language's order", () => {
    applyLanguage("de");
    expect(describeRecord(refused("ambiguous_youthful"))).toBe("Abgelehnt: sah jünger als 28 aus");
    expect(withdrawalConsequence(EMPTY)).toBe(
      "Es gibt keine Porträts, Bilder oder Stilbilder, die gelöscht werden könnten. Moderationseinträge bleiben 1 Jahr lang erhalten, Einwilligungseinträge 3 Jahre lang.",
    );

    applyLanguage("ja");
    expect(describeImport({ ...NOTHING_IMPORTED, portraits: 2, refused: 1, duplicates: 4 })).toBe(
      "ポートレート2件を読み込みました。1件はこのデバイスでの確認で受け付けられず、4件はすでにあります。",
    );
  });
});
