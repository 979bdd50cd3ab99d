import { describe, expect, it } from "vitest";
import {
  daysUntil,
  formatBytes,
  formatDate,
  formatDateRange,
  formatDateTime,
  formatDimensions,
  formatDuration,
  formatList,
  formatMoney,
  formatPercent,
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

  it("shows two timestamps as a range of dates in the given locale, or one date for one day", () => {
    // Intl puts thin spaces around the dash.
    expect(formatDateRange("2026-11-01T10:00:00Z", "2026-11-03T10:00:00Z", "en-US")).toBe("Nov 1\u2009–\u20093, 2026");
    expect(formatDateRange("2026-11-01T10:00:00Z", "2026-11-03T10:00:00Z", "de")).toBe("01.–03.11.2026");
    expect(formatDateRange("2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z", "en-US")).toBe("Nov 1, 2026");
    expect(formatDateRange("2026-11-01T10:00:00Z", "not a date")).toBe("");
  });

  it("shows a consent timestamp as a local date and time", () => {
    // The hour depends on the machine's time zone, so only its shape is fixed.
    expect(formatDateTime("2025-03-04T12:00:00Z", "en-US")).toMatch(/^Mar [3-5], 2025, \d{1,2}:00\s[AP]M$/);
    expect(formatDateTime("not a date")).toBe("");
  });

  it("shows pixel dimensions as width × height", () => {
    expect(formatDimensions(4000, 3000)).toBe("4000 × 3000");
  });

  it("counts the days left until a deletion, rounding up and never below zero", () => {
    const now = Date.parse("2026-12-02T10:00:00Z");
    expect(daysUntil("2026-12-05T10:00:00Z", now)).toBe(3);
    expect(daysUntil("2026-12-02T11:00:00Z", now)).toBe(1);
    expect(daysUntil("2026-12-01T10:00:00Z", now)).toBe(0);
  });

  it("joins a list the way the language writes one", () => {
    expect(formatList([])).toBe("");
    expect(formatList(["3 portraits"])).toBe("3 portraits");
    expect(formatList(["3 portraits", "12 images", "2 style pictures"], "en-US")).toBe(
      "3 portraits, 12 images, and 2 style pictures",
    );
    expect(formatList(["3 Porträts", "12 Bilder", "2 Stilbilder"], "de")).toBe("3 Porträts, 12 Bilder und 2 Stilbilder");
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
