/**
 * The privacy page: retention, the inventory of what is held (counted from the records here),
 * moderation records, stored style pictures, and the whole-archive export, import and delete.
 * An archive import answers `archiveResult` (held at `gate` once uploaded), or `failNext`.
 */
import type {
  ApiError,
  ArchiveImport,
  ArchiveSummary,
  DeletionReceipt,
  ExpiryRule,
  Inventory,
  InventoryItem,
  ModerationRecordEntry,
  RetentionPolicy,
  StoredKind,
  StoredStylePicture,
} from "../../lib/backend";
import { sendInChunks } from "../../lib/backend/chunks";
import { FakeHistory } from "./history";
import { DEFAULT_RETENTION, vaultUrl } from "./state";

/** The backend's limits: the most days for each, and whether "keep until I delete" (`null`) is allowed. */
const RETENTION_LIMITS: Record<keyof RetentionPolicy, { max: number; keepable: boolean }> = {
  portraitDays: { max: 30, keepable: true },
  outputDays: { max: 90, keepable: true },
  moderationRecordDays: { max: 1095, keepable: false },
  consentRecordDays: { max: 1095, keepable: false },
  jobDays: { max: 90, keepable: false },
};

const THUMBNAIL_BYTES = 20_000;
/** The age check and the retention periods. */
const SETTINGS_KEPT = 2;

export class FakePrivacy extends FakeHistory {
  databaseBytes = 2_400_000;
  /** The `folder` of each `exportEverything`. */
  archiveExports: (string | null)[] = [];
  /** The size of each chunk of an archive import, in the order they came. */
  archiveChunks: number[] = [];
  archiveResult: ArchiveImport = {
    portraits: 0,
    outputs: 0,
    stylePictures: 0,
    moderationRecords: 0,
    consentRecords: 0,
    duplicates: 0,
    refused: 0,
  };

  async retention(): Promise<RetentionPolicy> {
    return { ...this.policy };
  }

  /** Like the backend: refuses periods out of range, and deletes at once what is now past its date. */
  async setRetention(policy: RetentionPolicy): Promise<RetentionPolicy> {
    const fits = ([field, { max, keepable }]: [string, { max: number; keepable: boolean }]) => {
      const days = policy[field as keyof RetentionPolicy];
      return days === null ? keepable : Number.isInteger(days) && days >= 1 && days <= max;
    };
    if (!Object.entries(RETENTION_LIMITS).every(fits)) {
      throw { code: "invalid_input" } satisfies ApiError;
    }
    this.policy = { ...policy };
    const now = new Date().toISOString();
    const current = (expiresAt: string | null) => expiresAt === null || expiresAt > now;
    this.portraits = this.portraits
      .map((p) => ({ ...p, expiresAt: this.expiry(p.lastUsedAt, policy.portraitDays) }))
      .filter((p) => current(p.expiresAt));
    this.outputs = this.outputs
      .map((o) => ({ ...o, expiresAt: o.favourite ? null : this.expiry(o.createdAt, policy.outputDays) }))
      .filter((o) => current(o.expiresAt));
    return { ...this.policy };
  }

  async privacyInventory(): Promise<Inventory> {
    const { portraitDays, outputDays, moderationRecordDays, consentRecordDays, jobDays } = this.policy;
    const vault = `${this.info.dataDir}/vault`;
    const database = `${this.info.dataDir}/likeness.db`;
    const portraits = this.portraits.map((p) => ({ bytes: p.bytes, at: p.importedAt, expiresAt: p.expiresAt }));
    const outputs = this.outputs.map((o) => ({ bytes: o.bytes, at: o.createdAt, expiresAt: o.expiresAt }));
    const thumbnails = [...portraits, ...outputs].map(({ at }) => ({ bytes: THUMBNAIL_BYTES, at }));
    const styles = this.stylePictures.map((p) => ({ bytes: p.bytes, at: p.storedAt }));
    const checks = this.moderationRecords.map((r) => ({ bytes: 0, at: r.decidedAt, expiresAt: r.expiresAt }));
    const answers = this.history.map((r) => ({ bytes: 0, at: r.recordedAt }));
    const jobs = this.jobs.flatMap((j) => (j.finishedAt ? [{ bytes: 0, at: j.finishedAt }] : []));
    const settings = Array.from({ length: SETTINGS_KEPT }, () => ({ bytes: 0, at: "2025-03-04T10:00:00Z" }));
    const items: InventoryItem[] = [
      inventoryItem("portraits", `${vault}/portraits`, expiring("after_last_use", portraitDays), portraits),
      inventoryItem("outputs", `${vault}/outputs`, expiring("after_creation", outputDays), outputs),
      inventoryItem("style_pictures", `${vault}/styles`, ["while_used", null], styles),
      inventoryItem("thumbnails", `${vault}/thumbnails`, ["with_owner", null], thumbnails),
      inventoryItem("moderation_records", database, ["after_recording", moderationRecordDays], checks),
      inventoryItem("consent_records", database, ["after_recording", consentRecordDays], answers),
      inventoryItem("jobs", database, ["after_finishing", jobDays], jobs),
      inventoryItem("settings", database, ["until_deleted", null], settings),
    ];
    return { dataDir: this.info.dataDir, databaseBytes: this.databaseBytes, items };
  }

  async listModerationRecords(): Promise<ModerationRecordEntry[]> {
    return [...this.moderationRecords];
  }

  async deleteModerationRecord(id: number): Promise<void> {
    const record = this.moderationRecords.find((r) => r.id === id);
    if (!record) throw { code: "not_found" } satisfies ApiError;
    if (record.inUse) throw { code: "record_in_use" } satisfies ApiError;
    this.moderationRecords = this.moderationRecords.filter((r) => r !== record);
  }

  async listStylePictures(): Promise<StoredStylePicture[]> {
    return [...this.stylePictures];
  }

  async deleteStylePicture(sha256: string): Promise<void> {
    this.stylePictures = this.stylePictures.filter((p) => p.sha256 !== sha256);
  }

  stylePictureUrl(picture: StoredStylePicture): string {
    return vaultUrl(picture.image);
  }

  async exportEverything(folder: string | null): Promise<ArchiveSummary> {
    this.archiveExports.push(folder);
    const path = `${this.exportFolderFor(folder)}/likeness-archive.zip`;
    this.markExported(path);
    return {
      path,
      portraits: this.portraits.length,
      outputs: this.outputs.length,
      stylePictures: this.stylePictures.length,
      moderationRecords: this.moderationRecords.length,
      consentRecords: this.history.length,
      bytes: this.#fileBytes(),
    };
  }

  async importArchive(file: File, onProgress?: (sent: number, total: number) => void): Promise<ArchiveImport> {
    await sendInChunks(file, async (chunk) => this.archiveChunks.push(chunk.length), onProgress);
    await this.gate;
    this.throwFailNext();
    return { ...this.archiveResult };
  }

  async deleteEverything(): Promise<DeletionReceipt> {
    const receipt: DeletionReceipt = {
      portraits: this.portraits.length,
      outputs: this.outputs.length,
      stylePictures: this.stylePictures.length,
      moderationRecords: this.moderationRecords.length,
      consentRecords: this.history.length,
      jobs: this.jobs.length,
      settings: SETTINGS_KEPT,
      cloudRecords: 0,
      cloudAccount: { state: "none" },
      // Each portrait and output has a thumbnail too.
      files: 2 * (this.portraits.length + this.outputs.length) + this.stylePictures.length,
      bytes: this.#fileBytes(),
      deletedAt: new Date().toISOString(),
    };
    this.portraits = [];
    this.outputs = [];
    this.stylePictures = [];
    this.moderationRecords = [];
    this.history = [];
    this.jobs = [];
    this.consent = { adult: false, photoRights: false, faceProcessing: false };
    this.policy = { ...DEFAULT_RETENTION };
    this.youthful = 25;
    return receipt;
  }

  #fileBytes(): number {
    return [...this.portraits, ...this.outputs, ...this.stylePictures].reduce((sum, { bytes }) => sum + bytes, 0);
  }
}

type Stored = { bytes: number; at: string; expiresAt?: string | null };

/** A rule with a period in days, or "until deleted" when the user chose to keep them (`null`). */
function expiring(rule: ExpiryRule, days: number | null): [ExpiryRule, number | null] {
  return days === null ? ["until_deleted", null] : [rule, days];
}

function inventoryItem(
  kind: StoredKind,
  location: string,
  [rule, keptForDays]: [ExpiryRule, number | null],
  stored: Stored[],
): InventoryItem {
  const times = stored.map((s) => s.at).sort();
  const expiries = stored.flatMap((s) => (s.expiresAt ? [s.expiresAt] : [])).sort();
  return {
    kind,
    count: stored.length,
    bytes: stored.reduce((sum, s) => sum + s.bytes, 0),
    oldest: times[0] ?? null,
    newest: times[times.length - 1] ?? null,
    location,
    rule,
    keptForDays,
    nextExpiry: expiries[0] ?? null,
  };
}
