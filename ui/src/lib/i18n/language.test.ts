import { render, screen } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import App from "../../App.svelte";
import { FakeBackend } from "../../test/fake-backend";
import { applyLanguage, loadLanguage, locale, matchLocale, saveLanguage, t, tAround } from ".";

beforeEach(() => localStorage.clear());
afterEach(() => vi.restoreAllMocks());

/** The webview reports these as the user's preferred languages. */
function systemLanguages(...tags: string[]): void {
  vi.spyOn(navigator, "languages", "get").mockReturnValue(tags);
}

describe("the language the system asks for", () => {
  it("is matched by its prefix, and English when the app doesn't speak it", () => {
    expect(matchLocale(["de-AT"])).toBe("de");
    expect(matchLocale(["fr_CA"])).toBe("fr");
    expect(matchLocale(["ko-KR", "en-US"])).toBe("ko");
    expect(matchLocale(["pt-BR", "es-MX", "en"])).toBe("es");
    expect(matchLocale(["pt-BR", "ru"])).toBe("en");
    expect(matchLocale([])).toBe("en");
  });

  it("reads Taiwan, Hong Kong and Macau Chinese as Traditional and other Chinese as Simplified", () => {
    expect(matchLocale(["zh-TW"])).toBe("zh-Hant");
    expect(matchLocale(["zh-HK"])).toBe("zh-Hant");
    expect(matchLocale(["zh-MO"])).toBe("zh-Hant");
    expect(matchLocale(["zh-Hant"])).toBe("zh-Hant");
    expect(matchLocale(["zh-CN"])).toBe("zh-Hans");
    expect(matchLocale(["zh-SG"])).toBe("zh-Hans");
    expect(matchLocale(["zh-Hans-HK"])).toBe("zh-Hans");
    expect(matchLocale(["zh"])).toBe("zh-Hans");
  });
});

describe("the app's language", () => {
  it("follows the system's on first run, in the sidebar and in <html lang>", async () => {
    systemLanguages("ja-JP", "en-US");

    applyLanguage(loadLanguage()); // as the app does before its first paint
    render(App, { props: { backend: new FakeBackend() } });

    expect(await screen.findByRole("button", { name: "ライブラリ" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "設定" })).toBeInTheDocument();
    expect(document.documentElement).toHaveAttribute("lang", "ja");
  });

  it("keeps the user's choice over the system's, and goes back to the system's when asked", () => {
    systemLanguages("zh-TW");

    saveLanguage("de");
    applyLanguage(loadLanguage());
    expect(locale()).toBe("de");
    expect(t("nav.settings")).toBe("Einstellungen");

    saveLanguage("system");
    expect(loadLanguage()).toBe("system");
    expect(locale()).toBe("zh-Hant");
    expect(document.documentElement).toHaveAttribute("lang", "zh-Hant");
  });

  it("ignores a saved value that is no language the app speaks", () => {
    localStorage.setItem("likeness.language", "tlh");
    expect(loadLanguage()).toBe("system");
  });

  it("counts and writes numbers and dates the language's way", () => {
    applyLanguage("fr");
    expect(t("portrait.deletedIn", { days: 1 })).toBe("Supprimé dans 1 jour");
    expect(t("portrait.deletedIn", { days: 3 })).toBe("Supprimé dans 3 jours");

    applyLanguage("ja");
    expect(t("portrait.deletedIn", { days: 3 })).toBe("3日後に削除");
  });

  it("splits a message around a placeholder wherever the language puts it", () => {
    expect(tAround("portrait.deletedOn", "date")).toEqual(["Deleted on ", ""]);
    applyLanguage("ja");
    expect(tAround("portrait.deletedOn", "date")).toEqual(["", "に削除"]);
  });
});
