import type { ApiError } from "../bindings/ApiError";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { ModerationReason } from "../bindings/ModerationReason";
import { isMessageId, t } from "../i18n";

// Each error code's words are the message `error.<code>` in the catalogues. The id is built from
// the code's type, so TypeScript fails the build when the backend gains a code without a message.
export function errorMessage(code: ErrorCode): string {
  return t(`error.${code}`);
}

/**
 * What a moderation decision means for the user, with what to do instead, in the current language.
 * `people` fills in how many people were found, for `multiple_people`.
 */
export function moderationMessage(reason: ModerationReason, people: number): string {
  return t(`moderation.${reason}`, { people });
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && isMessageId(`error.${value}`);
}

/** Every failure the UI handles has this shape; anything unexpected becomes `io`. */
export function toApiError(err: unknown): ApiError {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  return { code: isErrorCode(code) ? code : "io" };
}
