import type { Backend } from "../lib/api";
import type { ApiError } from "../lib/bindings/ApiError";
import type { AppInfo } from "../lib/bindings/AppInfo";
import type { ConsentAnswers } from "../lib/bindings/ConsentAnswers";
import type { ConsentKind } from "../lib/bindings/ConsentKind";
import type { ConsentRecord } from "../lib/bindings/ConsentRecord";
import type { ConsentStatus } from "../lib/bindings/ConsentStatus";
import type { ImportOutcome } from "../lib/bindings/ImportOutcome";
import type { ImportProgress } from "../lib/bindings/ImportProgress";
import type { ModerationSummary } from "../lib/bindings/ModerationSummary";
import type { Portrait } from "../lib/bindings/Portrait";
import type { WithdrawOutcome } from "../lib/bindings/WithdrawOutcome";

export const POLICY_VERSION = "2025-03";

const ACCEPTED: ModerationSummary = {
  decision: "accept",
  reason: "accepted",
  message: "",
  confidence: 0.99,
  faceCount: 1,
};

/**
 * In-memory Backend: imports succeed unless `failNext` or `rejectNext` is set; identical bytes
 * are duplicates. Set `gate` to a pending promise to hold imports mid-way (at "moderating").
 * Consent is already given unless constructed with `{ consented: false }` (a first run).
 */
export class FakeBackend implements Backend {
  portraits: Portrait[] = [];
  failNext: ApiError | null = null;
  rejectNext: Omit<ModerationSummary, "decision"> | null = null;
  listError: ApiError | null = null;
  statusError: ApiError | null = null;
  deleted: number[] = [];
  gate: Promise<void> | null = null;
  info: AppInfo = { version: "0.1.0", dataDir: "/home/ada/.local/share/likeness", vaultDir: "/v" };
  consent: ConsentAnswers = { adult: false, photoRights: false, faceProcessing: false };
  /** Newest first, like the backend. */
  history: ConsentRecord[] = [];
  #listeners = new Set<(p: ImportProgress) => void>();
  #nextId = 1;
  #nextRecordId = 1;

  constructor({ consented = true } = {}) {
    if (consented) this.#answer({ adult: true, photoRights: true, faceProcessing: true });
  }

  async listPortraits(): Promise<Portrait[]> {
    if (this.listError) throw this.listError;
    return [...this.portraits];
  }

  async importPortrait(name: string, bytes: Uint8Array): Promise<ImportOutcome> {
    if (!this.#status().complete) throw { code: "consent_required", message: "no consent" };
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    const sha256 = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    const existing = this.portraits.find((p) => p.sha256 === sha256);
    if (existing) return { portrait: existing, duplicate: true, moderation: ACCEPTED };
    this.#emit({ name, stage: "decoding" });
    this.#emit({ name, stage: "moderating" });
    await this.gate;
    if (this.rejectNext) {
      const moderation: ModerationSummary = { decision: "reject", ...this.rejectNext };
      this.rejectNext = null;
      return { portrait: null, duplicate: false, moderation };
    }
    const portrait = makePortrait({ id: this.#nextId++, sha256, originalName: name, bytes: bytes.length });
    this.portraits.unshift(portrait);
    this.#emit({ name, stage: "done" });
    return { portrait, duplicate: false, moderation: ACCEPTED };
  }

  async deletePortrait(id: number): Promise<void> {
    this.deleted.push(id);
    this.portraits = this.portraits.filter((p) => p.id !== id);
  }

  async appInfo(): Promise<AppInfo> {
    return this.info;
  }

  async onImportProgress(cb: (p: ImportProgress) => void): Promise<() => void> {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  thumbnailUrl(portrait: Portrait): string {
    return `asset://localhost/${portrait.thumbPath}`;
  }

  async consentStatus(): Promise<ConsentStatus> {
    if (this.statusError) throw this.statusError;
    return this.#status();
  }

  async recordConsent(answers: ConsentAnswers): Promise<ConsentStatus> {
    this.#answer(answers);
    return this.#status();
  }

  async consentHistory(): Promise<ConsentRecord[]> {
    return [...this.history];
  }

  async withdrawConsent(): Promise<WithdrawOutcome> {
    this.#answer({ adult: false, photoRights: false, faceProcessing: false });
    const portraitsDeleted = this.portraits.length;
    this.portraits = [];
    return { portraitsDeleted };
  }

  #status(): ConsentStatus {
    const { adult, photoRights, faceProcessing } = this.consent;
    return { ...this.consent, policyVersion: POLICY_VERSION, complete: adult && photoRights && faceProcessing };
  }

  #answer(answers: ConsentAnswers): void {
    this.consent = { ...answers };
    const kinds: [ConsentKind, boolean][] = [
      ["adult", answers.adult],
      ["photo_rights", answers.photoRights],
      ["face_processing", answers.faceProcessing],
    ];
    for (const [kind, granted] of kinds) {
      this.history.unshift({
        id: this.#nextRecordId++,
        kind,
        granted,
        policyVersion: POLICY_VERSION,
        recordedAt: "2025-03-04T10:00:00Z",
      });
    }
  }

  #emit(progress: ImportProgress): void {
    for (const cb of this.#listeners) cb(progress);
  }
}

export function makePortrait(overrides: Partial<Portrait> = {}): Portrait {
  return {
    id: 1,
    sha256: "ab12",
    originalName: "ada.jpg",
    format: "jpeg",
    width: 1200,
    height: 1600,
    bytes: 1_234_567,
    importedAt: "2025-03-04T10:00:00Z",
    imagePath: "/vault/ab12.jpg",
    thumbPath: "/vault/ab12.thumb.webp",
    ...overrides,
  };
}

export function makeFile(name: string, content: string, type = "image/jpeg"): File {
  return new File([content], name, { type });
}
