// Languages and messages: `t("nav.library")` in the current language, and the choice of language.
// A new message goes into its part's messages/<part>/en.json first, in ICU MessageFormat (plurals as
// `{count, plural, one {# image} other {# images}}`), then into every other language's file
// of that part: the catalogue tests fail until all eight have it, and check its placeholders.
export { isMessageId, type MessageId } from "./catalogues";
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
