/**
 * What the fake backend holds, as the real one keeps it in its database and vault. Every domain
 * reads and changes the same records (withdrawing consent deletes portraits, deleting a portrait
 * touches outputs), so they live here, under all of the domain classes, with the helpers that
 * more than one domain needs.
 */
import type {
  ApiError,
  AppInfo,
  ConsentAnswers,
  ConsentRecord,
  Job,
  ModerationRecordEntry,
  Output,
  Portrait,
  RetentionPolicy,
  StoredStylePicture,
  StyleInfo,
} from "../../lib/backend";
import { makeStyles } from "./factories";

export const DEFAULT_RETENTION: RetentionPolicy = {
  portraitDays: 30,
  outputDays: 90,
  moderationRecordDays: 1095,
  consentRecordDays: 1095,
  jobDays: 90,
};

/** A vault item's URL, as Tauri's `convertFileSrc(item, "vault")` builds it on Linux and macOS. */
export const vaultUrl = (item: string): string => `vault://localhost/${encodeURIComponent(item)}`;

const DAY_MS = 24 * 60 * 60 * 1000;

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Expiry dates follow `policy` from the real clock. */
export class FakeState {
  portraits: Portrait[] = [];
  failNext: ApiError | null = null;
  gate: Promise<void> | null = null;
  info: AppInfo = { version: "0.1.0", dataDir: "/home/ada/.local/share/likeness", vaultDir: "/v" };
  consent: ConsentAnswers = { adult: false, photoRights: false, faceProcessing: false };
  /** Newest first, like the backend. */
  history: ConsentRecord[] = [];
  styles: StyleInfo[] = makeStyles();
  /** Newest first, like the backend. */
  jobs: Job[] = [];
  /** Newest first, like the backend. */
  outputs: Output[] = [];
  stylePictures: StoredStylePicture[] = [];
  /** Newest first, like the backend. */
  moderationRecords: ModerationRecordEntry[] = [];
  policy: RetentionPolicy = { ...DEFAULT_RETENTION };
  youthful = 25;

  async appInfo(): Promise<AppInfo> {
    return this.info;
  }

  protected throwFailNext(): void {
    const error = this.failNext;
    this.failNext = null;
    if (error) throw error;
  }

  protected expiry(from: string, days: number | null): string | null {
    return days === null ? null : new Date(Date.parse(from) + days * DAY_MS).toISOString();
  }
}
