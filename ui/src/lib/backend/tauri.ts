// The only place the UI talks to Tauri, one part per domain of the `Backend` interface.
import { convertFileSrc, invoke, type InvokeArgs } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { COMMANDS, EVENTS, type Command } from "./commands";
import { toApiError } from "./errors";
import type {
  AppInfo,
  Backend,
  ConsentBackend,
  ConsentRecord,
  ConsentStatus,
  ExportBackend,
  ExportResult,
  HistoryBackend,
  ImportOutcome,
  ImportProgress,
  Job,
  JobEvent,
  JobsBackend,
  LibraryBackend,
  Output,
  OutputPage,
  Portrait,
  SettingsBackend,
  StyleThumbnail,
  StudioBackend,
  StyleInfo,
  StylePicture,
  WithdrawOutcome,
} from "./index";

/** The UI looks style thumbnails up by style id. */
function toStyleThumbnails(thumbnails: StyleThumbnail[]): Map<string, string> {
  return new Map(thumbnails.map(({ styleId, path }) => [styleId, convertFileSrc(path)]));
}

// Every rejection becomes an `ApiError`, whatever went wrong.
async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toApiError(err);
  }
}

const call = <T>(command: Command, args?: InvokeArgs): Promise<T> => guard(() => invoke<T>(command, args));

/** For commands that return nothing (`null` from Rust). */
const callVoid = (command: Command, args: InvokeArgs): Promise<void> =>
  call<null>(command, args).then(() => undefined);

// Raw bytes as the request body avoid a JSON number array for large images.
const upload = <T>(command: Command, name: string, bytes: Uint8Array): Promise<T> =>
  guard(() => invoke<T>(command, bytes, { headers: { "x-file-name": encodeURIComponent(name) } }));

const libraryBackend: LibraryBackend = {
  listPortraits: () => call<Portrait[]>(COMMANDS.listPortraits),
  importPortrait: (name, bytes) => upload<ImportOutcome>(COMMANDS.importPortrait, name, bytes),
  deletePortrait: (id) => callVoid(COMMANDS.deletePortrait, { id }),
  onImportProgress: (cb) => listen<ImportProgress>(EVENTS.importProgress, (e) => cb(e.payload)),
  thumbnailUrl: (portrait) => convertFileSrc(portrait.thumbPath),
  imageUrl: (portrait) => convertFileSrc(portrait.imagePath),
};

const consentBackend: ConsentBackend = {
  consentStatus: () => call<ConsentStatus>(COMMANDS.consentStatus),
  recordConsent: (answers) => call<ConsentStatus>(COMMANDS.recordConsent, { answers }),
  consentHistory: () => call<ConsentRecord[]>(COMMANDS.consentHistory),
  withdrawConsent: () => call<WithdrawOutcome>(COMMANDS.withdrawConsent),
};

const settingsBackend: SettingsBackend = {
  appInfo: () => call<AppInfo>(COMMANDS.appInfo),
  youthfulAge: () => call<number>(COMMANDS.youthfulAge),
  setYouthfulAge: (years) => call<number>(COMMANDS.setYouthfulAge, { years }),
};

const studioBackend: StudioBackend = {
  listStyles: () => call<StyleInfo[]>(COMMANDS.listStyles),
  styleThumbnails: (portraitId) =>
    call<StyleThumbnail[]>(COMMANDS.styleThumbnails, { portraitId }).then(toStyleThumbnails),
  enqueuePreview: (portraitId, settings) => call<Job>(COMMANDS.enqueuePreview, { portraitId, settings }),
  enqueueHd: (outputId, factor) => call<Job>(COMMANDS.enqueueHd, { outputId, factor }),
  importStylePicture: (name, bytes) => upload<StylePicture>(COMMANDS.importStylePicture, name, bytes),
};

const jobsBackend: JobsBackend = {
  listJobs: () => call<Job[]>(COMMANDS.listJobs),
  cancelJob: (id) => call<Job>(COMMANDS.cancelJob, { id }),
  retryJob: (id) => call<Job>(COMMANDS.retryJob, { id }),
  onJobEvent: (cb) => listen<JobEvent>(EVENTS.jobEvent, (e) => cb(e.payload)),
};

const historyBackend: HistoryBackend = {
  listOutputs: (filter) => call<OutputPage>(COMMANDS.listOutputs, { filter }),
  setFavourite: (id, favourite) => call<Output>(COMMANDS.setFavourite, { id, favourite }),
  deleteOutput: (id) => callVoid(COMMANDS.deleteOutput, { id }),
  outputUrl: (output) => convertFileSrc(output.imagePath),
  outputThumbnailUrl: (output) => convertFileSrc(output.thumbPath),
};

const exportBackend: ExportBackend = {
  exportOutputs: (request) => call<ExportResult>(COMMANDS.exportOutputs, { request }),
  defaultExportFolder: () => call<string>(COMMANDS.defaultExportFolder),
  showInFolder: (file) => callVoid(COMMANDS.showInFolder, { path: file }),
  pickFolder: () => call<string | null>(COMMANDS.pickFolder),
};

export const tauriBackend: Backend = {
  ...libraryBackend,
  ...consentBackend,
  ...settingsBackend,
  ...studioBackend,
  ...jobsBackend,
  ...historyBackend,
  ...exportBackend,
};
