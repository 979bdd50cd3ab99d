// Languages and messages: `t("nav.library")` in the current language, and the choice of language.
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
