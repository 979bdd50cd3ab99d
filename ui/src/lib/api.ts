// The only place the UI talks to the Rust backend. Components receive a
// `Backend` through context (see `backend-context.ts`), so tests can hand
// them an in-memory fake instead of Tauri.
import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { ApiError } from "./bindings/ApiError";
import type { AppInfo } from "./bindings/AppInfo";
import type { ConsentAnswers } from "./bindings/ConsentAnswers";
import type { ConsentRecord } from "./bindings/ConsentRecord";
import type { ConsentStatus } from "./bindings/ConsentStatus";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ImportOutcome } from "./bindings/ImportOutcome";
import type { ImportProgress } from "./bindings/ImportProgress";
import type { Portrait } from "./bindings/Portrait";
import type { WithdrawOutcome } from "./bindings/WithdrawOutcome";

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

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toApiError(err);
  }
}

export const tauriBackend: Backend = {
  listPortraits: () => call(() => invoke<Portrait[]>("list_portraits")),
  // Raw bytes as the request body avoid a JSON number array for large images.
  importPortrait: (name, bytes) =>
    call(() =>
      invoke<ImportOutcome>("import_portrait", bytes, {
        headers: { "x-file-name": encodeURIComponent(name) },
      }),
    ),
  deletePortrait: (id) => call(() => invoke<null>("delete_portrait", { id }).then(() => undefined)),
  appInfo: () => call(() => invoke<AppInfo>("app_info")),
  onImportProgress: (cb) => listen<ImportProgress>("import-progress", (e) => cb(e.payload)),
  thumbnailUrl: (portrait) => convertFileSrc(portrait.thumbPath),
  consentStatus: () => call(() => invoke<ConsentStatus>("consent_status")),
  recordConsent: (answers) => call(() => invoke<ConsentStatus>("record_consent", { answers })),
  consentHistory: () => call(() => invoke<ConsentRecord[]>("consent_history")),
  withdrawConsent: () => call(() => invoke<WithdrawOutcome>("withdraw_consent")),
};
