import { toApiError } from "../lib/backend/errors";
import { t } from "../lib/i18n";
import type { Announcement } from "../shell/LiveRegion.svelte";
import type {
  ApiError,
  Backend,
  ImportOutcome,
  ImportProgress,
  ImportStage,
  ModerationSummary,
  Portrait,
} from "../lib/backend";

/** Same limit the backend enforces; checked here so huge files are never read into memory. */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;

export type ImportFailure = { name: string; error: ApiError };
export type ImportRejection = { name: string; moderation: ModerationSummary };

type Current = { index: number; total: number; name: string; stage: ImportStage | null };

/**
 * Imports files in order, one shown at a time. Files added while a batch runs join that batch,
 * so "Importing 2 of 5" stays truthful however the files arrive.
 */
export class Importer {
  current = $state<Current | null>(null);
  failures = $state<ImportFailure[]>([]);
  duplicates = $state<string[]>([]);
  rejections = $state<ImportRejection[]>([]);
  /** For screen readers: a batch starting, then how it ended; never each file's stages. */
  news = $state<Announcement | null>(null);

  #backend: Backend;
  #onImported: (portrait: Portrait) => void;
  #onBatchDone: () => void;
  #queue: File[] = [];
  #total = 0;
  #finished = 0;
  /** Of this batch's files, those that became portraits, and those refused, failed or already there. */
  #added = 0;
  #notAdded = 0;

  constructor(backend: Backend, onImported: (p: Portrait) => void, onBatchDone: () => void) {
    this.#backend = backend;
    this.#onImported = onImported;
    this.#onBatchDone = onBatchDone;
  }

  add(files: File[]): void {
    if (files.length === 0) return;
    const idle = this.#queue.length === 0 && this.current === null;
    if (idle) this.dismiss(); // notices from the previous batch no longer apply
    this.#queue.push(...files);
    this.#total += files.length;
    if (this.current) this.current.total = this.#total;
    if (idle) {
      this.news = { text: t("a11y.import.started", { count: files.length }) };
      void this.#run();
    }
  }

  /** Stage updates from the backend's `import-progress` events. */
  progress(event: ImportProgress): void {
    if (this.current && this.current.name === event.name) this.current.stage = event.stage;
  }

  dismiss(): void {
    this.failures = [];
    this.duplicates = [];
    this.rejections = [];
  }

  /**
   * One file in flight ahead of the one being shown: the backend decodes the next file while it
   * checks this one, so a batch takes less than its files one by one. Results are taken in order.
   */
  async #run(): Promise<void> {
    let file = this.#queue.shift();
    let sent = file ? this.#send(file) : null;
    while (file && sent) {
      this.current = { index: this.#finished + 1, total: this.#total, name: file.name, stage: null };
      const [shown, result] = [file, sent];
      file = this.#queue.shift();
      sent = file ? this.#send(file) : null;
      this.#record(shown, await result);
      this.#finished++;
    }
    this.current = null;
    this.news = { text: this.#summary() };
    this.#total = 0;
    this.#finished = 0;
    this.#added = 0;
    this.#notAdded = 0;
    this.#onBatchDone();
  }

  async #send(file: File): Promise<ImportOutcome | ApiError> {
    if (file.size > MAX_IMPORT_BYTES) return { code: "file_too_large" };
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      return await this.#backend.importPortrait(file.name, bytes);
    } catch (err) {
      return toApiError(err);
    }
  }

  #record(file: File, result: ImportOutcome | ApiError): void {
    if ("code" in result) this.failures.push({ name: file.name, error: result });
    else if (result.moderation?.decision === "reject") {
      this.rejections.push({ name: file.name, moderation: result.moderation });
    } else if (result.duplicate) this.duplicates.push(file.name);
    else if (result.portrait) {
      this.#added++;
      this.#onImported(result.portrait);
      return;
    }
    this.#notAdded++;
  }

  /** The notices say which files weren't added and why; this only counts. */
  #summary(): string {
    const added = this.#added;
    if (this.#notAdded === 0) return t("a11y.import.done", { added });
    return t("a11y.import.doneSome", { added, notAdded: this.#notAdded });
  }
}
