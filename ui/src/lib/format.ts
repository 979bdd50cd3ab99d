// Numbers, dates and sizes are written the way the app's current language writes them, unless a
// caller names another locale.
import { locale as appLocale, t } from "./i18n";

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/**
 * 1234567 → "1.2 MB" (decimal units, as macOS and most file managers show them); in French
 * "1,2 Mo", as the language's catalogue names the units.
 */
export function formatBytes(bytes: number, locale: string = appLocale()): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  // Compare the rounded value so 999 999 bytes reads "1.0 MB", not "1000 KB".
  while (unit < UNITS.length - 1 && Number(value.toFixed(decimals(value))) >= 1000) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 ? 0 : decimals(value);
  const number = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return t("format.size", { value: number.format(value), unit: UNITS[unit] });
}

// One decimal below 10 keeps small sizes precise without noisy large numbers.
function decimals(value: number): number {
  return value < 9.95 ? 1 : 0;
}

/** RFC 3339 timestamp → a date in the locale, e.g. "Mar 4, 2025"; "" if unparsable. */
export function formatDate(iso: string, locale: string = appLocale()): string {
  return formatTimestamp(iso, locale, { dateStyle: "medium" });
}

/** RFC 3339 timestamp → local date and time, e.g. "Mar 4, 2025, 11:00 AM"; "" if unparsable. */
export function formatDateTime(iso: string, locale: string = appLocale()): string {
  return formatTimestamp(iso, locale, { dateStyle: "medium", timeStyle: "short" });
}

function formatTimestamp(iso: string, locale: string, options: Intl.DateTimeFormatOptions): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(locale, options);
}

/** 0.7 → "70%"; in French "70 %", in Turkish "%70": as the language writes a percentage. */
export function formatPercent(fraction: number, locale: string = appLocale()): string {
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 }).format(fraction);
}

/** 4000, 3000 → "4000 × 3000". */
export function formatDimensions(width: number, height: number): string {
  return `${width} × ${height}`;
}

// English only, for the pages whose words aren't in the catalogues yet: translated pages count,
// join lists and estimate time with ICU plurals and `Intl` in their messages instead.

/** 1, "image" → "1 image"; 3 → "3 images". */
export function formatCount(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

const DAYS_PER_YEAR = 365;

/** A retention period in days: 30 → "30 days", 1095 → "3 years". */
export function formatPeriod(days: number): string {
  return days % DAYS_PER_YEAR === 0 ? formatCount(days / DAYS_PER_YEAR, "year") : formatCount(days, "day");
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days from `now` until an RFC 3339 time, rounded up: 0 once it has passed or is due today. */
export function daysUntil(iso: string, now = Date.now()): number {
  return Math.max(0, Math.ceil((new Date(iso).getTime() - now) / DAY_MS));
}

/** ["a", "b", "c"] → "a, b and c". */
export function formatList(parts: string[]): string {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/** An estimate in seconds: 20 → "about 20 s", 240 → "about 4 min". */
export function formatAbout(seconds: number): string {
  const whole = Math.max(1, Math.round(seconds));
  return whole < 60 ? `about ${whole} s` : `about ${Math.round(whole / 60)} min`;
}

/** 500, "EUR" → "€5.00" in the locale. */
export function formatMoney(cents: number, currency: string, locale: string = appLocale()): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(cents / 100);
}
