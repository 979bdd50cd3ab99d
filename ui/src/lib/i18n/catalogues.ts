// Every language's messages, one ICU MessageFormat catalogue each, bundled so that a switch needs
// no loading. English defines the message ids; a catalogue that lacks one of them, or has one
// English doesn't, is a type error in `npm run check` (and the catalogue test checks both again).
import de from "./messages/de.json";
import en from "./messages/en.json";
import es from "./messages/es.json";
import fr from "./messages/fr.json";
import ja from "./messages/ja.json";
import ko from "./messages/ko.json";
import zhHans from "./messages/zh-Hans.json";
import zhHant from "./messages/zh-Hant.json";
import type { Locale } from "./locales";

/** The id of a message, e.g. `"nav.library"`; only ids English defines exist. */
export type MessageId = keyof typeof en;

export type Catalogue = Record<MessageId, string>;

/** `messages`, if it has exactly English's ids: an id English lacks must be `never`, which no string is. */
function exactly<C extends Catalogue>(messages: C & Record<Exclude<keyof C, MessageId>, never>): Catalogue {
  return messages;
}

export const CATALOGUES: Record<Locale, Catalogue> = {
  en,
  es: exactly(es),
  fr: exactly(fr),
  de: exactly(de),
  ko: exactly(ko),
  ja: exactly(ja),
  "zh-Hant": exactly(zhHant),
  "zh-Hans": exactly(zhHans),
};
