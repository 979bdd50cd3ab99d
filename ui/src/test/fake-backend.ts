import type { Backend } from "../lib/api";
import type { ApiError } from "../lib/bindings/ApiError";
import type { AppInfo } from "../lib/bindings/AppInfo";
import type { ImportProgress } from "../lib/bindings/ImportProgress";
import type { Portrait } from "../lib/bindings/Portrait";

/**
 * In-memory Backend: imports succeed unless `failNext` is set; identical bytes are duplicates.
 * Set `gate` to a pending promise to hold imports mid-way (after the "decoding" event).
 */
export class FakeBackend implements Backend {
  portraits: Portrait[] = [];
  failNext: ApiError | null = null;
  listError: ApiError | null = null;
  deleted: number[] = [];
  gate: Promise<void> | null = null;
  info: AppInfo = { version: "0.1.0", dataDir: "/home/ada/.local/share/likeness", vaultDir: "/v" };
  #listeners = new Set<(p: ImportProgress) => void>();
  #nextId = 1;

  async listPortraits(): Promise<Portrait[]> {
    if (this.listError) throw this.listError;
    return [...this.portraits];
  }

  async importPortrait(name: string, bytes: Uint8Array): Promise<{ portrait: Portrait; duplicate: boolean }> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    const sha256 = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    const existing = this.portraits.find((p) => p.sha256 === sha256);
    if (existing) return { portrait: existing, duplicate: true };
    this.#emit({ name, stage: "decoding" });
    await this.gate;
    const portrait = makePortrait({ id: this.#nextId++, sha256, originalName: name, bytes: bytes.length });
    this.portraits.unshift(portrait);
    this.#emit({ name, stage: "done" });
    return { portrait, duplicate: false };
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
