import { describe, expect, it } from "vitest";
import {
  daysUntil,
  formatBytes,
  formatCount,
  formatDate,
  formatDateTime,
  formatDimensions,
  formatDuration,
  formatList,
  formatMoney,
  formatPercent,
  formatPeriod,
} from "./format";

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

  it("counts things with the right plural", () => {
    expect(formatCount(1, "image")).toBe("1 image");
    expect(formatCount(0, "image")).toBe("0 images");
    expect(formatCount(3, "style picture")).toBe("3 style pictures");
  });

  it("shows retention periods in days, or years when they are whole years", () => {
    expect(formatPeriod(1)).toBe("1 day");
    expect(formatPeriod(30)).toBe("30 days");
    expect(formatPeriod(365)).toBe("1 year");
    expect(formatPeriod(1095)).toBe("3 years");
  });

  it("counts the days left until a deletion, rounding up and never below zero", () => {
    const now = Date.parse("2026-12-02T10:00:00Z");
    expect(daysUntil("2026-12-05T10:00:00Z", now)).toBe(3);
    expect(daysUntil("2026-12-02T11:00:00Z", now)).toBe(1);
    expect(daysUntil("2026-12-01T10:00:00Z", now)).toBe(0);
  });

  it("joins a list the way a sentence would", () => {
    expect(formatList([])).toBe("");
    expect(formatList(["3 portraits"])).toBe("3 portraits");
    expect(formatList(["3 portraits", "12 images", "2 style pictures"])).toBe(
      "3 portraits, 12 images and 2 style pictures",
    );
  });

  it("rounds a length of time to seconds under a minute and to minutes above, in the language's units", () => {
    expect(formatDuration(20, "en")).toBe("20 sec");
    expect(formatDuration(59.4, "en")).toBe("59 sec");
    expect(formatDuration(60, "en")).toBe("1 min");
    expect(formatDuration(240, "en")).toBe("4 min");
    expect(formatDuration(0, "en")).toBe("1 sec");
    expect(formatDuration(240, "de")).toBe("4 Min.");
    expect(formatDuration(20, "ja")).toBe("20 秒");
  });

  it("writes a share as a percentage the language's way", () => {
    expect(formatPercent(0.7, "en")).toBe("70%");
    expect(formatPercent(0.7, "fr")).toMatch(/^70\s%$/); // a no-break space, narrow or not, as ICU has it
  });

  it("shows a price in cents as money in its currency", () => {
    expect(formatMoney(500, "EUR", "en-US")).toBe("€5.00");
    expect(formatMoney(1999, "USD", "en-US")).toBe("$19.99");
  });
});
