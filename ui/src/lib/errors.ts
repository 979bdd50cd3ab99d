import type { ErrorCode } from "./bindings/ErrorCode";

// A Record (not a switch) so TypeScript fails the build when a new code appears.
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
  consent_required: "Please confirm the consent steps before importing portraits.",
};

export function errorMessage(code: ErrorCode): string {
  return MESSAGES[code];
}
