import type {
  ApiError,
  AppInfo,
  ArchiveImport,
  ArchiveSummary,
  Backend,
  ConsentAnswers,
  ConsentKind,
  ConsentRecord,
  ConsentStatus,
  ConsentWording,
  DeletionReceipt,
  ExpiryRule,
  ExportRequest,
  ExportResult,
  GenerationSettings,
  HdFactor,
  ImportOutcome,
  ImportProgress,
  Inventory,
  InventoryItem,
  Job,
  JobEvent,
  ModerationRecordEntry,
  ModerationSummary,
  Output,
  OutputFilter,
  OutputPage,
  Portrait,
  RetentionPolicy,
  StoredKind,
  StoredStylePicture,
  StyleInfo,
  StylePicture,
  WithdrawOutcome,
} from "../lib/backend";
import { sendInChunks } from "../lib/backend/chunks";

export const POLICY_VERSION = "2025-03";

export const DEFAULT_RETENTION: RetentionPolicy = {
  portraitDays: 30,
  outputDays: 90,
  moderationRecordDays: 1095,
  consentRecordDays: 1095,
  jobDays: 90,
};

/** The backend's limits: the most days for each, and whether "keep until I delete" (`null`) is allowed. */
const RETENTION_LIMITS: Record<keyof RetentionPolicy, { max: number; keepable: boolean }> = {
  portraitDays: { max: 30, keepable: true },
  outputDays: { max: 90, keepable: true },
  moderationRecordDays: { max: 1095, keepable: false },
  consentRecordDays: { max: 1095, keepable: false },
  jobDays: { max: 90, keepable: false },
};

/** A vault item's URL, as Tauri's `convertFileSrc(item, "vault")` builds it on Linux and macOS. */
export const vaultUrl = (item: string): string => `vault://localhost/${encodeURIComponent(item)}`;

const DAY_MS = 24 * 60 * 60 * 1000;
const THUMBNAIL_BYTES = 20_000;
/** The age check and the retention periods. */
const SETTINGS_KEPT = 2;

const ANSWER_KEYS: Record<ConsentKind, keyof ConsentAnswers> = {
  adult: "adult",
  photo_rights: "photoRights",
  face_processing: "faceProcessing",
};

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
 * Expiry dates follow `policy` from the real clock. The privacy inventory is counted from what
 * is held here; an archive import answers `archiveResult` (held at `gate` once uploaded), or
 * `failNext`.
 */
export class FakeBackend implements Backend {
  portraits: Portrait[] = [];
  failNext: ApiError | null = null;
  rejectNext: Omit<ModerationSummary, "decision"> | null = null;
  listError: ApiError | null = null;
  statusError: ApiError | null = null;
  deleted: { id: number; withImages: boolean }[] = [];
  gate: Promise<void> | null = null;
  /** Names of the files sent to `importPortrait`, in the order they were sent. */
  importsSent: string[] = [];
  info: AppInfo = { version: "0.1.0", dataDir: "/home/ada/.local/share/likeness", vaultDir: "/v" };
  consent: ConsentAnswers = { adult: false, photoRights: false, faceProcessing: false };
  /** Newest first, like the backend. */
  history: ConsentRecord[] = [];
  /** The wording sent with each `recordConsent`. */
  wordings: ConsentWording[] = [];
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
  /** Names of the files sent to `importStylePicture`. */
  stylePicturesSent: string[] = [];
  stylePictures: StoredStylePicture[] = [];
  /** Newest first, like the backend. */
  moderationRecords: ModerationRecordEntry[] = [];
  policy: RetentionPolicy = { ...DEFAULT_RETENTION };
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
    this.#throwFailNext();
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
    const now = new Date().toISOString();
    const portrait = makePortrait({
      id: this.#nextId++,
      sha256,
      originalName: name,
      bytes: bytes.length,
      importedAt: now,
      lastUsedAt: now,
      expiresAt: this.#expiry(now, this.policy.portraitDays),
    });
    this.portraits.unshift(portrait);
    this.#emit({ name, stage: "done" });
    return { portrait, duplicate: false, moderation: ACCEPTED };
  }

  async keepPortrait(id: number): Promise<Portrait> {
    const now = new Date().toISOString();
    const expiresAt = this.#expiry(now, this.policy.portraitDays);
    this.portraits = this.portraits.map((p) => (p.id === id ? { ...p, lastUsedAt: now, expiresAt } : p));
    const portrait = this.portraits.find((p) => p.id === id);
    if (!portrait) throw { code: "not_found", message: `no portrait ${id}` } satisfies ApiError;
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

  async appInfo(): Promise<AppInfo> {
    return this.info;
  }

  async onImportProgress(cb: (p: ImportProgress) => void): Promise<() => void> {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  thumbnailUrl(portrait: Portrait): string {
    return vaultUrl(portrait.thumb);
  }

  async consentStatus(): Promise<ConsentStatus> {
    if (this.statusError) throw this.statusError;
    return this.#status();
  }

  async recordConsent(answers: ConsentAnswers, wording: ConsentWording): Promise<ConsentStatus> {
    this.wordings.push(wording);
    this.#answer(answers, wording);
    return this.#status();
  }

  async consentHistory(): Promise<ConsentRecord[]> {
    return [...this.history];
  }

  async withdrawConsent(): Promise<WithdrawOutcome> {
    this.#answer({ adult: false, photoRights: false, faceProcessing: false });
    return this.#deleteFaceData();
  }

  async withdrawPurpose(kind: ConsentKind): Promise<WithdrawOutcome> {
    this.consent = { ...this.consent, [ANSWER_KEYS[kind]]: false };
    this.#record(kind, false, null);
    return this.#deleteFaceData();
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
    return new Map(this.styles.map((s) => [s.id, vaultUrl(`style-thumb/${portraitId}/${s.id}`)]));
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
    const expiresAt = (o: Output) => (favourite ? null : this.#expiry(o.createdAt, this.policy.outputDays));
    this.outputs = this.outputs.map((o) => (o.id === id ? { ...o, favourite, expiresAt: expiresAt(o) } : o));
    return { ...this.outputs.find((o) => o.id === id)! };
  }

  async deleteOutput(id: number): Promise<void> {
    this.deletedOutputs.push(id);
    this.outputs = this.outputs.filter((o) => o.id !== id);
  }

  async exportOutputs(request: ExportRequest): Promise<ExportResult> {
    this.exports.push(request);
    const folder = this.#exportFolder(request.folder);
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
    this.stylePicturesSent.push(name);
    const picture = makeStylePicture({ sha256: hex(bytes), bytes: bytes.length, storedAt: new Date().toISOString() });
    this.stylePictures.unshift(picture);
    return { sha256: picture.sha256 };
  }

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
      throw { code: "invalid_input", message: "retention out of range" } satisfies ApiError;
    }
    this.policy = { ...policy };
    const now = new Date().toISOString();
    const current = (expiresAt: string | null) => expiresAt === null || expiresAt > now;
    this.portraits = this.portraits
      .map((p) => ({ ...p, expiresAt: this.#expiry(p.lastUsedAt, policy.portraitDays) }))
      .filter((p) => current(p.expiresAt));
    this.outputs = this.outputs
      .map((o) => ({ ...o, expiresAt: o.favourite ? null : this.#expiry(o.createdAt, policy.outputDays) }))
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
    if (!record) throw { code: "not_found", message: `no record ${id}` } satisfies ApiError;
    if (record.inUse) throw { code: "record_in_use", message: `record ${id} is in use` } satisfies ApiError;
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
    const path = `${this.#exportFolder(folder)}/likeness-archive.zip`;
    this.#exportedFiles.add(path);
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
    this.#throwFailNext();
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

  outputUrl(output: Output): string {
    return vaultUrl(output.image);
  }

  outputThumbnailUrl(output: Output): string {
    return vaultUrl(output.thumb);
  }

  imageUrl(portrait: Portrait): string {
    return vaultUrl(portrait.image);
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

  #throwFailNext(): void {
    const error = this.failNext;
    this.failNext = null;
    if (error) throw error;
  }

  #exportFolder(folder: string | null): string {
    const chosen = folder ?? this.exportFolder;
    if (chosen !== this.exportFolder && !this.#pickedFolders.has(chosen)) {
      throw { code: "folder_not_chosen", message: `${chosen} was not chosen` } satisfies ApiError;
    }
    return chosen;
  }

  #expiry(from: string, days: number | null): string | null {
    return days === null ? null : new Date(Date.parse(from) + days * DAY_MS).toISOString();
  }

  #fileBytes(): number {
    return [...this.portraits, ...this.outputs, ...this.stylePictures].reduce((sum, { bytes }) => sum + bytes, 0);
  }

  /** What withdrawing consent deletes, as the backend does. */
  #deleteFaceData(): WithdrawOutcome {
    const portraitsDeleted = this.portraits.length;
    this.portraits = [];
    this.outputs = [];
    this.stylePictures = [];
    return { portraitsDeleted };
  }

  #status(): ConsentStatus {
    const { adult, photoRights, faceProcessing } = this.consent;
    return { ...this.consent, policyVersion: POLICY_VERSION, complete: adult && photoRights && faceProcessing };
  }

  #answer(answers: ConsentAnswers, wording: ConsentWording | null = null): void {
    this.consent = { ...answers };
    for (const [kind, key] of Object.entries(ANSWER_KEYS) as [ConsentKind, keyof ConsentAnswers][]) {
      this.#record(kind, answers[key], wording);
    }
  }

  #record(kind: ConsentKind, granted: boolean, wording: ConsentWording | null): void {
    this.history.unshift({
      id: this.#nextRecordId++,
      kind,
      granted,
      policyVersion: POLICY_VERSION,
      recordedAt: "2025-03-04T10:00:00Z",
      language: wording?.language ?? null,
      // Stands in for the sha256 of the text: as long, and the same for the same text.
      wordingSha256: wording ? hex(new TextEncoder().encode(wording.text)).slice(0, 64) : null,
    });
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
    lastUsedAt: "2025-03-04T10:00:00Z",
    expiresAt: null,
    image: `portrait/${overrides.id ?? 1}`,
    thumb: `portrait-thumb/${overrides.id ?? 1}`,
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
    expiresAt: null,
    image: `output/${overrides.id ?? 1}`,
    thumb: `output-thumb/${overrides.id ?? 1}`,
    ...overrides,
  };
  const style = output.settings?.style;
  output.styleKey ??= style?.kind === "preset" && style.mix.length === 1 ? style.mix[0][0] : null;
  return output;
}

export function makeModerationRecord(overrides: Partial<ModerationRecordEntry> = {}): ModerationRecordEntry {
  return {
    id: 1,
    decision: "accept",
    reason: "accepted",
    confidenceBand: "high",
    decidedAt: "2026-12-02T10:00:00Z",
    expiresAt: "2029-12-01T10:00:00Z",
    ageLimit: 25,
    inUse: false,
    ...overrides,
  };
}

export function makeStylePicture(overrides: Partial<StoredStylePicture> = {}): StoredStylePicture {
  const sha256 = overrides.sha256 ?? "5a7e".repeat(16);
  return {
    sha256,
    bytes: 350_000,
    storedAt: "2026-11-20T10:00:00Z",
    usedBy: 0,
    image: `style-picture/${sha256}`,
    ...overrides,
  };
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

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function makeFile(name: string, content: string, type = "image/jpeg"): File {
  return new File([content], name, { type });
}
