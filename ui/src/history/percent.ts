import { locale } from "../lib/i18n";

/** 0.8 → "80%", as the app's language writes a percentage ("80 %" in German and French). */
export function formatPercent(fraction: number): string {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(fraction);
}
