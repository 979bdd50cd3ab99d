import { describe, expect, it } from "vitest";
import { formatBytes, formatDate, formatDateTime, formatDimensions } from "./format";

describe("format helpers", () => {
  it("shows file sizes in friendly units", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1234)).toBe("1.2 KB");
    expect(formatBytes(1_234_567)).toBe("1.2 MB");
    expect(formatBytes(48_000_000)).toBe("48 MB");
    expect(formatBytes(999_999)).toBe("1.0 MB");
  });

  it("shows an import timestamp as a date in the given locale", () => {
    expect(formatDate("2025-03-04T10:00:00Z", "en-US")).toBe("Mar 4, 2025");
    expect(formatDate("not a date")).toBe("");
  });

  it("shows a consent timestamp as a local date and time", () => {
    // The hour depends on the machine's time zone, so only its shape is fixed.
    expect(formatDateTime("2025-03-04T12:00:00Z", "en-US")).toMatch(/^Mar [3-5], 2025, \d{1,2}:00\s[AP]M$/);
    expect(formatDateTime("not a date")).toBe("");
  });

  it("shows pixel dimensions as width × height", () => {
    expect(formatDimensions(4000, 3000)).toBe("4000 × 3000");
  });
});
