// What a screen reader hears about an import: that a batch started and how it ended, in one
// sentence each, not every file's stages.
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { applyLanguage } from "../lib/i18n";
import { FakeBackend, makeFile } from "../test/fake-backend";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
});

async function openLibrary() {
  render(App, { props: { backend } });
  await screen.findByTestId("library-empty");
  return screen.getByTestId("import-news");
}

const drop = (...files: File[]) => fireEvent.drop(window, { dataTransfer: { types: ["Files"], files } });

describe("Import announcements", () => {
  it("say a batch started, then how many portraits it added, in a polite live region", async () => {
    let release!: () => void;
    backend.gate = new Promise((resolve) => (release = resolve));
    const news = await openLibrary();
    expect(news).toHaveAttribute("role", "status");
    expect(news).toHaveAttribute("aria-live", "polite");
    expect(news.textContent).toBe("");

    await drop(makeFile("a.jpg", "aaa"), makeFile("b.jpg", "bbb"));

    expect(news).toHaveTextContent("Importing 2 photos…");
    await waitFor(() => expect(screen.getByTestId("import-progress")).toHaveTextContent("Checking on this device…"));
    expect(news).toHaveTextContent("Importing 2 photos…");
    release();
    await waitFor(() => expect(news).toHaveTextContent("Import finished: 2 portraits added."));
  });

  it("count the photos that were not added; the notices say which and why", async () => {
    const user = userEvent.setup();
    const news = await openLibrary();
    await user.upload(screen.getByTestId("import-input"), makeFile("me.jpg", "same bytes"));
    await waitFor(() => expect(news).toHaveTextContent("Import finished: 1 portrait added."));

    backend.rejectNext = { reason: "no_face", confidence: 0.9, faceCount: 0, people: 0 };
    await drop(makeFile("tree.jpg", "tree"), makeFile("me-copy.jpg", "same bytes"), makeFile("bo.jpg", "bo"));

    await waitFor(() => expect(news).toHaveTextContent("Import finished: 1 portrait added, 2 photos not added."));
    expect(screen.getByTestId("import-rejection")).toHaveTextContent("tree.jpg");
    expect(screen.getByTestId("import-duplicate")).toHaveTextContent("me-copy.jpg");
  });

  it("are said in the language on screen", async () => {
    applyLanguage("de");
    render(App, { props: { backend } });
    const news = await screen.findByTestId("import-news");

    await drop(makeFile("a.jpg", "aaa"));

    await waitFor(() => expect(news).toHaveTextContent("Import abgeschlossen: 1 Porträt hinzugefügt."));
  });
});
