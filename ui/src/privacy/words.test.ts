import { describe, expect, it } from "vitest";
import type { InventoryItem, ModerationReason, StoredKind } from "../lib/backend";
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

describe("privacy words", () => {
  it("gives every refusal its own plain reason, with the age limit in force", () => {
    const refused = (reason: ModerationReason) => makeModerationRecord({ decision: "reject", reason, ageLimit: 28 });
    const words = REASONS.map((reason) => describeRecord(refused(reason)));
    expect(new Set(words).size).toBe(REASONS.length);
    expect(words).toContain("Refused: looked under 18");
    expect(words).toContain("Refused: looked under 28");
    expect(words).toContain("Refused: more than one person");
  });

  it("says what a withdrawal deletes when nothing is stored, and each record period when they differ", () => {
    const inventory = {
      dataDir: "/d",
      databaseBytes: 0,
      items: [item("portraits", 0), item("moderation_records", 0, 365), item("consent_records", 0, 1095)],
    };
    expect(withdrawalConsequence(inventory)).toBe(
      "There are no portraits, images or style pictures to delete. Moderation records stay for 1 year and consent records for 3 years.",
    );
  });

  it("says when an archive brought nothing new", () => {
    const none = { portraits: 0, outputs: 0, stylePictures: 0, moderationRecords: 0, consentRecords: 0, refused: 0 };
    expect(describeImport({ ...none, duplicates: 4 })).toBe("Nothing new was imported. 4 already here.");
  });
});
