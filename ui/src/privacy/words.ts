// The privacy centre's facts in plain words: kinds of data, their retention rules, moderation
// decisions, and counts of what an export, import, withdrawal or deletion touches.
import type {
  ArchiveImport,
  DeletionReceipt,
  Inventory,
  InventoryItem,
  ModerationReason,
  ModerationRecordEntry,
  StoredKind,
} from "../lib/backend";
import { formatCount, formatList, formatPeriod } from "../lib/format";

export const KIND_LABELS: Record<StoredKind, string> = {
  portraits: "Portraits",
  outputs: "Images you made",
  style_pictures: "Style pictures",
  thumbnails: "Thumbnails",
  moderation_records: "Moderation records",
  consent_records: "Consent records",
  jobs: "Jobs",
  settings: "Settings",
  cloud_records: "Likeness Cloud orders and receipts",
};

/** How long an item is kept: "30 days after last use", "Until you delete them"… */
export function describeRule({ kind, rule, keptForDays }: InventoryItem): string {
  if (rule === "with_owner") return "With their portrait or image";
  if (rule === "while_used") return "While a job or image uses it";
  if (rule === "until_deleted" || keptForDays === null) return "Until you delete them";
  const period = formatPeriod(keptForDays);
  switch (rule) {
    case "after_last_use":
      return `${period} after last use`;
    case "after_creation":
      return `${period} after they are made; favourites until you delete them`;
    case "after_finishing":
      return `${period} after they finish`;
    case "after_recording":
      if (kind === "consent_records") return `${period}; your current answers are always kept`;
      if (kind === "cloud_records") return `${period}, as purchase records are kept`;
      return period;
  }
}

/** "Accepted · high confidence", "Refused: looked under 25". */
export function describeRecord({ decision, reason, confidenceBand, ageLimit }: ModerationRecordEntry): string {
  return decision === "accept" ? `Accepted · ${confidenceBand} confidence` : `Refused: ${refusal(reason, ageLimit)}`;
}

function refusal(reason: ModerationReason, ageLimit: number): string {
  switch (reason) {
    case "ambiguous_youthful":
      return `looked under ${ageLimit}`;
    case "minor":
      return "looked under 18";
    case "multiple_people":
      return "more than one person";
    case "no_face":
      return "no face found";
    case "unclear_face":
      return "the face wasn't clear enough";
    case "nsfw":
      return "looked like nudity or adult content";
    case "unreadable":
      return "the image couldn't be read";
    case "moderation_unavailable":
      return "the checks couldn't run";
    case "accepted":
      return "no reason recorded";
  }
}

/** What archives, imports and deletion receipts count, in the order they are told. */
const COUNTED = [
  ["portraits", "portrait"],
  ["outputs", "image"],
  ["stylePictures", "style picture"],
  ["moderationRecords", "moderation record"],
  ["consentRecords", "consent record"],
  ["jobs", "job"],
  ["settings", "setting"],
  ["cloudRecords", "Likeness Cloud record"],
] as const;

type Counts = { [key in (typeof COUNTED)[number][0]]?: number };

function entries(counts: Counts): [number, string][] {
  return COUNTED.flatMap(([key, noun]) => {
    const count = counts[key];
    return count === undefined ? [] : [[count, noun]];
  });
}

/** Each count there is, zeros too: ["3 portraits", "0 images", …]. */
export function countsInWords(counts: Counts): string[] {
  return entries(counts).map(([count, noun]) => formatCount(count, noun));
}

/** The counts above zero as a phrase, "3 portraits, 12 images and 1 style picture"; "" if none. */
export function describeCounts(counts: Counts): string {
  const above = entries(counts).filter(([count]) => count > 0);
  return formatList(above.map(([count, noun]) => formatCount(count, noun)));
}

/** "Imported 3 portraits and 12 images. 1 refused by the on-device checks, 2 already here." */
export function describeImport(result: ArchiveImport): string {
  const added = describeCounts(result);
  const skipped = [
    result.refused > 0 && `${result.refused} refused by the on-device checks`,
    result.duplicates > 0 && `${result.duplicates} already here`,
  ].filter((part): part is string => part !== false);
  const imported = added ? `Imported ${added}.` : "Nothing new was imported.";
  return skipped.length > 0 ? `${imported} ${skipped.join(", ")}.` : imported;
}

/** What "delete all" did with the Likeness Cloud account, or "" when there was none. */
export function cloudAccountInWords(end: DeletionReceipt["cloudAccount"]): string {
  switch (end.state) {
    case "none":
      return "";
    case "deleted":
      return end.forfeited_credits > 0
        ? `Your Likeness Cloud account was deleted on the server, with its ${formatCount(end.forfeited_credits, "unspent credit")}.`
        : "Your Likeness Cloud account was deleted on the server.";
    case "not_reached":
      return `Likeness Cloud could not be reached to delete your account there (${end.reason}). Its token is gone from this computer, so it can no longer be used from here.`;
  }
}

/** What withdrawing consent deletes and keeps, with the numbers stored now. */
export function withdrawalConsequence({ items }: Inventory): string {
  const item = (kind: StoredKind) => items.find((i) => i.kind === kind);
  const count = (kind: StoredKind) => item(kind)?.count ?? 0;
  const portraits = count("portraits");
  const outputs = count("outputs");
  const stylePictures = count("style_pictures");
  const deleted = [
    portraits > 0 && `your ${formatCount(portraits, "portrait")}`,
    outputs > 0 && `the ${formatCount(outputs, "image")} made from ${portraits > 0 ? "them" : "your portraits"}`,
    stylePictures > 0 && formatCount(stylePictures, "style picture"),
  ].filter((part): part is string => part !== false);
  const deletes =
    deleted.length > 0
      ? `This deletes ${formatList(deleted)}.`
      : "There are no portraits, images or style pictures to delete.";
  return `${deletes} ${recordsKept(item("moderation_records"), item("consent_records"))}`;
}

function recordsKept(moderation: InventoryItem | undefined, consent: InventoryItem | undefined): string {
  const period = (record: InventoryItem | undefined) =>
    record?.keptForDays == null ? "until you delete them" : `for ${formatPeriod(record.keptForDays)}`;
  const [forModeration, forConsent] = [period(moderation), period(consent)];
  return forModeration === forConsent
    ? `Records of past decisions (never images) stay ${forModeration}.`
    : `Moderation records stay ${forModeration} and consent records ${forConsent}.`;
}
