// What the UI may ask of the Rust backend, one interface per domain. Components receive a
// `Backend` through context (see `context.ts`), so tests can hand them an in-memory fake
// instead of Tauri (`tauri.ts`). They take every backend type from here, never from the
// generated bindings, so a change in the generated shapes is absorbed by this folder.
import type { AppInfo } from "../bindings/AppInfo";
import type { ArchiveImport } from "../bindings/ArchiveImport";
import type { ArchiveSummary } from "../bindings/ArchiveSummary";
import type { Background } from "../bindings/Background";
import type { CloudBalance } from "../bindings/CloudBalance";
import type { CloudChoice } from "../bindings/CloudChoice";
import type { CloudLedgerEntry } from "../bindings/CloudLedgerEntry";
import type { CloudOrder } from "../bindings/CloudOrder";
import type { CloudPack } from "../bindings/CloudPack";
import type { CloudReceipt } from "../bindings/CloudReceipt";
import type { CloudStatus } from "../bindings/CloudStatus";
import type { ConsentAnswers } from "../bindings/ConsentAnswers";
import type { ConsentKind } from "../bindings/ConsentKind";
import type { ConsentRecord } from "../bindings/ConsentRecord";
import type { ConsentStatus } from "../bindings/ConsentStatus";
import type { ConsentWording } from "../bindings/ConsentWording";
import type { DeletionReceipt } from "../bindings/DeletionReceipt";
import type { EngineChoice } from "../bindings/EngineChoice";
import type { ExportRequest } from "../bindings/ExportRequest";
import type { ExportResult } from "../bindings/ExportResult";
import type { FramingFit } from "../bindings/FramingFit";
import type { FramingFits } from "../bindings/FramingFits";
import type { GenerationSettings } from "../bindings/GenerationSettings";
import type { HeadTurn } from "../bindings/HeadTurn";
import type { ImportOutcome } from "../bindings/ImportOutcome";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { Inventory } from "../bindings/Inventory";
import type { Job } from "../bindings/Job";
import type { JobEvent } from "../bindings/JobEvent";
import type { StudioChoices } from "../bindings/StudioChoices";
import type { LinkOutcome } from "../bindings/LinkOutcome";
import type { LocalChoice } from "../bindings/LocalChoice";
import type { ModerationRecordEntry } from "../bindings/ModerationRecordEntry";
import type { Orientation } from "../bindings/Orientation";
import type { Output } from "../bindings/Output";
import type { OutputCursor } from "../bindings/OutputCursor";
import type { OutputFilter } from "../bindings/OutputFilter";
import type { OutputPage } from "../bindings/OutputPage";
import type { Portrait } from "../bindings/Portrait";
import type { RetentionPolicy } from "../bindings/RetentionPolicy";
import type { StoredStylePicture } from "../bindings/StoredStylePicture";
import type { StyleInfo } from "../bindings/StyleInfo";
import type { StylePicture } from "../bindings/StylePicture";
import type { WithdrawOutcome } from "../bindings/WithdrawOutcome";

export type { ApiError } from "../bindings/ApiError";
export type { CloudLedgerKind } from "../bindings/CloudLedgerKind";
export type { CloudOrderState } from "../bindings/CloudOrderState";
export type { CloudReceiptKind } from "../bindings/CloudReceiptKind";
export type { ConfidenceBand } from "../bindings/ConfidenceBand";
export type { EngineName } from "../bindings/EngineName";
export type { ErrorCode } from "../bindings/ErrorCode";
export type { ExpiryRule } from "../bindings/ExpiryRule";
export type { ExportFormat } from "../bindings/ExportFormat";
export type { Facing } from "../bindings/Facing";
export type { Frame } from "../bindings/Frame";
export type { Framing } from "../bindings/Framing";
export type { ImportStage } from "../bindings/ImportStage";
export type { InventoryItem } from "../bindings/InventoryItem";
export type { JobState } from "../bindings/JobState";
export type { ModerationDecision } from "../bindings/ModerationDecision";
export type { ModerationReason } from "../bindings/ModerationReason";
export type { ModerationSummary } from "../bindings/ModerationSummary";
export type { Shortfall } from "../bindings/Shortfall";
export type { SourceCrop } from "../bindings/SourceCrop";
export type { StoredKind } from "../bindings/StoredKind";
export type { StyleChoice } from "../bindings/StyleChoice";
export type { StyleThumbnail } from "../bindings/StyleThumbnail";
export type {
  AppInfo,
  ArchiveImport,
  ArchiveSummary,
  Background,
  CloudBalance,
  CloudChoice,
  CloudLedgerEntry,
  CloudOrder,
  CloudPack,
  CloudReceipt,
  CloudStatus,
  ConsentAnswers,
  ConsentKind,
  ConsentRecord,
  ConsentStatus,
  ConsentWording,
  DeletionReceipt,
  EngineChoice,
  ExportRequest,
  ExportResult,
  FramingFit,
  FramingFits,
  GenerationSettings,
  HeadTurn,
  ImportOutcome,
  ImportProgress,
  LinkOutcome,
  Inventory,
  Job,
  JobEvent,
  LocalChoice,
  ModerationRecordEntry,
  Orientation,
  Output,
  OutputCursor,
  OutputFilter,
  OutputPage,
  Portrait,
  RetentionPolicy,
  StoredStylePicture,
  StyleInfo,
  StudioChoices,
  StylePicture,
  WithdrawOutcome,
};

/** How many times larger an HD upscale is than its preview. */
export type HdFactor = 2 | 4;

/** The portrait library: importing, listing and deleting photos. */
export interface LibraryBackend {
  listPortraits(): Promise<Portrait[]>;
  importPortrait(name: string, bytes: Uint8Array): Promise<ImportOutcome>;
  /** Counts as a use, so its retention period starts again. */
  keepPortrait(id: number): Promise<Portrait>;
  /** How many History images were made from it. */
  portraitImageCount(id: number): Promise<number>;
  /** Without `withImages`, its images stay in History without their before/after. */
  deletePortrait(id: number, withImages: boolean): Promise<void>;
  /** Resolves to a function that stops listening. */
  onImportProgress(cb: (progress: ImportProgress) => void): Promise<() => void>;
  thumbnailUrl(portrait: Portrait): string;
  /** The full-size portrait image (the thumbnail is too small to compare against). */
  imageUrl(portrait: Portrait): string;
}

export interface ConsentBackend {
  consentStatus(): Promise<ConsentStatus>;
  /** `wording` is the exact text the user agreed to. */
  recordConsent(answers: ConsentAnswers, wording: ConsentWording): Promise<ConsentStatus>;
  /** Newest first. */
  consentHistory(): Promise<ConsentRecord[]>;
  /** Records the withdrawal and deletes every portrait and its files. */
  withdrawConsent(): Promise<WithdrawOutcome>;
  /**
   * Withdraws one consent. All three are needed, so this deletes what `withdrawConsent` does:
   * every portrait, every image made from them and every style picture.
   */
  withdrawPurpose(kind: ConsentKind): Promise<WithdrawOutcome>;
}

export interface SettingsBackend {
  appInfo(): Promise<AppInfo>;
  /** The age under which faces are refused as ambiguously youthful. */
  youthfulAge(): Promise<number>;
  /** Raise it for a stricter check; the backend refuses values below 21. */
  setYouthfulAge(years: number): Promise<number>;
}

/** What the Studio needs to start generations: styles and the jobs that make images. */
export interface StudioBackend {
  listStyles(): Promise<StyleInfo[]>;
  /** Each style rendered small from this portrait: style id → image URL. */
  styleThumbnails(portraitId: number): Promise<Map<string, string>>;
  /**
   * Which way the head in the portrait is turned, from the on-device face mesh; `null` when the
   * mesh finds no face. An error (`engine_unavailable` when the model can't run) means unknown.
   */
  portraitFacing(portraitId: number): Promise<HeadTurn | null>;
  /** Every framing's crop on the portrait's photo in this orientation, and which the photo supports. */
  framingFits(portraitId: number, orientation: Orientation): Promise<FramingFits>;
  /** A framing the photo doesn't support is refused with `framing_beyond_photo`. */
  enqueuePreview(portraitId: number, settings: GenerationSettings): Promise<Job>;
  enqueueHd(outputId: number, factor: HdFactor): Promise<Job>;
  /**
   * A picture to paint in the style of. It is not a portrait, but it needs consent and must pass
   * the NSFW check (`unsafe_style_picture`, or `moderation_unavailable` when the check can't run).
   */
  importStylePicture(name: string, bytes: Uint8Array): Promise<StylePicture>;
  /** The choices the Studio was left with (last run too); `null` before the first. */
  studioChoices(): Promise<StudioChoices | null>;
  /** Out-of-range percents or an odd picture give `invalid_input`. */
  setStudioChoices(choices: StudioChoices): Promise<void>;
}

/** The generation queue. */
export interface JobsBackend {
  /** Newest first. */
  listJobs(): Promise<Job[]>;
  cancelJob(id: number): Promise<Job>;
  retryJob(id: number): Promise<Job>;
  /** Resolves to a function that stops listening. */
  onJobEvent(cb: (event: JobEvent) => void): Promise<() => void>;
}

/** The generated images. */
export interface HistoryBackend {
  /** Newest first, one keyset page at a time. */
  listOutputs(filter: OutputFilter): Promise<OutputPage>;
  /** One output by id, e.g. the preview an HD image was made from (`not_found` once deleted). */
  getOutput(id: number): Promise<Output>;
  setFavourite(id: number, favourite: boolean): Promise<Output>;
  deleteOutput(id: number): Promise<void>;
  outputUrl(output: Output): string;
  /** Small enough for grids of thousands. */
  outputThumbnailUrl(output: Output): string;
}

/** Saving generated images out of the vault, only where the user chose. */
export interface ExportBackend {
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
}

/** The privacy centre: what is kept and for how long, and taking it all out or deleting it. */
export interface PrivacyBackend {
  retention(): Promise<RetentionPolicy>;
  /** Applies at once: anything older than a shorter period is deleted now (else `invalid_input`). */
  setRetention(policy: RetentionPolicy): Promise<RetentionPolicy>;
  privacyInventory(): Promise<Inventory>;
  /** Newest first. */
  listModerationRecords(): Promise<ModerationRecordEntry[]>;
  /** One that admitted a portrait still in the library can't be deleted (`record_in_use`). */
  deleteModerationRecord(id: number): Promise<void>;
  listStylePictures(): Promise<StoredStylePicture[]>;
  deleteStylePicture(sha256: string): Promise<void>;
  stylePictureUrl(picture: StoredStylePicture): string;
  /**
   * Saves one archive of everything into `folder`, a folder `pickFolder` returned, or the default
   * export folder for `null`. `showInFolder` may then show the archive.
   */
  exportEverything(folder: string | null): Promise<ArchiveSummary>;
  /** Sends the archive in pieces, so a huge one never sits in memory whole. */
  importArchive(file: File, onProgress?: (sent: number, total: number) => void): Promise<ArchiveImport>;
  /** Every portrait, image, style picture, record, consent answer, job and setting. */
  deleteEverything(): Promise<DeletionReceipt>;
}

/**
 * Likeness Cloud: off until the user turns it on, then credits, their ledger and receipts, buying
 * packs, and running HD on the cloud instead of this computer. A call other than `cloudStatus` or
 * `enableCloud` that needs the server fails with `cloud_off` while it is off.
 */
export interface CloudBackend {
  cloudStatus(): Promise<CloudStatus>;
  /** `wording` is the exact text the user was shown of what leaves this computer. */
  enableCloud(serverUrl: string, wording: ConsentWording): Promise<CloudStatus>;
  /** Stops every cloud call. */
  disableCloud(): Promise<CloudStatus>;
  cloudPacks(): Promise<CloudPack[]>;
  cloudBalance(): Promise<CloudBalance>;
  /** Newest first. */
  cloudLedger(): Promise<CloudLedgerEntry[]>;
  /** Newest first; one whose signature doesn't check out has `valid: false`. */
  cloudReceipts(): Promise<CloudReceipt[]>;
  /**
   * Opens a checkout window and resolves once it is closed, with the order as the server then
   * sees it; only a `paid` one added credits.
   */
  buyPack(packId: string): Promise<CloudOrder>;
  /**
   * Opens the pack's checkout in the system browser and resolves at once with the pending order.
   * The browser comes back through a `likeness://` link (see `onLinkOpened`), or `cloudOrder`
   * asks how it stands.
   */
  buyPackInBrowser(packId: string): Promise<CloudOrder>;
  /** How an order this app started stands, as the server says. */
  cloudOrder(orderId: string): Promise<CloudOrder>;
  /** What the last `likeness://` link did, once; `null` when there is nothing new. */
  takeLinkOutcome(): Promise<LinkOutcome | null>;
  /** A `likeness://` link was handled; `takeLinkOutcome` says how. Resolves to a function that stops listening. */
  onLinkOpened(cb: () => void): Promise<() => void>;
  /** What HD of this output would take here and on the cloud; quoting it spends nothing. */
  hdChoices(outputId: number, factor: HdFactor): Promise<EngineChoice>;
  /** Holds the quote's credits (else `insufficient_credits`) and sends this one image to the cloud. */
  enqueueCloudHd(outputId: number, factor: HdFactor, quoteId: string): Promise<Job>;
}

export interface Backend
  extends LibraryBackend,
    ConsentBackend,
    SettingsBackend,
    StudioBackend,
    JobsBackend,
    HistoryBackend,
    ExportBackend,
    PrivacyBackend,
    CloudBackend {}
