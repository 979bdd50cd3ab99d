// The only place the UI talks to the Rust backend. Components receive a
// `Backend` through context (see `backend-context.ts`), so tests can hand
// them an in-memory fake instead of Tauri.
import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { StylePicture } from "./bindings/StylePicture";
import type { ApiError } from "./bindings/ApiError";
import type { AppInfo } from "./bindings/AppInfo";
import type { ConsentAnswers } from "./bindings/ConsentAnswers";
import type { ConsentRecord } from "./bindings/ConsentRecord";
import type { ConsentStatus } from "./bindings/ConsentStatus";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ExportRequest } from "./bindings/ExportRequest";
import type { ExportResult } from "./bindings/ExportResult";
import type { GenerationSettings } from "./bindings/GenerationSettings";
import type { ImportOutcome } from "./bindings/ImportOutcome";
import type { ImportProgress } from "./bindings/ImportProgress";
import type { Job } from "./bindings/Job";
import type { JobEvent } from "./bindings/JobEvent";
import type { Output as StoredOutput } from "./bindings/Output";
import type { OutputCursor } from "./bindings/OutputCursor";
import type { OutputFilter } from "./bindings/OutputFilter";
import type { OutputPage as StoredOutputPage } from "./bindings/OutputPage";
import type { Portrait } from "./bindings/Portrait";
import type { StyleInfo } from "./bindings/StyleInfo";
import type { WithdrawOutcome } from "./bindings/WithdrawOutcome";

// Studio and History components take these types from here, never from the bindings, so a
// change in the generated shapes is absorbed by this module.
export type { ExportFormat } from "./bindings/ExportFormat";
export type { Framing } from "./bindings/Framing";
export type { JobState } from "./bindings/JobState";
export type { Orientation } from "./bindings/Orientation";
export type { StyleChoice } from "./bindings/StyleChoice";
export type { ExportRequest, ExportResult, GenerationSettings, Job, JobEvent, OutputCursor, OutputFilter, StyleInfo };

/** How many times larger an HD upscale is than its preview. */
export type HdFactor = 2 | 4;

/** A generated image, with the settings that made it read from the stored JSON. */
export type Output = Omit<StoredOutput, "settingsJson"> & {
  /** `null` when the stored settings aren't in the Studio's shape (an engine's own). */
  settings: GenerationSettings | null;
  /** How much an HD image was upscaled; `null` for a preview. */
  hdFactor: number | null;
  /** The part of the portrait photo it was cut from, to line the original up with it. */
  sourceCrop: SourceCrop | null;
};

/** A rectangle of the portrait photo, in its pixels (it may reach past the photo). */
export type SourceCrop = { x: number; y: number; w: number; h: number; photoWidth: number; photoHeight: number };

function isSourceCrop(value: unknown): value is SourceCrop {
  if (typeof value !== "object" || value === null) return false;
  const crop = value as Record<string, unknown>;
  return ["x", "y", "w", "h", "photoWidth", "photoHeight"].every((k) => typeof crop[k] === "number");
}

export type OutputPage = { outputs: Output[]; next: OutputCursor | null };

export interface Backend {
  listPortraits(): Promise<Portrait[]>;
  importPortrait(name: string, bytes: Uint8Array): Promise<ImportOutcome>;
  deletePortrait(id: number): Promise<void>;
  appInfo(): Promise<AppInfo>;
  /** Resolves to a function that stops listening. */
  onImportProgress(cb: (progress: ImportProgress) => void): Promise<() => void>;
  thumbnailUrl(portrait: Portrait): string;
  consentStatus(): Promise<ConsentStatus>;
  recordConsent(answers: ConsentAnswers): Promise<ConsentStatus>;
  /** Newest first. */
  consentHistory(): Promise<ConsentRecord[]>;
  /** Records the withdrawal and deletes every portrait and its files. */
  withdrawConsent(): Promise<WithdrawOutcome>;
  /** The age under which faces are refused as ambiguously youthful. */
  youthfulAge(): Promise<number>;
  /** Raise it for a stricter check; the backend refuses values below 21. */
  setYouthfulAge(years: number): Promise<number>;

  listStyles(): Promise<StyleInfo[]>;
  /** Each style rendered small from this portrait: style id → image URL. */
  styleThumbnails(portraitId: number): Promise<Map<string, string>>;
  enqueuePreview(portraitId: number, settings: GenerationSettings): Promise<Job>;
  enqueueHd(outputId: number, factor: HdFactor): Promise<Job>;
  /** Newest first. */
  listJobs(): Promise<Job[]>;
  cancelJob(id: number): Promise<Job>;
  retryJob(id: number): Promise<Job>;
  /** Resolves to a function that stops listening. */
  onJobEvent(cb: (event: JobEvent) => void): Promise<() => void>;
  /** Newest first, one keyset page at a time. */
  listOutputs(filter: OutputFilter): Promise<OutputPage>;
  setFavourite(id: number, favourite: boolean): Promise<Output>;
  deleteOutput(id: number): Promise<void>;
  /**
   * Saves into `request.folder`, which must be a folder `pickFolder` returned (else
   * `folder_not_chosen`), or `null` for the default folder.
   */
  exportOutputs(request: ExportRequest): Promise<ExportResult>;
  defaultExportFolder(): Promise<string>;
  /**
   * Opens the system file manager with this file selected. Only a file in an `ExportResult`
   * of this run is shown (else `not_exported`); one deleted since gives `not_found`.
   */
  showInFolder(file: string): Promise<void>;
  /** The native folder dialog; `null` when the user cancels. Exports may then go there. */
  pickFolder(): Promise<string | null>;
  /**
   * A picture to paint in the style of. It is not a portrait, but it needs consent and must pass
   * the NSFW check (`unsafe_style_picture`, or `moderation_unavailable` when the check can't run).
   */
  importStylePicture(name: string, bytes: Uint8Array): Promise<StylePicture>;
  outputUrl(output: Output): string;
  /** Small enough for grids of thousands. */
  outputThumbnailUrl(output: Output): string;
  /** The full-size portrait image (the thumbnail is too small to compare against). */
  imageUrl(portrait: Portrait): string;
}

// A Record so TypeScript fails the build when a new code appears and isn't listed.
const ERROR_CODES: Record<ErrorCode, true> = {
  empty_file: true,
  file_too_large: true,
  too_many_pixels: true,
  unsupported_format: true,
  corrupt_image: true,
  truncated_image: true,
  not_found: true,
  io: true,
  database: true,
  invalid_input: true,
  consent_required: true,
  job_not_found: true,
  output_not_found: true,
  job_not_retryable: true,
  portrait_not_accepted: true,
  cancelled: true,
  interrupted: true,
  generation_failed: true,
  engine_unavailable: true,
  unsafe_output: true,
  folder_not_chosen: true,
  not_exported: true,
  unsafe_style_picture: true,
  moderation_unavailable: true,
};

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** Every failure the UI handles has this shape; anything unexpected becomes `io`. */
export function toApiError(err: unknown): ApiError {
  if (typeof err === "object" && err !== null) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    if (isErrorCode(code)) return { code, message: typeof message === "string" ? message : "" };
    if (typeof message === "string") return { code: "io", message };
  }
  return { code: "io", message: String(err) };
}

/**
 * Reads an output's stored settings. They are the `GenerationSettings` the preview was enqueued
 * with; an HD job stores its source's settings plus `hdFactor`.
 */
export function toOutput({ settingsJson, ...stored }: StoredOutput): Output {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(settingsJson);
  } catch {
    // Unreadable settings only hide the detail view's settings list.
  }
  const value = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const settings = "framing" in value && "style" in value ? (value as GenerationSettings) : null;
  const hdFactor = typeof value.hdFactor === "number" ? value.hdFactor : null;
  const sourceCrop = isSourceCrop(value.sourceCrop) ? value.sourceCrop : null;
  return { ...stored, settings, hdFactor, sourceCrop };
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toApiError(err);
  }
}

/** For commands that return nothing (`null` from Rust). */
const callVoid = (command: string, args: Record<string, unknown>): Promise<void> =>
  call(() => invoke<null>(command, args).then(() => undefined));

// Raw bytes as the request body avoid a JSON number array for large images.
const upload = <T>(command: string, name: string, bytes: Uint8Array): Promise<T> =>
  call(() => invoke<T>(command, bytes, { headers: { "x-file-name": encodeURIComponent(name) } }));

export const tauriBackend: Backend = {
  listPortraits: () => call(() => invoke<Portrait[]>("list_portraits")),
  importPortrait: (name, bytes) => upload<ImportOutcome>("import_portrait", name, bytes),
  deletePortrait: (id) => callVoid("delete_portrait", { id }),
  appInfo: () => call(() => invoke<AppInfo>("app_info")),
  onImportProgress: (cb) => listen<ImportProgress>("import-progress", (e) => cb(e.payload)),
  thumbnailUrl: (portrait) => convertFileSrc(portrait.thumbPath),
  consentStatus: () => call(() => invoke<ConsentStatus>("consent_status")),
  recordConsent: (answers) => call(() => invoke<ConsentStatus>("record_consent", { answers })),
  consentHistory: () => call(() => invoke<ConsentRecord[]>("consent_history")),
  withdrawConsent: () => call(() => invoke<WithdrawOutcome>("withdraw_consent")),
  youthfulAge: () => call(() => invoke<number>("youthful_age")),
  setYouthfulAge: (years) => call(() => invoke<number>("set_youthful_age", { years })),

  listStyles: () => call(() => invoke<StyleInfo[]>("list_styles")),
  styleThumbnails: async (portraitId) => {
    const pairs = await call(() => invoke<[string, string][]>("style_thumbnails", { portraitId }));
    return new Map(pairs.map(([styleId, path]) => [styleId, convertFileSrc(path)]));
  },
  enqueuePreview: (portraitId, settings) => call(() => invoke<Job>("enqueue_preview", { portraitId, settings })),
  enqueueHd: (outputId, factor) => call(() => invoke<Job>("enqueue_hd", { outputId, factor })),
  listJobs: () => call(() => invoke<Job[]>("list_jobs")),
  cancelJob: (id) => call(() => invoke<Job>("cancel_job", { id })),
  retryJob: (id) => call(() => invoke<Job>("retry_job", { id })),
  onJobEvent: (cb) => listen<JobEvent>("job-event", (e) => cb(e.payload)),
  listOutputs: async (filter) => {
    const page = await call(() => invoke<StoredOutputPage>("list_outputs", { filter }));
    return { outputs: page.outputs.map(toOutput), next: page.next };
  },
  setFavourite: (id, favourite) =>
    call(() => invoke<StoredOutput>("set_favourite", { id, favourite })).then(toOutput),
  deleteOutput: (id) => callVoid("delete_output", { id }),
  exportOutputs: (request) => call(() => invoke<ExportResult>("export_outputs", { request })),
  defaultExportFolder: () => call(() => invoke<string>("default_export_folder")),
  showInFolder: (file) => callVoid("show_in_folder", { path: file }),
  pickFolder: () => call(() => invoke<string | null>("pick_folder")),
  importStylePicture: (name, bytes) => upload<StylePicture>("import_style_picture", name, bytes),
  outputUrl: (output) => convertFileSrc(output.imagePath),
  outputThumbnailUrl: (output) => convertFileSrc(output.thumbPath),
  imageUrl: (portrait) => convertFileSrc(portrait.imagePath),
};
