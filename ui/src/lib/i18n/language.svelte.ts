// The language the app speaks now, and the messages in it. `t` reads reactive state, so every
// template, `$derived` and effect that calls it follows a change of language at once, with no
// restart; `<html lang>` follows too, which picks the fonts and line breaking for the script.
import { createIntl, createIntlCache, type IntlShape } from "@formatjs/intl";
import { CATALOGUES, type MessageId } from "./catalogues";
import { FALLBACK_LOCALE, isLocale, matchLocale, type Locale } from "./locales";

/** What the user chose in Settings: a language, or whatever the system's is. */
export type LanguageChoice = Locale | "system";

/** A value put into a message's `{placeholder}`. */
export type MessageValue = string | number | Date;

const STORAGE_KEY = "likeness.language";

const current = $state({ locale: FALLBACK_LOCALE as Locale });

// One formatter per language, made when first needed; they share FormatJS's cache of Intl objects.
const cache = createIntlCache();
const intls = new Map<Locale, IntlShape>();

function intl(locale: Locale): IntlShape {
  let shape = intls.get(locale);
  if (!shape) {
    shape = createIntl({ locale, defaultLocale: FALLBACK_LOCALE, messages: CATALOGUES[locale] }, cache);
    intls.set(locale, shape);
  }
  return shape;
}

/** The language on screen, as a BCP 47 tag (`"ja"`, `"zh-Hant"`); also what `Intl` formats with. */
export function locale(): Locale {
  return current.locale;
}

/** The message `id` in the current language, with its `{placeholders}` filled in. */
export function t(id: MessageId, values?: Record<string, MessageValue>): string {
  return intl(current.locale).formatMessage({ id }, values);
}

/**
 * The message `id` split where `{slot}` goes, for wrapping that part in markup of its own:
 * `"Deleted on {date}"` → `["Deleted on ", ""]`, and in Japanese `"{date}に削除"` → `["", "に削除"]`.
 */
export function tAround(id: MessageId, slot: string, values: Record<string, MessageValue> = {}): [string, string] {
  const marker = "\uE000"; // a private-use character no message contains
  const text = t(id, { ...values, [slot]: marker });
  const at = text.indexOf(marker);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + marker.length)];
}

/** The system's language, from the webview's list of preferred languages; English if none fits. */
export function systemLocale(): Locale {
  const tags = navigator.languages?.length ? navigator.languages : [navigator.language];
  return matchLocale(tags.filter(Boolean));
}

/** The saved choice; the system's language until the user picks one. */
export function loadLanguage(): LanguageChoice {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    return isLocale(saved) ? saved : "system";
  } catch {
    return "system"; // storage can be unavailable; the system's language is a safe default
  }
}

/** Shows the app in the chosen language from now on; nothing needs to reload. */
export function applyLanguage(choice: LanguageChoice): void {
  current.locale = choice === "system" ? systemLocale() : choice;
  document.documentElement.lang = current.locale;
}

export function saveLanguage(choice: LanguageChoice): void {
  try {
    if (choice === "system") localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, choice);
  } catch {
    // Not persisted, but still applied for this session.
  }
  applyLanguage(choice);
}

/** While the app follows the system, a change of the system's language changes the app's too. */
export function followSystemLanguage(): () => void {
  const onchange = () => {
    if (loadLanguage() === "system") applyLanguage("system");
  };
  window.addEventListener("languagechange", onchange);
  return () => window.removeEventListener("languagechange", onchange);
}
