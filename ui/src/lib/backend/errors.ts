import type { ApiError } from "../bindings/ApiError";
import type { ErrorCode } from "../bindings/ErrorCode";

// The one list of error codes the UI knows. A Record (not a switch) so TypeScript fails the
// build when the backend gains a code that has no message here.
const MESSAGES: Record<ErrorCode, string> = {
  empty_file: "This file is empty.",
  file_too_large: "This file is larger than 50 MB.",
  too_many_pixels: "This image is larger than 100 megapixels.",
  unsupported_format: "This file isn't a JPEG, PNG or WebP image.",
  corrupt_image: "This image is damaged and can't be opened.",
  truncated_image: "This image file is incomplete — it may not have finished downloading.",
  not_found: "That portrait is no longer in your library.",
  io: "Likeness couldn't read or write a file on this computer.",
  database: "Likeness couldn't read its library database.",
  invalid_input: "Likeness received a request it doesn't understand.",
  consent_required: "Please confirm the consent steps before importing or using portraits.",
  keyring_unavailable:
    "Likeness keeps the key that encrypts your library in your system keyring, and couldn't use it. Unlock or set up your keyring (on Linux, GNOME Keyring or KWallet), then start Likeness again. It won't open your library without it.",
  job_not_found: "That job is no longer in the queue.",
  output_not_found: "That image is no longer in your history.",
  job_not_retryable: "Only a failed or cancelled job can be tried again.",
  portrait_not_accepted: "This portrait hasn't passed the photo checks, so it can't be used.",
  cancelled: "This was cancelled before it finished.",
  interrupted: "This stopped when Likeness closed. Retry to run it again.",
  generation_failed: "The image couldn't be made. Retry, or try other settings.",
  engine_unavailable: "The image engine isn't available on this computer.",
  unsafe_output: "The result didn't pass the safety check, so it was discarded.",
  folder_not_chosen: "Choose the export folder with Change… first.",
  not_exported: "Likeness only shows the files it has just exported.",
  unsafe_style_picture:
    "This picture looks like it may contain nudity or adult content, so it can't be used as a style.",
  moderation_unavailable:
    "Safety checks couldn't run on this computer, so the picture wasn't accepted.",
  archive_invalid: "This file isn't a Likeness archive, or it is damaged.",
  record_in_use: "This record belongs to a portrait still in your library. Delete the portrait first.",
  cloud_off: "Likeness Cloud is off. Turn it on in Settings to use it.",
  cloud_unreachable: "Likeness Cloud can't be reached. Check your internet connection and try again.",
  cloud_timeout: "Likeness Cloud took too long to answer. Try again in a moment.",
  cloud_bad_answer: "Likeness Cloud sent an answer Likeness doesn't understand. Try again later.",
  cloud_server_error: "Likeness Cloud had a problem on its side. Try again later.",
  cloud_refused: "Likeness Cloud refused this request.",
  insufficient_credits: "You don't have enough credits for this. Buy a pack in the Store.",
  bad_link:
    "Likeness didn't use that link. A link back from a checkout works only for a purchase started in this app, and it changes nothing by itself.",
  checkout_failed: "The checkout couldn't be opened or finished. Try again in a moment.",
  framing_beyond_photo: "This framing needs more of you than the photo shows. Choose a closer framing.",
};

export function errorMessage(code: ErrorCode): string {
  return MESSAGES[code];
}

/** A reason the backend gave as an error code (`cloud_unreachable`) in words; other text as it came. */
export function reasonMessage(reason: string): string {
  return isErrorCode(reason) ? MESSAGES[reason] : reason;
}

// Own keys only, so "toString" and friends aren't mistaken for codes.
function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(MESSAGES, value);
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
