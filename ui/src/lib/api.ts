// The only place the UI talks to the Rust backend. Components receive a
// `Backend` through context (see `backend-context.ts`), so tests can hand
// them an in-memory fake instead of Tauri.
import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { ApiError } from "./bindings/ApiError";
import type { AppInfo } from "./bindings/AppInfo";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ImportOutcome } from "./bindings/ImportOutcome";
import type { ImportProgress } from "./bindings/ImportProgress";
import type { Portrait } from "./bindings/Portrait";

export interface Backend {
  listPortraits(): Promise<Portrait[]>;
  importPortrait(name: string, bytes: Uint8Array): Promise<ImportOutcome>;
  deletePortrait(id: number): Promise<void>;
  appInfo(): Promise<AppInfo>;
  /** Resolves to a function that stops listening. */
  onImportProgress(cb: (progress: ImportProgress) => void): Promise<() => void>;
  thumbnailUrl(portrait: Portrait): string;
}

const ERROR_CODES: readonly ErrorCode[] = [
  "empty_file",
  "file_too_large",
  "too_many_pixels",
  "unsupported_format",
  "corrupt_image",
  "truncated_image",
  "not_found",
  "io",
  "database",
  "invalid_input",
];

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ERROR_CODES as readonly string[]).includes(value);
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
};
