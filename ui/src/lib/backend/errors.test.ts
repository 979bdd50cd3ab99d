import { describe, expect, it } from "vitest";
import { errorMessage, toApiError } from "./errors";
import type { ErrorCode } from "./index";

// Listed by hand so a new backend code also needs a conscious decision here.
const ALL_CODES: ErrorCode[] = [
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
  "consent_required",
  "job_not_found",
  "output_not_found",
  "job_not_retryable",
  "portrait_not_accepted",
  "cancelled",
  "interrupted",
  "generation_failed",
  "engine_unavailable",
  "unsafe_output",
  "folder_not_chosen",
  "not_exported",
  "unsafe_style_picture",
  "moderation_unavailable",
  "archive_invalid",
  "record_in_use",
  "cloud_off",
  "cloud_unreachable",
  "cloud_timeout",
  "cloud_bad_answer",
  "cloud_server_error",
  "cloud_refused",
  "insufficient_credits",
  "checkout_failed",
  "bad_link",
  "framing_beyond_photo",
];

describe("error messages", () => {
  it("gives every error code its own human sentence", () => {
    const messages = ALL_CODES.map(errorMessage);
    for (const message of messages) expect(message).toMatch(/^[A-Z].+\.$/);
    expect(new Set(messages).size).toBe(ALL_CODES.length);
  });

  it("explains format and size problems in plain words", () => {
    expect(errorMessage("unsupported_format")).toBe("This file isn't a JPEG, PNG or WebP image.");
    expect(errorMessage("file_too_large")).toBe("This file is larger than 50 MB.");
    expect(errorMessage("too_many_pixels")).toBe("This image is larger than 100 megapixels.");
    expect(errorMessage("empty_file")).toBe("This file is empty.");
  });

  it("asks for consent when the backend refuses an import or a generation without it", () => {
    expect(errorMessage("consent_required")).toBe(
      "Please confirm the consent steps before importing or using portraits.",
    );
  });

  it("says why a style picture was refused", () => {
    expect(errorMessage("unsafe_style_picture")).toContain("can't be used as a style");
    expect(errorMessage("moderation_unavailable")).toContain("Safety checks couldn't run");
  });
});

describe("toApiError", () => {
  it("keeps a backend error's code", () => {
    expect(toApiError({ code: "corrupt_image" })).toEqual({ code: "corrupt_image" });
  });

  it("turns strings and Errors into io errors", () => {
    expect(toApiError("ipc closed")).toEqual({ code: "io" });
    expect(toApiError(new Error("boom"))).toEqual({ code: "io" });
  });

  it("treats an unknown code as io", () => {
    expect(toApiError({ code: "martian" })).toEqual({ code: "io" });
    expect(toApiError({ code: "toString" })).toEqual({ code: "io" });
  });
});
