import "@testing-library/jest-dom/vitest";
import { beforeEach } from "vitest";
import { applyLanguage } from "../lib/i18n";
import { studioChoices } from "../studio/choices.svelte";

// The Studio's choices outlive its page, as they should in the app; each test starts a new run.
beforeEach(() => studioChoices.reset());
// Tests read English unless they choose another language; a choice never leaks into the next test.
// (Tests that read the Rust side's files run in Node, without a page to set the language of.)
beforeEach(() => {
  if (typeof document !== "undefined") {
    localStorage.clear();
    applyLanguage("en");
  }
});
