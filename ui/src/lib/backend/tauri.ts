// The only place the UI talks to Tauri, one part per domain of the `Backend` interface.
import { convertFileSrc, invoke, type InvokeArgs } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { sendInChunks } from "./chunks";
import { COMMANDS, EVENTS, type Command } from "./commands";
import { toApiError } from "./errors";
import type {
  AppInfo,
  ArchiveImport,
  ArchiveSummary,
  Backend,
  CloudBackend,
  CloudBalance,
  CloudLedgerEntry,
  CloudOrder,
  CloudPack,
  CloudReceipt,
  CloudStatus,
  ConsentBackend,
  ConsentRecord,
  ConsentStatus,
  DeletionReceipt,
  EngineChoice,
  ExportBackend,
  ExportResult,
  FramingFits,
  HeadTurn,
  HistoryBackend,
  ImportOutcome,
  ImportProgress,
  Inventory,
  Job,
  JobEvent,
  JobsBackend,
  LinkOutcome,
  LibraryBackend,
  ModerationRecordEntry,
  Output,
  OutputPage,
  Portrait,
  PrivacyBackend,
  RetentionPolicy,
  SettingsBackend,
  StoredStylePicture,
  StyleThumbnail,
  StudioBackend,
  StyleInfo,
  StudioChoices,
  StylePicture,
  WithdrawOutcome,
} from "./index";

/** The URL of a vault item (`portrait/12`), served by the app's `vault:` protocol. */
const vaultUrl = (item: string): string => convertFileSrc(item, "vault");

/** The UI looks style thumbnails up by style id. */
function toStyleThumbnails(thumbnails: StyleThumbnail[]): Map<string, string> {
  return new Map(thumbnails.map(({ styleId, image }) => [styleId, vaultUrl(image)]));
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

// Raw bytes as the request body avoid a JSON number array for large files.
const sendBytes = <T>(command: Command, bytes: Uint8Array, headers: Record<string, string>): Promise<T> =>
  guard(() => invoke<T>(command, bytes, { headers }));

const upload = <T>(command: Command, name: string, bytes: Uint8Array): Promise<T> =>
  sendBytes<T>(command, bytes, { "x-file-name": encodeURIComponent(name) });

/** The archive goes up chunk by chunk into one upload, which `import_archive` then reads. */
async function importArchive(file: File, onProgress?: (sent: number, total: number) => void): Promise<ArchiveImport> {
  const uploadId = await call<string>(COMMANDS.beginArchiveUpload);
  // Each append answers the bytes received so far; `sendInChunks` counts them itself.
  const headers = { "x-upload-id": uploadId };
  const append = (chunk: Uint8Array) => sendBytes<number>(COMMANDS.appendArchiveUpload, chunk, headers);
  await sendInChunks(file, append, onProgress);
  return call<ArchiveImport>(COMMANDS.importArchive, { uploadId });
}

const libraryBackend: LibraryBackend = {
  listPortraits: () => call<Portrait[]>(COMMANDS.listPortraits),
  importPortrait: (name, bytes) => upload<ImportOutcome>(COMMANDS.importPortrait, name, bytes),
  keepPortrait: (id) => call<Portrait>(COMMANDS.keepPortrait, { id }),
  portraitImageCount: (id) => call<number>(COMMANDS.portraitImageCount, { id }),
  deletePortrait: (id, withImages) => callVoid(COMMANDS.deletePortrait, { id, withImages }),
  onImportProgress: (cb) => listen<ImportProgress>(EVENTS.importProgress, (e) => cb(e.payload)),
  thumbnailUrl: (portrait) => vaultUrl(portrait.thumb),
  imageUrl: (portrait) => vaultUrl(portrait.image),
};

const consentBackend: ConsentBackend = {
  consentStatus: () => call<ConsentStatus>(COMMANDS.consentStatus),
  recordConsent: (answers, wording) => call<ConsentStatus>(COMMANDS.recordConsent, { answers, wording }),
  consentHistory: () => call<ConsentRecord[]>(COMMANDS.consentHistory),
  withdrawConsent: () => call<WithdrawOutcome>(COMMANDS.withdrawConsent),
  withdrawPurpose: (kind) => call<WithdrawOutcome>(COMMANDS.withdrawPurpose, { kind }),
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
  portraitFacing: (portraitId) => call<HeadTurn | null>(COMMANDS.portraitFacing, { portraitId }),
  framingFits: (portraitId, orientation) => call<FramingFits>(COMMANDS.framingFits, { portraitId, orientation }),
  enqueuePreview: (portraitId, settings) => call<Job>(COMMANDS.enqueuePreview, { portraitId, settings }),
  enqueueHd: (outputId, factor) => call<Job>(COMMANDS.enqueueHd, { outputId, factor }),
  importStylePicture: (name, bytes) => upload<StylePicture>(COMMANDS.importStylePicture, name, bytes),
  studioChoices: () => call<StudioChoices | null>(COMMANDS.studioChoices),
  setStudioChoices: (choices) => callVoid(COMMANDS.setStudioChoices, { choices }),
};

const jobsBackend: JobsBackend = {
  listJobs: () => call<Job[]>(COMMANDS.listJobs),
  cancelJob: (id) => call<Job>(COMMANDS.cancelJob, { id }),
  retryJob: (id) => call<Job>(COMMANDS.retryJob, { id }),
  onJobEvent: (cb) => listen<JobEvent>(EVENTS.jobEvent, (e) => cb(e.payload)),
};

const historyBackend: HistoryBackend = {
  listOutputs: (filter) => call<OutputPage>(COMMANDS.listOutputs, { filter }),
  getOutput: (id) => call<Output>(COMMANDS.getOutput, { id }),
  setFavourite: (id, favourite) => call<Output>(COMMANDS.setFavourite, { id, favourite }),
  deleteOutput: (id) => callVoid(COMMANDS.deleteOutput, { id }),
  outputUrl: (output) => vaultUrl(output.image),
  outputThumbnailUrl: (output) => vaultUrl(output.thumb),
};

const exportBackend: ExportBackend = {
  exportOutputs: (request) => call<ExportResult>(COMMANDS.exportOutputs, { request }),
  defaultExportFolder: () => call<string>(COMMANDS.defaultExportFolder),
  showInFolder: (file) => callVoid(COMMANDS.showInFolder, { path: file }),
  pickFolder: () => call<string | null>(COMMANDS.pickFolder),
};

const privacyBackend: PrivacyBackend = {
  retention: () => call<RetentionPolicy>(COMMANDS.retention),
  setRetention: (policy) => call<RetentionPolicy>(COMMANDS.setRetention, { policy }),
  privacyInventory: () => call<Inventory>(COMMANDS.privacyInventory),
  listModerationRecords: () => call<ModerationRecordEntry[]>(COMMANDS.listModerationRecords),
  deleteModerationRecord: (id) => callVoid(COMMANDS.deleteModerationRecord, { id }),
  listStylePictures: () => call<StoredStylePicture[]>(COMMANDS.listStylePictures),
  deleteStylePicture: (sha256) => callVoid(COMMANDS.deleteStylePicture, { sha256 }),
  stylePictureUrl: (picture) => vaultUrl(picture.image),
  exportEverything: (folder) => call<ArchiveSummary>(COMMANDS.exportEverything, { folder }),
  importArchive,
  deleteEverything: () => call<DeletionReceipt>(COMMANDS.deleteEverything),
};

const cloudBackend: CloudBackend = {
  cloudStatus: () => call<CloudStatus>(COMMANDS.cloudStatus),
  enableCloud: (serverUrl, wording) => call<CloudStatus>(COMMANDS.enableCloud, { serverUrl, wording }),
  disableCloud: () => call<CloudStatus>(COMMANDS.disableCloud),
  cloudPacks: () => call<CloudPack[]>(COMMANDS.cloudPacks),
  cloudBalance: () => call<CloudBalance>(COMMANDS.cloudBalance),
  cloudLedger: () => call<CloudLedgerEntry[]>(COMMANDS.cloudLedger),
  cloudReceipts: () => call<CloudReceipt[]>(COMMANDS.cloudReceipts),
  buyPack: (packId) => call<CloudOrder>(COMMANDS.buyPack, { packId }),
  buyPackInBrowser: (packId) => call<CloudOrder>(COMMANDS.buyPackInBrowser, { packId }),
  cloudOrder: (orderId) => call<CloudOrder>(COMMANDS.cloudOrder, { orderId }),
  takeLinkOutcome: () => call<LinkOutcome | null>(COMMANDS.takeLinkOutcome),
  onLinkOpened: (cb) => listen(EVENTS.linkOpened, () => cb()),
  hdChoices: (outputId, factor) => call<EngineChoice>(COMMANDS.hdChoices, { outputId, factor }),
  enqueueCloudHd: (outputId, factor, quoteId) => call<Job>(COMMANDS.enqueueCloudHd, { outputId, factor, quoteId }),
};

export const tauriBackend: Backend = {
  ...libraryBackend,
  ...consentBackend,
  ...settingsBackend,
  ...studioBackend,
  ...jobsBackend,
  ...historyBackend,
  ...exportBackend,
  ...privacyBackend,
  ...cloudBackend,
};
