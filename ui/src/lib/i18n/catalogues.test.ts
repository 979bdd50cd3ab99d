import { createIntl, createIntlCache } from "@formatjs/intl";
import { describe, expect, it } from "vitest";
import { CATALOGUES } from "./catalogues";
import { LOCALES } from "./locales";

const english = CATALOGUES.en as Record<string, string>;
const TRANSLATIONS = LOCALES.filter((locale) => locale !== "en");

// Parsed message parts, as FormatJS hands them out (`@formatjs/icu-messageformat-parser`'s TYPE).
type Part = { type: number; value?: unknown; options?: Record<string, { value: Part[] }>; children?: Part[] };
const LITERAL = 0;
const NUMBER = 2;
const SELECT = 5;
const PLURAL = 6;
const POUND = 7;
const TAG = 8;

const cache = createIntlCache();
function ast(message: string, locale: string): Part[] {
  const intl = createIntl({ locale, messages: CATALOGUES.en }, cache);
  return intl.formatters.getMessageFormat(message, locale).getAst() as Part[];
}

/** Each `{placeholder}` a message uses, however deep, with its kind ("plural", "select"…). */
function placeholders(parts: Part[], found = new Map<string, number>()): Map<string, number> {
  for (const part of parts) {
    if (part.type !== LITERAL && part.type !== POUND && typeof part.value === "string") {
      found.set(part.value, part.type);
    }
    for (const option of Object.values(part.options ?? {})) placeholders(option.value, found);
    if (part.type === TAG) placeholders(part.children ?? [], found);
  }
  return found;
}

/**
 * The placeholders whose value the reader sees: plain, number and date ones, and plurals that show
 * their `#`. A plural or select that only picks the grammar ("it" or "them") may be left out by a
 * language that doesn't need it; one the reader sees may not.
 */
function shown(parts: Part[], found = new Set<string>()): Set<string> {
  for (const part of parts) {
    if (part.type === PLURAL || part.type === SELECT) {
      const options = Object.values(part.options ?? {}).map((option) => option.value);
      if (part.type === PLURAL && options.some(hasPound)) found.add(part.value as string);
      for (const option of options) shown(option, found);
    } else if (part.type === TAG) {
      shown(part.children ?? [], found);
    } else if (part.type !== LITERAL && part.type !== POUND) {
      found.add(part.value as string);
    }
  }
  return found;
}

// A `#` that belongs to this plural, not to one nested in it.
function hasPound(parts: Part[]): boolean {
  return parts.some(
    (part) =>
      part.type === POUND ||
      (part.type === SELECT && Object.values(part.options ?? {}).some((option) => hasPound(option.value))) ||
      (part.type === TAG && hasPound(part.children ?? [])),
  );
}

/** A value of the right kind for each placeholder, to format every message once. */
function sampleValues(message: string): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const [name, type] of placeholders(ast(message, "en"))) {
    values[name] = type === PLURAL || type === NUMBER ? 3 : type === SELECT ? "other" : "x";
  }
  return values;
}

describe("message catalogues", () => {
  it.each(TRANSLATIONS)("%s has every message English has, and none that English doesn't", (locale) => {
    const ids = Object.keys(CATALOGUES[locale]);
    const missing = Object.keys(english).filter((id) => !ids.includes(id));
    const extra = ids.filter((id) => !(id in english));

    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it.each(TRANSLATIONS)("%s shows every value English shows, and uses no placeholder English lacks", (locale) => {
    const translated = CATALOGUES[locale] as Record<string, string>;
    const wrong = Object.keys(english).flatMap((id) => {
      const source = ast(english[id], "en");
      const target = ast(translated[id], locale);
      const lost = [...shown(source)].filter((name) => !shown(target).has(name));
      const unknown = [...placeholders(target).keys()].filter((name) => !placeholders(source).has(name));
      return lost.length || unknown.length ? [{ id, lost, unknown }] : [];
    });

    expect(wrong).toEqual([]);
  });

  it.each(LOCALES)("%s formats every message without an error", (locale) => {
    const errors: string[] = [];
    const intl = createIntl({ locale, messages: CATALOGUES[locale], onError: (err) => errors.push(err.message) }, cache);

    for (const id of Object.keys(english)) {
      const text = intl.formatMessage({ id: id as keyof typeof CATALOGUES.en }, sampleValues(english[id]));
      expect(text.trim(), id).not.toBe("");
    }
    expect(errors).toEqual([]);
  });

  it.each(TRANSLATIONS)("%s is translated, not left in English", (locale) => {
    const translated = CATALOGUES[locale] as Record<string, string>;
    const untranslated = Object.keys(english).filter(
      (id) => translated[id] === english[id] && !SAME_EVERYWHERE.includes(id) && !SAME_IN[locale]?.includes(id),
    );

    expect(untranslated).toEqual([]);
  });
});

// Messages that read the same in every language: the product's name, unit symbols, and ones
// with no words at all.
const SAME_EVERYWHERE = [
  "cloud.heading",
  "format.size",
  "import.failed",
  "import.rejectedName",
  "history.badge.hd",
  "history.term.hd",
  "studio.hdFactor",
  "studio.recent.describe",
  "studio.recent.describeHd",
  "privacy.notice.rule",
  "privacy.twoSentences",
];

// Words that are the same in another language.
const SAME_IN: Partial<Record<(typeof LOCALES)[number], string[]>> = {
  fr: [
    "nav.studio",
    "settings.version",
    "history.filter.portrait",
    "history.style",
    "history.term.orientation",
    "history.badge.cloud",
    "history.export.format",
    "store.column.signature",
    "studio.portrait",
    "studio.portraits",
    "studio.orientation.portrait",
    "studio.style",
    "studio.recent.image",
    "privacy.kind.portraits",
    "privacy.count.portraits",
    "privacy.count.outputs",
  ],
  de: [
    "nav.studio",
    "library.sort.name",
    "settings.theme.system",
    "settings.version",
    "cloud.status",
    "cloud.server",
    "history.badge.cloud",
    "history.export.format",
    "store.column.credits",
    "privacy.consent.column.status",
  ],
  // Keyboard keys are named as printed on them.
  ja: ["studio.generate.shortcut"],
  ko: ["studio.generate.shortcut"],
  "zh-Hant": ["studio.generate.shortcut"],
  "zh-Hans": ["studio.generate.shortcut"],
};
