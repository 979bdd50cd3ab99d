// Every language's messages, one ICU MessageFormat catalogue each, bundled so that a switch needs
// no loading. Each part of the app keeps its messages in a folder of its own,
// `messages/<part>/<locale>.json`; a language's catalogue is all its parts together. English
// defines the message ids: `t()` with an id English lacks is a type error in `npm run check`, and
// the catalogue tests fail when a language lacks one of English's ids or has one English doesn't.
import type common from "./messages/common/en.json";
import type history from "./messages/history/en.json";
import type privacy from "./messages/privacy/en.json";
import type store from "./messages/store/en.json";
import type studio from "./messages/studio/en.json";
import { LOCALES, type Locale } from "./locales";

/** The id of a message, e.g. `"nav.library"`; only ids English defines exist. */
export type MessageId = keyof typeof common | keyof typeof studio | keyof typeof history | keyof typeof store | keyof typeof privacy;

export type Catalogue = Record<MessageId, string>;

const FILES = import.meta.glob<Record<string, string>>("./messages/*/*.json", { eager: true, import: "default" });

/** One language's messages from every part's file (a file a language lacks adds nothing, and the tests say so). */
function catalogue(locale: Locale): Catalogue {
  const messages: Record<string, string> = {};
  for (const [path, part] of Object.entries(FILES)) {
    if (path.endsWith(`/${locale}.json`)) Object.assign(messages, part);
  }
  return messages as Catalogue;
}

/**
 * Whether English defines `id`, for ids built from what the backend sends (an error code, a style
 * id). Own keys only, so "toString" and friends aren't taken for ids.
 */
export function isMessageId(id: string): id is MessageId {
  return Object.prototype.hasOwnProperty.call(CATALOGUES.en, id);
}

export const CATALOGUES = Object.fromEntries(LOCALES.map((locale) => [locale, catalogue(locale)])) as Record<
  Locale,
  Catalogue
>;
