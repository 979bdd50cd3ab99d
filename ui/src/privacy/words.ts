// The privacy centre's facts in the current language: kinds of data, their retention rules,
// moderation decisions, and counts of what an export, import, withdrawal or deletion touches.
// Each sentence is one message, so the words and their order are the translator's.
import type {
  ArchiveImport,
  DeletionReceipt,
  Inventory,
  InventoryItem,
  ModerationRecordEntry,
  StoredKind,
} from "../lib/backend";
import { errorMessage } from "../lib/backend/errors";
import { formatList } from "../lib/format";
import { t, type MessageId } from "../lib/i18n";

export function kindLabel(kind: StoredKind): string {
  return t(`privacy.kind.${kind}`);
}

const DAYS_PER_YEAR = 365;

/** A retention period in days: 30 → "30 days", 1095 → "3 years". */
export function formatPeriod(days: number): string {
  const years = days % DAYS_PER_YEAR === 0;
  return t("privacy.period", { unit: years ? "year" : "day", count: years ? days / DAYS_PER_YEAR : days });
}

/**
 * How long an item is kept: "30 days after last use", "Until you delete them"… `inline` is the
 * form that follows a label in a sentence ("Settings: until you delete them").
 */
export function describeRule({ kind, rule, keptForDays }: InventoryItem, position: "start" | "inline" = "start"): string {
  // Thumbnails and style pictures go with what uses them; the others have a period of their own.
  const timed = rule !== "with_owner" && rule !== "while_used";
  const shown = timed && keptForDays === null ? "until_deleted" : rule;
  return t(`privacy.rule.${shown}`, { kind, position, period: keptForDays === null ? "" : formatPeriod(keptForDays) });
}

/** "Accepted · high confidence", "Refused: looked under 25". */
export function describeRecord({ decision, reason, confidenceBand, ageLimit }: ModerationRecordEntry): string {
  return decision === "accept"
    ? t("privacy.records.accepted", { band: confidenceBand })
    : t("privacy.records.refused", { reason, ageLimit });
}

/** What archives, imports and deletion receipts count, in the order they are told. */
const COUNTED = [
  ["portraits", "privacy.count.portraits"],
  ["outputs", "privacy.count.outputs"],
  ["stylePictures", "privacy.count.stylePictures"],
  ["moderationRecords", "privacy.count.moderationRecords"],
  ["consentRecords", "privacy.count.consentRecords"],
  ["jobs", "privacy.count.jobs"],
  ["settings", "privacy.count.settings"],
  ["cloudRecords", "privacy.count.cloudRecords"],
] as const satisfies readonly (readonly [string, MessageId])[];

type Counts = { [key in (typeof COUNTED)[number][0]]?: number };

function entries(counts: Counts): [number, MessageId][] {
  return COUNTED.flatMap(([key, id]) => {
    const count = counts[key];
    return count === undefined ? [] : [[count, id]];
  });
}

/** Each count there is, zeros too: ["3 portraits", "0 images", …]. */
export function countsInWords(counts: Counts): string[] {
  return entries(counts).map(([count, id]) => t(id, { count }));
}

/** The counts above zero as a phrase, "3 portraits, 12 images, and 1 style picture"; "" if none. */
export function describeCounts(counts: Counts): string {
  const above = entries(counts).filter(([count]) => count > 0);
  return formatList(above.map(([count, id]) => t(id, { count })));
}

/** "Imported 3 portraits and 12 images. 1 refused by the on-device checks, 2 already here." */
export function describeImport(result: ArchiveImport): string {
  const added = describeCounts(result);
  const imported = added ? t("privacy.archive.imported", { items: added }) : t("privacy.archive.nothingNew");
  const { refused, duplicates } = result;
  if (refused === 0 && duplicates === 0) return imported;
  const skipped =
    duplicates === 0
      ? t("privacy.archive.refused", { refused })
      : refused === 0
        ? t("privacy.archive.duplicates", { duplicates })
        : t("privacy.archive.refusedAndDuplicates", { refused, duplicates });
  return t("privacy.twoSentences", { first: imported, second: skipped });
}

/** What "delete all" did with the Likeness Cloud account, or "" when there was none. */
export function cloudAccountInWords(end: DeletionReceipt["cloudAccount"]): string {
  switch (end.state) {
    case "none":
      return "";
    case "deleted":
      return t("privacy.receipt.cloudDeleted", { credits: end.forfeited_credits });
    case "not_reached":
      return t("privacy.receipt.cloudNotReached", { reason: errorMessage(end.code) });
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
    portraits > 0 && t("privacy.withdrawal.portraits", { count: portraits }),
    outputs > 0 && t("privacy.withdrawal.outputs", { count: outputs, portraits }),
    stylePictures > 0 && t("privacy.count.stylePictures", { count: stylePictures }),
  ].filter((part): part is string => part !== false);
  const deletes =
    deleted.length > 0
      ? t("privacy.withdrawal.deletes", { items: formatList(deleted) })
      : t("privacy.withdrawal.nothing");
  const kept = recordsKept(item("moderation_records"), item("consent_records"));
  return t("privacy.twoSentences", { first: deletes, second: kept });
}

function recordsKept(moderation: InventoryItem | undefined, consent: InventoryItem | undefined): string {
  const days = (record: InventoryItem | undefined) => record?.keptForDays ?? null;
  const [forModeration, forConsent] = [days(moderation), days(consent)];
  const kept = (days: number | null) => (days === null ? "forever" : "for");
  const period = (days: number | null) => (days === null ? "" : formatPeriod(days));
  return forModeration === forConsent
    ? t("privacy.withdrawal.recordsKept", { kept: kept(forModeration), period: period(forModeration) })
    : t("privacy.withdrawal.recordsKeptApart", {
        moderationKept: kept(forModeration),
        moderationPeriod: period(forModeration),
        consentKept: kept(forConsent),
        consentPeriod: period(forConsent),
      });
}
