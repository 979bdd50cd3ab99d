import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { applyLanguage } from "../lib/i18n";
import { FakeBackend, makeCatalogueStyles, makeOutput, makePortrait } from "../test/fake-backend";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend({ cloud: true });
  backend.portraits = [makePortrait({ id: 1, originalName: "waist-up.jpg", width: 1200, height: 1600 })];
  backend.framingReach.set(1, "half_body"); // the photo ends at the waist
});

async function openStudio(name: string) {
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await user.click(await screen.findByRole("button", { name }));
  await screen.findByTestId("framing-preview");
  return user;
}

const generate = () => screen.getByTestId("generate-preview");

describe("the Studio in another language", () => {
  it("follows a switch to Japanese and then German while it is open, framing names and warnings included", async () => {
    const user = await openStudio("Studio");
    expect(generate()).toHaveTextContent("Generate preview");
    expect(screen.getByRole("radio", { name: "Head and shoulders" })).toBeChecked();

    applyLanguage("ja");
    await waitFor(() => expect(generate()).toHaveTextContent("プレビューを生成"));
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("スタジオ");
    expect(screen.getByRole("radio", { name: "胸から上" })).toBeChecked();
    expect(screen.getByRole("radio", { name: "縦 4:5" })).toBeChecked();
    expect(screen.getByRole("img", { name: "写真上に示した「胸から上」（縦 4:5）の切り抜き範囲" })).toBeInTheDocument();

    applyLanguage("de");
    await waitFor(() => expect(generate()).toHaveTextContent("Vorschau erstellen"));
    expect(screen.getByRole("radio", { name: "Kopf und Schultern" })).toBeChecked();
    expect(screen.getByRole("radiogroup", { name: "Stil" })).toBeInTheDocument();
    // Numbers are written the German way: a space before the percent sign.
    expect(screen.getByTestId("strength-slider")).toHaveAttribute("aria-valuetext", expect.stringMatching(/^100\s%$/));

    // The long German sentences and button come whole, with nothing cut or special-cased.
    await user.click(screen.getByTestId("framing-full_body"));
    const warning = await screen.findByTestId("framing-warning");
    expect(warning).toHaveTextContent("„Ganzkörper“ braucht mehr vom Körper, als dieses Foto zeigt.");
    await user.click(within(warning).getByRole("button", { name: "Stattdessen „Halbkörper“ verwenden" }));
    expect(screen.getByRole("radio", { name: "Halbkörper" })).toBeChecked();
  });

  it("names the styles in Japanese and German, on the tiles, in the blend and in its slider's value", async () => {
    backend.styles = makeCatalogueStyles();
    const user = await openStudio("Studio");
    const inkWash = screen.getByTestId("style-style-02");
    expect(inkWash).toHaveTextContent("Ink Wash");

    applyLanguage("ja");
    await waitFor(() => expect(inkWash).toHaveTextContent("水墨"));
    expect(screen.getByRole("radio", { name: "ステンドグラス" })).toBeInTheDocument();
    // A style newer than the catalogues keeps the backend's name.
    expect(screen.getByTestId("style-style-26")).toHaveTextContent("Neon Noir");

    applyLanguage("de");
    await waitFor(() => expect(inkWash).toHaveTextContent("Tuschelavierung"));
    await user.click(inkWash);
    await user.click(screen.getByTestId("blend-toggle"));
    await user.selectOptions(screen.getByLabelText("Zweiter Stil"), "Buntglas");
    expect(screen.getByTestId("blend-label")).toHaveTextContent(/^Tuschelavierung 50\s% · Buntglas 50\s%$/);
    expect(screen.getByTestId("blend-slider")).toHaveAttribute("aria-valuetext", "Tuschelavierung 50\u00a0%");
  });

  it("words the HD choice, its price and time, and the queue in Japanese", async () => {
    backend.balance = { credits: 50, held: 0 };
    applyLanguage("ja");
    const user = await openStudio("スタジオ");
    await user.click(generate());
    backend.outputs = [makeOutput({ id: 9, jobId: 1, portraitId: 1 })];
    backend.emitJob({ jobId: 1, state: "done", progress: 1, error: null });
    expect(await screen.findByRole("img", { name: "Impressionism、胸から上" })).toBeInTheDocument();

    await user.click(screen.getByTestId("hd-4"));

    const dialog = await screen.findByTestId("hd-choice");
    expect(within(dialog).getByRole("heading", { level: 2 })).toHaveTextContent("HD ×4 を作成");
    expect(within(dialog).getByTestId("choice-local-terms")).toHaveTextContent(/^無料・約 4\s分$/);
    expect(within(dialog).getByTestId("choice-cloud-terms")).toHaveTextContent(/^12 クレジット・約 20\s秒$/);
    await user.click(within(dialog).getByRole("button", { name: "12 クレジットを使う" }));

    const jobs = () => within(screen.getByTestId("job-queue")).getAllByTestId("job");
    await waitFor(() => expect(jobs()).toHaveLength(2));
    expect(jobs()[0]).toHaveTextContent("HD ×4 アップスケール");
    expect(jobs()[1]).toHaveTextContent("プレビュー 完了");
  });
});
