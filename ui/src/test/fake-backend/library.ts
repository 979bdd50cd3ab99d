/**
 * The portrait library: imports succeed unless `failNext` or `rejectNext` is set; identical bytes
 * are duplicates. Set `gate` to a pending promise to hold imports mid-way (at "moderating").
 */
import type { ApiError, ImportOutcome, ImportProgress, ModerationSummary, Portrait } from "../../lib/backend";
import { FakeConsent } from "./consent";
import { makePortrait } from "./factories";
import { hex, vaultUrl } from "./state";

const ACCEPTED: ModerationSummary = {
  decision: "accept",
  reason: "accepted",
  confidence: 0.99,
  faceCount: 1,
  people: 1,
};

export class FakeLibrary extends FakeConsent {
  rejectNext: Omit<ModerationSummary, "decision"> | null = null;
  listError: ApiError | null = null;
  deleted: { id: number; withImages: boolean }[] = [];
  /** Names of the files sent to `importPortrait`, in the order they were sent. */
  importsSent: string[] = [];
  #listeners = new Set<(p: ImportProgress) => void>();
  #nextId = 1;

  async listPortraits(): Promise<Portrait[]> {
    if (this.listError) throw this.listError;
    return [...this.portraits];
  }

  async importPortrait(name: string, bytes: Uint8Array): Promise<ImportOutcome> {
    this.importsSent.push(name);
    if (!this.currentStatus().complete) throw { code: "consent_required" };
    this.throwFailNext();
    const sha256 = hex(bytes);
    const existing = this.portraits.find((p) => p.sha256 === sha256);
    // A photo already in the library is not checked again.
    if (existing) return { portrait: existing, duplicate: true, moderation: null };
    this.#emit({ name, stage: "decoding" });
    this.#emit({ name, stage: "moderating" });
    await this.gate;
    if (this.rejectNext) {
      const moderation: ModerationSummary = { decision: "reject", ...this.rejectNext };
      this.rejectNext = null;
      return { portrait: null, duplicate: false, moderation };
    }
    const now = new Date().toISOString();
    const portrait = makePortrait({
      id: this.#nextId++,
      sha256,
      originalName: name,
      bytes: bytes.length,
      importedAt: now,
      lastUsedAt: now,
      expiresAt: this.expiry(now, this.policy.portraitDays),
    });
    this.portraits.unshift(portrait);
    this.#emit({ name, stage: "done" });
    return { portrait, duplicate: false, moderation: ACCEPTED };
  }

  async keepPortrait(id: number): Promise<Portrait> {
    const now = new Date().toISOString();
    const expiresAt = this.expiry(now, this.policy.portraitDays);
    this.portraits = this.portraits.map((p) => (p.id === id ? { ...p, lastUsedAt: now, expiresAt } : p));
    const portrait = this.portraits.find((p) => p.id === id);
    if (!portrait) throw { code: "not_found" } satisfies ApiError;
    return { ...portrait };
  }

  async portraitImageCount(id: number): Promise<number> {
    return this.outputs.filter((o) => o.portraitId === id).length;
  }

  /** Without `withImages` the images stay, no longer linked to a portrait. */
  async deletePortrait(id: number, withImages: boolean): Promise<void> {
    this.deleted.push({ id, withImages });
    this.portraits = this.portraits.filter((p) => p.id !== id);
    this.outputs = withImages
      ? this.outputs.filter((o) => o.portraitId !== id)
      : this.outputs.map((o) => (o.portraitId === id ? { ...o, portraitId: null } : o));
  }

  async onImportProgress(cb: (p: ImportProgress) => void): Promise<() => void> {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  thumbnailUrl(portrait: Portrait): string {
    return vaultUrl(portrait.thumb);
  }

  imageUrl(portrait: Portrait): string {
    return vaultUrl(portrait.image);
  }

  #emit(progress: ImportProgress): void {
    for (const cb of this.#listeners) cb(progress);
  }
}
