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

/** Two RFC 3339 timestamps → the dates between, e.g. "Nov 1 – 3, 2026"; one date if both are that day. */
export function formatDateRange(fromIso: string, toIso: string, locale: string = appLocale()): string {
  const [from, to] = [new Date(fromIso), new Date(toIso)];
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return "";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).formatRange(from, to);
}

function formatTimestamp(iso: string, locale: string, options: Intl.DateTimeFormatOptions): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(locale, options);
}

/** ["a", "b", "c"] → "a, b, and c"; in German "a, b und c". */
export function formatList(parts: string[], locale: string = appLocale()): string {
  return new Intl.ListFormat(locale, { type: "conjunction" }).format(parts);
}

/** 4000, 3000 → "4000 × 3000". */
export function formatDimensions(width: number, height: number): string {
  return `${width} × ${height}`;
}

/** A length of time, in seconds under a minute and whole minutes above: 20 → "20 sec", 240 → "4 min". */
export function formatDuration(seconds: number, locale: string = appLocale()): string {
  const whole = Math.max(1, Math.round(seconds));
  const [value, unit] = whole < 60 ? [whole, "second"] : [Math.round(whole / 60), "minute"];
  return new Intl.NumberFormat(locale, { style: "unit", unit, unitDisplay: "short" }).format(value);
}

/** A share from 0 to 1 as a percentage: 0.7 → "70%", in French "70 %". */
export function formatPercent(share: number, locale: string = appLocale()): string {
  return new Intl.NumberFormat(locale, { style: "percent" }).format(share);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days from `now` until an RFC 3339 time, rounded up: 0 once it has passed or is due today. */
export function daysUntil(iso: string, now = Date.now()): number {
  return Math.max(0, Math.ceil((new Date(iso).getTime() - now) / DAY_MS));
}

/** 500, "EUR" → "€5.00" in the locale. */
export function formatMoney(cents: number, currency: string, locale: string = appLocale()): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(cents / 100);
}
