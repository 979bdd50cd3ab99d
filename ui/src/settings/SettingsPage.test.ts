import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { FakeBackend } from "../test/fake-backend";

beforeEach(() => {
  localStorage.clear();
  delete document.documentElement.dataset.theme;
});

async function openSettings(backend = new FakeBackend()) {
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await user.click(await screen.findByRole("button", { name: "Settings" }));
  return user;
}

describe("Settings", () => {
  it("marks the current section in the sidebar", async () => {
    await openSettings();
    expect(screen.getByRole("button", { name: "Settings" })).toHaveAttribute("aria-current", "page");
    expect(screen.getByRole("button", { name: "Library" })).not.toHaveAttribute("aria-current");
  });

  it("follows the system theme until the user picks one", async () => {
    await openSettings();
    expect(screen.getByRole("radio", { name: "System" })).toBeChecked();
    expect(document.documentElement).not.toHaveAttribute("data-theme");
  });

  it("remembers the chosen theme and applies it to the page", async () => {
    const user = await openSettings();

    await user.click(screen.getByRole("radio", { name: "Dark" }));
    expect(localStorage.getItem("likeness.theme")).toBe("dark");
    expect(document.documentElement).toHaveAttribute("data-theme", "dark");

    await user.click(screen.getByRole("radio", { name: "System" }));
    expect(localStorage.getItem("likeness.theme")).toBe("system");
    expect(document.documentElement).not.toHaveAttribute("data-theme");
  });

  it("shows where the data lives, the version and the privacy promise", async () => {
    await openSettings();
    expect(await screen.findByText("/home/ada/.local/share/likeness")).toBeInTheDocument();
    expect(screen.getByTestId("app-version")).toHaveTextContent("0.1.0");
    expect(screen.getByText(/Likeness has no telemetry/)).toHaveTextContent(
      "Your portraits never leave this computer unless you start a cloud job.",
    );
  });

  it("shows retention in Settings and sends the user to Privacy for consent and their data", async () => {
    const user = await openSettings();

    expect(await screen.findByTestId("retention-section")).toBeInTheDocument();
    expect(screen.getByTestId("retention-portraits")).toHaveValue(30);
    await user.click(screen.getByTestId("open-privacy"));

    expect(await screen.findByTestId("privacy-page")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Privacy" })).toHaveAttribute("aria-current", "page");
  });

  it("lets the user make the age check stricter but never looser than 21", async () => {
    const backend = new FakeBackend();
    const user = await openSettings(backend);
    const input = await screen.findByTestId("youthful-age");
    await screen.findByDisplayValue("25");

    await user.clear(input);
    await user.type(input, "30");
    await user.click(screen.getByTestId("save-youthful-age"));
    expect(await screen.findByTestId("youthful-age-saved")).toBeInTheDocument();
    expect(backend.youthful).toBe(30);

    await user.clear(input);
    await user.type(input, "19");
    await user.click(screen.getByTestId("save-youthful-age"));
    expect(backend.youthful).toBe(30);
  });
});

describe("Likeness Cloud in Settings", () => {
  const DISCLOSURE =
    "Only the one image of a cloud job you confirm leaves this computer. The server deletes it when the job ends, and deletes the result after you download it (within 24 hours at most). Your library, your other photos and your history stay here.";

  it("is off by default and shows exactly what would leave this computer", async () => {
    await openSettings();
    const section = await screen.findByTestId("cloud-section");

    expect(await within(section).findByTestId("cloud-state")).toHaveTextContent("Off");
    expect(within(section).getByTestId("cloud-disclosure")).toHaveTextContent(DISCLOSURE);
    expect(within(section).getByTestId("cloud-server-url")).toHaveValue("http://127.0.0.1:8787");
    expect(within(section).getByRole("button", { name: "Turn on Likeness Cloud" })).toBeInTheDocument();
  });

  it("turns on with the chosen server, sending the exact text shown as the consent wording", async () => {
    const backend = new FakeBackend();
    const user = await openSettings(backend);
    const section = await screen.findByTestId("cloud-section");
    const shown = (await within(section).findByTestId("cloud-disclosure")).textContent;
    const url = within(section).getByTestId("cloud-server-url");

    await user.clear(url);
    await user.type(url, "https://cloud.likeness.example");
    await user.click(within(section).getByRole("button", { name: "Turn on Likeness Cloud" }));

    expect(backend.cloudConsents).toEqual([
      { serverUrl: "https://cloud.likeness.example", wording: { language: "en", text: shown } },
    ]);
    expect(shown).toBe(DISCLOSURE);
    expect(await within(section).findByTestId("cloud-state")).toHaveTextContent("On");
    expect(within(section).getByTestId("cloud-server")).toHaveTextContent("https://cloud.likeness.example");
    expect(within(section).getByTestId("cloud-since")).not.toBeEmptyDOMElement();
  });

  it("shows when it was turned on and turns off, stopping every cloud call", async () => {
    const backend = new FakeBackend({ cloud: true });
    const user = await openSettings(backend);
    const section = await screen.findByTestId("cloud-section");

    expect(await within(section).findByTestId("cloud-state")).toHaveTextContent("On");
    expect(within(section).getByTestId("cloud-server")).toHaveTextContent("http://127.0.0.1:8787");
    expect(within(section).getByTestId("cloud-since")).toHaveTextContent("2026");
    await user.click(within(section).getByRole("button", { name: "Turn off" }));

    expect(await within(section).findByTestId("cloud-state")).toHaveTextContent("Off");
    expect(backend.cloud.enabled).toBe(false);
    await expect(backend.cloudBalance()).rejects.toMatchObject({ code: "cloud_off" });
  });

  it("stays off and says why when the server can't be reached", async () => {
    const backend = new FakeBackend();
    backend.failNext = { code: "cloud_unreachable" };
    const user = await openSettings(backend);
    const section = await screen.findByTestId("cloud-section");

    await user.click(await within(section).findByRole("button", { name: "Turn on Likeness Cloud" }));

    expect(await within(section).findByRole("alert")).toHaveTextContent("Likeness Cloud can't be reached.");
    expect(within(section).getByTestId("cloud-state")).toHaveTextContent("Off");
  });
});

describe("Language in Settings", () => {
  it("follows the system until the user picks a language, and names each in its own language", async () => {
    await openSettings();
    const language = screen.getByRole("combobox", { name: "Language" });

    expect(language).toHaveValue("system");
    expect(within(language).getByRole("option", { name: "System language (English)" })).toBeInTheDocument();
    expect(within(language).getAllByRole("option").slice(1).map((option) => [option.textContent, option.lang])).toEqual([
      ["English", "en"],
      ["Español", "es"],
      ["Français", "fr"],
      ["Deutsch", "de"],
      ["한국어", "ko"],
      ["日本語", "ja"],
      ["繁體中文", "zh-Hant"],
      ["简体中文", "zh-Hans"],
    ]);
  });

  it("switches to Japanese at once: the sidebar, the Settings page and <html lang>, and remembers it", async () => {
    const user = await openSettings();

    await user.selectOptions(screen.getByRole("combobox", { name: "Language" }), "日本語");

    const nav = screen.getByRole("navigation", { name: "メインメニュー" });
    expect(within(nav).getAllByRole("button").map((button) => button.textContent?.trim())).toEqual([
      "ライブラリ",
      "スタジオ",
      "履歴",
      "ストア",
      "プライバシー",
      "設定",
    ]);
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("設定");
    expect(screen.getByRole("combobox", { name: "言語" })).toHaveValue("ja");
    expect(screen.getByRole("radio", { name: "ダーク" })).toBeInTheDocument();
    expect(screen.getByText(/Likeness はテレメトリを一切収集しません/)).toBeInTheDocument();
    expect(document.documentElement).toHaveAttribute("lang", "ja");
    expect(localStorage.getItem("likeness.language")).toBe("ja");
  });

  it("switches to German at once, and back to the system's language", async () => {
    const user = await openSettings();

    await user.selectOptions(screen.getByRole("combobox", { name: "Language" }), "Deutsch");

    expect(screen.getByRole("button", { name: "Einstellungen" })).toHaveAttribute("aria-current", "page");
    expect(screen.getByRole("button", { name: "Bibliothek" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Einstellungen");
    expect(screen.getByRole("heading", { name: "Altersprüfung" })).toBeInTheDocument();
    expect(screen.getByTestId("save-youthful-age")).toHaveTextContent("Speichern");
    expect(document.documentElement).toHaveAttribute("lang", "de");

    await user.selectOptions(screen.getByRole("combobox", { name: "Sprache" }), "Systemsprache (English)");

    expect(screen.getByRole("button", { name: "Settings" })).toHaveAttribute("aria-current", "page");
    expect(document.documentElement).toHaveAttribute("lang", "en");
    expect(localStorage.getItem("likeness.language")).toBeNull();
  });

  it("records the cloud disclosure in the language it was shown in", async () => {
    const backend = new FakeBackend();
    const user = await openSettings(backend);
    await user.selectOptions(screen.getByRole("combobox", { name: "Language" }), "Français");
    const section = await screen.findByTestId("cloud-section");
    const shown = (await within(section).findByTestId("cloud-disclosure")).textContent;

    await user.click(within(section).getByRole("button", { name: "Activer Likeness Cloud" }));

    expect(shown).toMatch(/^Seule l’image d’une tâche dans le cloud/);
    expect(backend.cloudConsents).toEqual([
      { serverUrl: "http://127.0.0.1:8787", wording: { language: "fr", text: shown } },
    ]);
  });
});
