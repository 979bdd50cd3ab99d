// Languages and messages: `t("nav.library")` in the current language, and the choice of language.
// A new message goes into messages/en.json first, in ICU MessageFormat (plurals as
// `{count, plural, one {# image} other {# images}}`), then into every other language's file:
// `npm run check` fails until all eight have it, and the catalogue tests check its placeholders.
export type { MessageId } from "./catalogues";
export { LANGUAGE_NAMES, LOCALES, matchLocale, type Locale } from "./locales";
export {
  applyLanguage,
  followSystemLanguage,
  loadLanguage,
  locale,
  saveLanguage,
  systemLocale,
  t,
  tAround,
  type LanguageChoice,
  type MessageValue,
} from "./language.svelte";
