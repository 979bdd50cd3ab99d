// What a screen reader hears from the Studio: each job queued, started, finished, failed or
// cancelled, once, never its percentages; and the strength slider's value as the language writes it.
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { applyLanguage } from "../lib/i18n";
import { FakeBackend, makeJob, makePortrait } from "../test/fake-backend";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
  backend.portraits = [makePortrait({ id: 1, originalName: "ada.jpg" })];
});

async function openStudio() {
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await user.click(await screen.findByRole("button", { name: "Studio" }));
  await screen.findAllByTestId("studio-portrait");
  return user;
}

const news = () => screen.getByTestId("queue-news");

describe("Queue announcements", () => {
  it("say a preview was queued, started and finished, but not how far along it is", async () => {
    const user = await openStudio();
    expect(news()).toHaveAttribute("aria-live", "polite");

    await user.click(screen.getByTestId("generate-preview"));
    await waitFor(() => expect(news()).toHaveTextContent("Preview queued."));

    backend.emitJob({ jobId: 1, state: "running", progress: 0.1, error: null });
    await waitFor(() => expect(news()).toHaveTextContent("Preview started."));
    const said = news().firstChild;
    backend.emitJob({ jobId: 1, state: "running", progress: 0.6, error: null });
    await waitFor(() => expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "60"));
    expect(news().firstChild).toBe(said);

    backend.emitJob({ jobId: 1, state: "done", progress: 1, error: null });
    await waitFor(() => expect(news()).toHaveTextContent("Preview finished."));
  });

  it("say why a job failed, and that one was cancelled", async () => {
    const user = await openStudio();
    await user.click(screen.getByTestId("generate-preview"));
    await user.click(screen.getByTestId("generate-preview"));
    await waitFor(() => expect(screen.getAllByTestId("cancel-job")).toHaveLength(2));

    backend.emitJob({ jobId: 1, state: "failed", progress: 0.3, error: { code: "unsafe_output" } });
    await waitFor(() =>
      expect(news()).toHaveTextContent("Preview failed. The result didn't pass the safety check, so it was discarded."),
    );
    await user.click(screen.getAllByTestId("cancel-job")[0]);
    await waitFor(() => expect(news()).toHaveTextContent("Preview cancelled."));
  });

  it("leave alone the jobs the queue already had when the Studio opened", async () => {
    backend.jobs = [makeJob({ id: 5, state: "running", progress: 0.5 }), makeJob({ id: 4, state: "done", progress: 1 })];
    await openStudio();
    await waitFor(() => expect(screen.getAllByTestId("job")).toHaveLength(2));
    expect(news().textContent).toBe("");

    backend.emitJob({ jobId: 5, state: "done", progress: 1, error: null });
    await waitFor(() => expect(news()).toHaveTextContent("Preview finished."));
  });

  it("are said in the language on screen", async () => {
    applyLanguage("ja");
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByRole("button", { name: "スタジオ" }));
    await user.click(await screen.findByTestId("generate-preview"));

    await waitFor(() => expect(news()).toHaveTextContent("プレビューが順番待ちです。"));
  });
});

describe("The strength slider", () => {
  it("is a native slider that says its value as a percentage in the language on screen", async () => {
    await openStudio();
    const slider = screen.getByRole("slider", { name: "Strength" });
    expect(slider).toHaveAttribute("type", "range");
    expect(slider).toHaveAttribute("aria-valuetext", "100%");

    await fireEvent.input(slider, { target: { value: "70" } });
    expect(slider).toHaveAttribute("aria-valuetext", "70%");

    applyLanguage("fr");
    // French puts a (narrow no-break) space before the sign.
    await waitFor(() => expect(slider.getAttribute("aria-valuetext")).toMatch(/^70\s%$/));
  });
});
