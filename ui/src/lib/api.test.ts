import { describe, expect, it } from "vitest";
import { toApiError } from "./api";

describe("toApiError", () => {
  it("keeps a backend error as it is", () => {
    expect(toApiError({ code: "corrupt_image", message: "bad huffman" })).toEqual({
      code: "corrupt_image",
      message: "bad huffman",
    });
  });

  it("turns strings and Errors into io errors", () => {
    expect(toApiError("ipc closed")).toEqual({ code: "io", message: "ipc closed" });
    expect(toApiError(new Error("boom"))).toEqual({ code: "io", message: "boom" });
  });

  it("treats an unknown code as io", () => {
    expect(toApiError({ code: "martian", message: "?" })).toEqual({ code: "io", message: "?" });
    expect(toApiError({ code: "toString", message: "?" })).toEqual({ code: "io", message: "?" });
  });
});
