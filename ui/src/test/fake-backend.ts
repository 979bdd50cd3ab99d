import type {
  ApiError,
  AppInfo,
  Backend,
  ConsentAnswers,
  ConsentKind,
  ConsentRecord,
  ConsentStatus,
  ExportRequest,
  ExportResult,
  GenerationSettings,
  HdFactor,
  ImportOutcome,
  ImportProgress,
  Job,
  JobEvent,
  ModerationSummary,
  Output,
  OutputFilter,
  OutputPage,
  Portrait,
  StyleInfo,
  StylePicture,
  WithdrawOutcome,
} from "../lib/backend";

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
 * Jobs stay queued until a test moves them on with `emitJob`, as the real queue's events would.
 * `outputs` hold the UI's parsed shape; `listOutputs` pages them like the backend's keyset.
 * Exports go only into `exportFolder` or a folder `pickFolder` returned, and only files an
 * export returned can be shown in their folder, as the backend enforces.
 */
export class FakeBackend implements Backend {
  portraits: Portrait[] = [];
  failNext: ApiError | null = null;
  rejectNext: Omit<ModerationSummary, "decision"> | null = null;
  listError: ApiError | null = null;
  statusError: ApiError | null = null;
  deleted: number[] = [];
  gate: Promise<void> | null = null;
  /** Names of the files sent to `importPortrait`, in the order they were sent. */
  importsSent: string[] = [];
  info: AppInfo = { version: "0.1.0", dataDir: "/home/ada/.local/share/likeness", vaultDir: "/v" };
  consent: ConsentAnswers = { adult: false, photoRights: false, faceProcessing: false };
  /** Newest first, like the backend. */
  history: ConsentRecord[] = [];
  styles: StyleInfo[] = makeStyles();
  /** Newest first, like the backend. */
  jobs: Job[] = [];
  /** Newest first, like the backend. */
  outputs: Output[] = [];
  enqueued: { portraitId: number; settings: GenerationSettings }[] = [];
  upscaled: { outputId: number; factor: HdFactor }[] = [];
  cancelled: number[] = [];
  retried: number[] = [];
  outputFilters: OutputFilter[] = [];
  deletedOutputs: number[] = [];
  exports: ExportRequest[] = [];
  shownInFolder: string[] = [];
  stylePictures: string[] = [];
  exportFolder = "/home/ada/Pictures/Likeness";
  /** What the folder dialog answers; `null` is Cancel. */
  pickedFolder: string | null = null;
  // Like the backend: exports only into the default or a picked folder, reveals only exported files.
  #pickedFolders = new Set<string>();
  #exportedFiles = new Set<string>();
  #listeners = new Set<(p: ImportProgress) => void>();
  #jobListeners = new Set<(e: JobEvent) => void>();
  #nextId = 1;
  #nextRecordId = 1;
  #nextJobId = 1;

  youthful = 25;

  constructor({ consented = true } = {}) {
    if (consented) this.#answer({ adult: true, photoRights: true, faceProcessing: true });
  }

  async listPortraits(): Promise<Portrait[]> {
    if (this.listError) throw this.listError;
    return [...this.portraits];
  }

  async importPortrait(name: string, bytes: Uint8Array): Promise<ImportOutcome> {
    this.importsSent.push(name);
    if (!this.#status().complete) throw { code: "consent_required", message: "no consent" };
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    const sha256 = hex(bytes);
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

  async youthfulAge(): Promise<number> {
    return this.youthful;
  }

  async setYouthfulAge(years: number): Promise<number> {
    if (!(years >= 21)) {
      throw { code: "invalid_input", message: "The youthful-age threshold must be at least 21 years." };
    }
    return (this.youthful = years);
  }

  async listStyles(): Promise<StyleInfo[]> {
    return [...this.styles];
  }

  async styleThumbnails(portraitId: number): Promise<Map<string, string>> {
    return new Map(this.styles.map((s) => [s.id, `asset://localhost/styles/${portraitId}/${s.id}.webp`]));
  }

  async enqueuePreview(portraitId: number, settings: GenerationSettings): Promise<Job> {
    this.enqueued.push({ portraitId, settings });
    return this.#addJob(portraitId, "preview");
  }

  async enqueueHd(outputId: number, factor: HdFactor): Promise<Job> {
    this.upscaled.push({ outputId, factor });
    const source = this.outputs.find((o) => o.id === outputId);
    return this.#addJob(source?.portraitId ?? null, "hd");
  }

  // Copies, so the UI's live updates never reach this record of what the backend did.
  async listJobs(): Promise<Job[]> {
    return this.jobs.map((job) => ({ ...job }));
  }

  async cancelJob(id: number): Promise<Job> {
    this.cancelled.push(id);
    return this.#updateJob(id, { state: "cancelled", error: { code: "cancelled", message: "cancelled by the user" } });
  }

  async retryJob(id: number): Promise<Job> {
    this.retried.push(id);
    return this.#updateJob(id, { state: "queued", progress: 0, error: null });
  }

  async onJobEvent(cb: (event: JobEvent) => void): Promise<() => void> {
    this.#jobListeners.add(cb);
    return () => this.#jobListeners.delete(cb);
  }

  /** Moves a job on and sends its `job-event`. */
  emitJob(event: JobEvent): void {
    const { jobId, ...changes } = event;
    this.#updateJob(jobId, changes);
    for (const cb of this.#jobListeners) cb({ ...event });
  }

  async listOutputs(filter: OutputFilter): Promise<OutputPage> {
    this.outputFilters.push(filter);
    const { after } = filter;
    const matches = this.outputs.filter(
      (o) =>
        (filter.portraitId === null || o.portraitId === filter.portraitId) &&
        (filter.styleKey === null || o.styleKey === filter.styleKey) &&
        (!filter.favouritesOnly || o.favourite) &&
        (filter.since === null || o.createdAt >= filter.since) &&
        (filter.until === null || o.createdAt < filter.until) &&
        (after === null || o.createdAt < after.createdAt || (o.createdAt === after.createdAt && o.id < after.id)),
    );
    const outputs = matches.slice(0, filter.limit);
    const last = outputs[outputs.length - 1];
    const more = matches.length > outputs.length;
    return { outputs, next: more && last ? { createdAt: last.createdAt, id: last.id } : null };
  }

  async setFavourite(id: number, favourite: boolean): Promise<Output> {
    this.outputs = this.outputs.map((o) => (o.id === id ? { ...o, favourite } : o));
    return { ...this.outputs.find((o) => o.id === id)! };
  }

  async deleteOutput(id: number): Promise<void> {
    this.deletedOutputs.push(id);
    this.outputs = this.outputs.filter((o) => o.id !== id);
  }

  async exportOutputs(request: ExportRequest): Promise<ExportResult> {
    this.exports.push(request);
    const folder = request.folder ?? this.exportFolder;
    if (folder !== this.exportFolder && !this.#pickedFolders.has(folder)) {
      throw { code: "folder_not_chosen", message: `${folder} was not chosen` } satisfies ApiError;
    }
    const extension = request.format === "jpeg" ? "jpg" : request.format;
    const files = request.outputIds.map((id) => `${folder}/likeness-${id}.${extension}`);
    for (const file of files) this.#exportedFiles.add(file);
    return { folder, files };
  }

  async defaultExportFolder(): Promise<string> {
    return this.exportFolder;
  }

  async showInFolder(file: string): Promise<void> {
    if (!this.#exportedFiles.has(file)) {
      throw { code: "not_exported", message: `${file} was not exported` } satisfies ApiError;
    }
    this.shownInFolder.push(file);
  }

  async pickFolder(): Promise<string | null> {
    if (this.pickedFolder !== null) this.#pickedFolders.add(this.pickedFolder);
    return this.pickedFolder;
  }

  async importStylePicture(name: string, bytes: Uint8Array): Promise<StylePicture> {
    this.stylePictures.push(name);
    return { sha256: hex(bytes) };
  }

  outputUrl(output: Output): string {
    return `asset://localhost/${output.imagePath}`;
  }

  outputThumbnailUrl(output: Output): string {
    return `asset://localhost/${output.thumbPath}`;
  }

  imageUrl(portrait: Portrait): string {
    return `asset://localhost/${portrait.imagePath}`;
  }

  #addJob(portraitId: number | null, kind: Job["kind"]): Job {
    const job = makeJob({ id: this.#nextJobId++, portraitId, kind });
    this.jobs.unshift(job);
    return { ...job };
  }

  #updateJob(id: number, changes: Partial<Job>): Job {
    const job = this.jobs.find((j) => j.id === id);
    if (!job) throw { code: "job_not_found", message: `no job ${id}` };
    Object.assign(job, changes);
    return { ...job };
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

const STYLE_NAMES = [
  "Impressionism", "Watercolour", "Oil portrait", "Pastel", "Charcoal", "Ink wash", "Gouache",
  "Fresco", "Pointillism", "Art nouveau", "Baroque", "Rococo", "Pre-Raphaelite", "Fauvism",
  "Expressionism", "Cubism", "Pop art", "Ukiyo-e", "Tempera", "Renaissance", "Romanticism",
  "Art deco", "Sumi-e", "Egg tempera", "Encaustic", "Silverpoint",
];

/** The 26 built-in styles: "Watercolour" has the id "watercolour". */
function makeStyles(): StyleInfo[] {
  return STYLE_NAMES.map((name) => ({ id: name.toLowerCase().replace(/[^a-z]+/g, "_"), name }));
}

export function makeJob(overrides: Partial<Job> = {}): Job {
  return {
    id: 1,
    portraitId: 1,
    kind: "preview",
    settingsJson: "{}",
    state: "queued",
    progress: 0,
    error: null,
    attempts: 0,
    createdAt: "2025-03-04T10:00:00Z",
    startedAt: null,
    finishedAt: null,
    parentOutputId: null,
    ...overrides,
  };
}

/** An output in the UI's shape; its `styleKey` follows a single preset style. */
export function makeOutput(overrides: Partial<Output> = {}): Output {
  const output: Output = {
    id: 1,
    jobId: 1,
    portraitId: 1,
    sha256: "cd34",
    format: "webp",
    width: 512,
    height: 640,
    bytes: 245_000,
    settings: {
      framing: "shoulders",
      orientation: "4:5",
      style: { kind: "preset", mix: [["impressionism", 1]] },
      strength: 0.8,
      seed: 1234,
    },
    sourceCrop: null,
    styleKey: null,
    engine: "likeness-paint 0.1",
    modelHashes: {},
    seed: 1234,
    favourite: false,
    createdAt: "2025-03-04T10:00:00Z",
    imagePath: `/vault/outputs/${overrides.id ?? 1}.webp`,
    thumbPath: `/vault/outputs/${overrides.id ?? 1}.thumb.webp`,
    ...overrides,
  };
  const style = output.settings?.style;
  output.styleKey ??= style?.kind === "preset" && style.mix.length === 1 ? style.mix[0][0] : null;
  return output;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function makeFile(name: string, content: string, type = "image/jpeg"): File {
  return new File([content], name, { type });
}
