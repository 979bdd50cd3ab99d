// The app's languages, how each is named, and which one a list of OS language tags picks.

/** The languages the app speaks, in the order Settings lists them. English is the fallback. */
export const LOCALES = ["en", "es", "fr", "de", "ko", "ja", "zh-Hant", "zh-Hans"] as const;

export type Locale = (typeof LOCALES)[number];

export const FALLBACK_LOCALE: Locale = "en";

/** Each language named in itself, so anyone can find their own whatever is on screen. */
export const LANGUAGE_NAMES: Record<Locale, string> = {
  en: "English",
  es: "Español",
  fr: "Français",
  de: "Deutsch",
  ko: "한국어",
  ja: "日本語",
  "zh-Hant": "繁體中文",
  "zh-Hans": "简体中文",
};

// Regions that write Chinese in traditional characters; any other Chinese is simplified.
const TRADITIONAL_REGIONS = new Set(["tw", "hk", "mo"]);

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/**
 * The first of the user's preferred language tags (BCP 47, e.g. `navigator.languages`) that the
 * app speaks: `zh-TW`, `zh-HK` and `zh-Hant-*` read Traditional Chinese, other Chinese Simplified,
 * every other language goes by its prefix (`de-AT` → `de`). English when none matches.
 */
export function matchLocale(tags: readonly string[]): Locale {
  for (const tag of tags) {
    const found = localeOf(tag);
    if (found) return found;
  }
  return FALLBACK_LOCALE;
}

function localeOf(tag: string): Locale | null {
  const [language, ...rest] = tag.trim().toLowerCase().replace(/_/g, "-").split("-");
  if (language === "zh") {
    if (rest.includes("hant")) return "zh-Hant";
    if (rest.includes("hans")) return "zh-Hans";
    return rest.some((part) => TRADITIONAL_REGIONS.has(part)) ? "zh-Hant" : "zh-Hans";
  }
  return LOCALES.find((locale) => locale === language) ?? null;
}
