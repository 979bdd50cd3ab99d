import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import type { GenerationSettings } from "../lib/backend";
import { formatDateTime } from "../lib/format";
import { FakeBackend, makeFile, makeJob, makeOutput, makePortrait } from "../test/fake-backend";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
  backend.portraits = [makePortrait({ id: 1, originalName: "ada.jpg" }), makePortrait({ id: 2, originalName: "bo.jpg" })];
});

async function openStudio() {
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await user.click(await screen.findByRole("button", { name: "Studio" }));
  await screen.findAllByTestId("studio-portrait");
  return user;
}

const jobs = () => within(screen.getByTestId("job-queue")).queryAllByTestId("job");

/** A finished preview job (`id`) of portrait 1 and the output it made (`id * 10`). */
function finishedPreview(id: number, style = "impressionism") {
  const settings: GenerationSettings = {
    framing: "shoulders",
    orientation: "4:5",
    style: { kind: "preset", mix: [[style, 1]] },
    strength: 1,
    seed: id,
  };
  backend.jobs.push(makeJob({ id, state: "done", progress: 1, settingsJson: JSON.stringify(settings) }));
  backend.outputs.push(makeOutput({ id: id * 10, jobId: id, portraitId: 1, settings }));
}

/** A finished HD ×2 job (`id`) of output `parentOutputId` and the output it made (`id * 10`). */
function finishedHd(id: number, parentOutputId: number) {
  const settings = { ...makeOutput().settings!, hdFactor: 2 };
  const settingsJson = JSON.stringify(settings);
  backend.jobs.push(makeJob({ id, kind: "hd", state: "done", progress: 1, parentOutputId, settingsJson }));
  backend.outputs.push(makeOutput({ id: id * 10, jobId: id, portraitId: 1, settings, madeFrom: parentOutputId }));
}

const filmstrip = () => within(screen.getByRole("list", { name: "Recent results" })).getAllByRole("button");
const thumbnail = (outputId: number) => `vault://localhost/output-thumb%2F${outputId}`;
const images = (items: HTMLElement[]) => items.map((item) => item.querySelector("img")?.getAttribute("src"));

/** Waits until the preview panel shows output `outputId`. */
const previewShows = (outputId: number) =>
  waitFor(() =>
    expect(screen.getByTestId("preview-image")).toHaveAttribute("src", `vault://localhost/output%2F${outputId}`),
  );

describe("Studio", () => {
  it("sits between Library and Settings in the sidebar", async () => {
    await openStudio();
    const labels = within(screen.getByRole("navigation")).getAllByRole("button").map((b) => b.textContent?.trim());
    expect(labels).toEqual(["Library", "Studio", "History", "Store", "Privacy", "Settings"]);
  });

  it("enqueues a preview with the chosen portrait, framing, orientation, style and strength", async () => {
    const user = await openStudio();

    await user.click(screen.getByRole("button", { name: "bo.jpg" }));
    await user.click(screen.getByTestId("framing-half_body"));
    await user.click(screen.getByTestId("orientation-16x9"));
    await user.click(screen.getByTestId("style-watercolour"));
    await fireEvent.input(screen.getByTestId("strength-slider"), { target: { value: "60" } });
    await user.click(screen.getByTestId("generate-preview"));

    expect(backend.enqueued).toHaveLength(1);
    const { portraitId, settings } = backend.enqueued[0];
    expect(portraitId).toBe(2);
    expect(settings).toMatchObject({
      framing: "half_body",
      orientation: "16:9",
      style: { kind: "preset", mix: [["watercolour", 1]] },
      strength: 0.6,
    });
    expect(Number.isInteger(settings.seed)).toBe(true);
    expect(screen.getByRole("button", { name: "bo.jpg" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByTestId("style-watercolour")).toHaveAttribute("aria-checked", "true");
    await waitFor(() => expect(jobs()).toHaveLength(1));
    expect(jobs()[0]).toHaveAttribute("data-state", "queued");
  });

  it("starts at full strength with a new random seed for every preview", async () => {
    const user = await openStudio();
    expect(screen.getByTestId("strength-slider")).toHaveValue("100");

    await user.click(screen.getByTestId("generate-preview"));
    await user.click(screen.getByTestId("generate-preview"));

    expect(backend.enqueued.map((e) => e.settings.strength)).toEqual([1, 1]);
    expect(backend.enqueued[0].settings.seed).not.toBe(backend.enqueued[1].settings.seed);
  });

  it("blends two styles with a slider, as weights that sum to 1", async () => {
    const user = await openStudio();

    await user.click(screen.getByTestId("style-impressionism"));
    await user.click(screen.getByLabelText("Blend with…"));
    await user.selectOptions(screen.getByLabelText("Second style"), "Watercolour");
    await fireEvent.input(screen.getByTestId("blend-slider"), { target: { value: "70" } });
    expect(screen.getByTestId("blend-label")).toHaveTextContent("Impressionism 70% · Watercolour 30%");
    await user.click(screen.getByTestId("generate-preview"));

    const { style } = backend.enqueued[0].settings;
    expect(style).toEqual({ kind: "preset", mix: [["impressionism", 0.7], ["watercolour", 0.3]] });
    if (style.kind === "preset") expect(style.mix[0][1] + style.mix[1][1]).toBe(1);
  });

  it("paints in the style of the user's own picture", async () => {
    const user = await openStudio();

    await user.upload(screen.getByTestId("style-picture-input"), makeFile("monet.png", "\x01\x02", "image/png"));
    expect(await screen.findByTestId("style-picture")).toHaveTextContent("monet.png");
    await user.click(screen.getByTestId("generate-preview"));

    expect(backend.stylePicturesSent).toEqual(["monet.png"]);
    expect(backend.enqueued[0].settings.style).toEqual({ kind: "picture", pictureSha256: "0102" });
    expect(screen.getByTestId("style-impressionism")).toHaveAttribute("aria-checked", "false");
  });

  it("shows all 26 styles, each rendered from the chosen portrait", async () => {
    await openStudio();
    const tile = screen.getByTestId("style-watercolour");
    expect(tile).toHaveTextContent("Watercolour");
    expect(screen.getAllByTestId(/^style-[a-z_]+$/)).toHaveLength(26);
    await waitFor(() =>
      expect(tile.querySelector("img")).toHaveAttribute("src", "vault://localhost/style-thumb%2F1%2Fwatercolour"),
    );
  });

  it("updates a job's progress bar from job events", async () => {
    const user = await openStudio();
    await user.click(screen.getByTestId("generate-preview"));
    await waitFor(() => expect(jobs()).toHaveLength(1));

    backend.emitJob({ jobId: 1, state: "running", progress: 0.42, error: null });

    const job = jobs()[0];
    await waitFor(() => expect(job).toHaveAttribute("data-state", "running"));
    expect(within(job).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "42");
  });

  it("never takes a bar back when the answer to Generate arrives after the job's first progress", async () => {
    const enqueue = backend.enqueuePreview.bind(backend);
    backend.enqueuePreview = async (portraitId, settings) => {
      const answer = await enqueue(portraitId, settings); // queued, at 0%
      backend.emitJob({ jobId: answer.id, state: "running", progress: 0.1, error: null });
      await new Promise((resolve) => setTimeout(resolve, 20)); // the event's list refresh lands first
      return answer;
    };
    const user = await openStudio();
    await user.click(screen.getByTestId("generate-preview"));
    await waitFor(() => expect(jobs()).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 50));

    const bar = () => within(jobs()[0]).getByRole("progressbar");
    expect(jobs()[0]).toHaveAttribute("data-state", "running");
    expect(bar()).toHaveAttribute("aria-valuenow", "10");
    backend.emitJob({ jobId: 1, state: "running", progress: 0.86, error: null });
    await waitFor(() => expect(bar()).toHaveAttribute("aria-valuenow", "86"));
  });

  it("cancels a running job and retries a failed one, explaining the failure in words", async () => {
    backend.jobs = [
      makeJob({ id: 2, state: "running", progress: 0.5 }),
      makeJob({ id: 1, state: "failed", error: { code: "generation_failed" } }),
    ];
    const user = await openStudio();
    await waitFor(() => expect(jobs()).toHaveLength(2));
    const [running, failed] = jobs();
    expect(failed).toHaveTextContent("The image couldn't be made. Retry, or try other settings.");
    expect(within(running).queryByTestId("retry-job")).not.toBeInTheDocument();

    await user.click(within(running).getByTestId("cancel-job"));
    await user.click(within(failed).getByTestId("retry-job"));

    expect(backend.cancelled).toEqual([2]);
    expect(backend.retried).toEqual([1]);
    await waitFor(() => expect(running).toHaveAttribute("data-state", "cancelled"));
    expect(failed).toHaveAttribute("data-state", "queued");
  });

  it("shows the newest finished preview large and queues HD upscales of it", async () => {
    const user = await openStudio();
    await user.click(screen.getByTestId("generate-preview"));
    await waitFor(() => expect(jobs()).toHaveLength(1));
    expect(screen.queryByTestId("preview-image")).not.toBeInTheDocument();

    backend.outputs = [makeOutput({ id: 9, jobId: 1, portraitId: 1 })];
    backend.emitJob({ jobId: 1, state: "done", progress: 1, error: null });

    const preview = await screen.findByTestId("preview-image");
    expect(preview).toHaveAttribute("src", "vault://localhost/output%2F9");
    await user.click(screen.getByTestId("hd-4"));
    expect(backend.upscaled).toEqual([{ outputId: 9, factor: 4 }]);
    await waitFor(() => expect(jobs()).toHaveLength(2));
    expect(jobs()[0]).toHaveTextContent("HD ×4 upscale");
  });

  it("explains that a portrait is needed when the library is empty and links to the Library", async () => {
    backend.portraits = [];
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByRole("button", { name: "Studio" }));

    const empty = await screen.findByTestId("studio-empty");
    expect(empty).toHaveTextContent("Import one into your library first.");
    await user.click(within(empty).getByRole("button", { name: "Go to Library" }));
    expect(await screen.findByTestId("library-empty")).toBeInTheDocument();
  });

  it("starts a style that paints over the face at its own lower strength, and a blend at the lower of two", async () => {
    const user = await openStudio();
    await user.click(screen.getByTestId("style-cubism"));
    expect(screen.getByTestId("strength-slider")).toHaveValue("70");
    await user.click(screen.getByTestId("style-watercolour"));
    expect(screen.getByTestId("strength-slider")).toHaveValue("100");
    await user.click(screen.getByLabelText("Blend with…"));
    await user.selectOptions(screen.getByLabelText("Second style"), "Pointillism");
    expect(screen.getByTestId("strength-slider")).toHaveValue("80");
    await fireEvent.input(screen.getByTestId("strength-slider"), { target: { value: "90" } });
    await user.click(screen.getByTestId("generate-preview"));
    expect(backend.enqueued[0].settings.strength).toBe(0.9);
  });

  it("keeps every choice after a visit to History", async () => {
    const user = await openStudio();
    await user.click(screen.getByRole("button", { name: "bo.jpg" }));
    await user.click(screen.getByTestId("framing-half_body"));
    await user.click(screen.getByTestId("orientation-16x9"));
    await user.click(screen.getByTestId("style-watercolour"));
    await user.click(screen.getByLabelText("Blend with…"));
    await user.selectOptions(screen.getByLabelText("Second style"), "Pastel");
    await fireEvent.input(screen.getByTestId("blend-slider"), { target: { value: "70" } });
    await fireEvent.input(screen.getByTestId("strength-slider"), { target: { value: "60" } });

    await user.click(screen.getByRole("button", { name: "History" }));
    await user.click(await screen.findByRole("button", { name: "Studio" }));
    await screen.findAllByTestId("studio-portrait");

    expect(screen.getByRole("button", { name: "bo.jpg" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByTestId("framing-half_body")).toBeChecked();
    expect(screen.getByTestId("orientation-16x9")).toBeChecked();
    expect(screen.getByTestId("style-watercolour")).toHaveAttribute("aria-checked", "true");
    expect(screen.getByTestId("blend-label")).toHaveTextContent("Watercolour 70% · Pastel 30%");
    expect(screen.getByTestId("strength-slider")).toHaveValue("60");
  });

  it("opens with the choices the last run was left with", async () => {
    backend.savedChoices = {
      portraitId: 2,
      framing: "half_body",
      orientation: "16:9",
      background: { kind: "blur" },
      strengthPercent: 60,
      primaryStyle: "watercolour",
      blending: true,
      secondStyle: "pastel",
      firstPercent: 70,
      picture: null,
    };

    await openStudio();

    expect(screen.getByRole("button", { name: "bo.jpg" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByTestId("framing-half_body")).toBeChecked();
    expect(screen.getByTestId("orientation-16x9")).toBeChecked();
    expect(screen.getByTestId("background-blur")).toBeChecked();
    expect(screen.getByTestId("blend-label")).toHaveTextContent("Watercolour 70% · Pastel 30%");
    expect(screen.getByTestId("strength-slider")).toHaveValue("60");
  });

  it("keeps the photo's own background unless asked, and queues a blur, a colour or a gradient", async () => {
    const user = await openStudio();
    expect(screen.getByTestId("background-keep")).toBeChecked();
    await user.click(screen.getByTestId("generate-preview"));
    expect(backend.enqueued[0].settings).not.toHaveProperty("background");

    await user.click(screen.getByTestId("background-blur"));
    await user.click(screen.getByTestId("generate-preview"));
    expect(backend.enqueued[1].settings.background).toEqual({ kind: "blur" });

    await user.click(screen.getByTestId("background-colour"));
    await fireEvent.input(screen.getByTestId("background-colour-value"), { target: { value: "#112233" } });
    await user.click(screen.getByTestId("generate-preview"));
    expect(backend.enqueued[2].settings.background).toEqual({ kind: "colour", colour: "#112233" });

    await user.click(screen.getByTestId("background-gradient"));
    await fireEvent.input(screen.getByTestId("background-top"), { target: { value: "#ffffff" } });
    await user.click(screen.getByTestId("generate-preview"));
    expect(backend.enqueued[3].settings.background).toEqual({ kind: "gradient", top: "#ffffff", bottom: "#8a7a6a" });
  });

  it("keeps each change for the next run", async () => {
    const user = await openStudio();
    await user.click(screen.getByRole("button", { name: "bo.jpg" }));
    await user.click(screen.getByTestId("framing-half_body"));

    await waitFor(() => expect(backend.savedChoices).toMatchObject({ portraitId: 2, framing: "half_body" }));
  });

  it("falls back to the first portrait when the remembered one is gone", async () => {
    const user = await openStudio();
    await user.click(screen.getByRole("button", { name: "bo.jpg" }));
    await user.click(screen.getByRole("button", { name: "History" }));
    backend.portraits = [makePortrait({ id: 1, originalName: "ada.jpg" })];

    await user.click(await screen.findByRole("button", { name: "Studio" }));
    await screen.findAllByTestId("studio-portrait");
    await user.click(screen.getByTestId("generate-preview"));

    expect(screen.getByRole("button", { name: "ada.jpg" })).toHaveAttribute("aria-pressed", "true");
    expect(backend.enqueued[0].portraitId).toBe(1);
  });

  it("names each portrait under its thumbnail", async () => {
    await openStudio();
    expect(screen.getAllByTestId("studio-portrait").map((p) => p.textContent?.trim())).toEqual(["ada.jpg", "bo.jpg"]);
  });

  it("generates with Ctrl+Enter or Cmd+Enter from anywhere on the page", async () => {
    const user = await openStudio();
    await user.click(screen.getByTestId("style-watercolour"));

    await user.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(backend.enqueued).toHaveLength(1));
    screen.getByTestId("strength-slider").focus();
    await user.keyboard("{Meta>}{Enter}{/Meta}");

    await waitFor(() => expect(backend.enqueued).toHaveLength(2));
    expect(backend.enqueued[1].settings.style).toEqual({ kind: "preset", mix: [["watercolour", 1]] });
  });

  it("does not generate from the keyboard while a dialog is open", async () => {
    backend = new FakeBackend({ cloud: true });
    backend.portraits = [makePortrait({ id: 1 })];
    finishedPreview(1);
    const user = await openStudio();
    await user.click(await screen.findByTestId("hd-2"));
    await screen.findByTestId("hd-choice");

    await user.keyboard("{Control>}{Enter}{/Control}");

    expect(screen.getByTestId("hd-choice")).toBeInTheDocument();
    expect(backend.enqueued).toEqual([]);
  });

  it("makes the 26 styles one Tab stop, moved through and chosen with the arrow keys", async () => {
    const user = await openStudio();
    const group = screen.getByRole("radiogroup", { name: "Style" });
    const tiles = within(group).getAllByRole("radio");
    expect(tiles).toHaveLength(26);
    expect(tiles.filter((t) => t.tabIndex === 0)).toEqual([tiles[0]]);

    tiles[0].focus();
    await user.keyboard("{ArrowRight}");
    expect(screen.getByTestId("style-watercolour")).toHaveAttribute("aria-checked", "true");
    expect(screen.getByTestId("style-watercolour")).toHaveFocus();
    expect(screen.getByTestId("style-impressionism")).toHaveAttribute("aria-checked", "false");

    await user.keyboard("{End}");
    expect(screen.getByTestId("style-silverpoint")).toHaveAttribute("aria-checked", "true");
    await user.keyboard("{ArrowDown}");
    expect(screen.getByTestId("style-impressionism")).toHaveFocus();
    await user.keyboard("{ArrowLeft}");
    expect(screen.getByTestId("style-silverpoint")).toHaveFocus();
    await user.keyboard("{Home}");
    expect(screen.getByTestId("style-impressionism")).toHaveAttribute("aria-checked", "true");
    expect(tiles.filter((t) => t.tabIndex === 0)).toEqual([screen.getByTestId("style-impressionism")]);

    await user.click(screen.getByTestId("generate-preview"));
    expect(backend.enqueued[0].settings.style).toEqual({ kind: "preset", mix: [["impressionism", 1]] });
  });

  it("shows the HD result in place of its preview, labelled with its factor, once it is made", async () => {
    finishedPreview(7); // the fake numbers new jobs from 1: the HD will be job 1
    const user = await openStudio();
    const preview = await screen.findByTestId("preview-image");
    await waitFor(() => expect(preview).toHaveAttribute("src", "vault://localhost/output%2F70"));
    expect(screen.queryByTestId("preview-hd")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("hd-2"));
    await waitFor(() => expect(jobs()).toHaveLength(2));
    const settings = { ...makeOutput().settings!, hdFactor: 2 };
    backend.outputs.unshift(makeOutput({ id: 71, jobId: 1, portraitId: 1, width: 1024, height: 1280, settings, madeFrom: 70 }));
    backend.emitJob({ jobId: 1, state: "done", progress: 1, error: null });

    await waitFor(() => expect(screen.getByTestId("preview-image")).toHaveAttribute("src", "vault://localhost/output%2F71"));
    expect(screen.getByTestId("preview-hd")).toHaveTextContent("HD ×2");
    expect(screen.getByTestId("preview-image")).toHaveAccessibleName("Impressionism, Head and shoulders, HD ×2");
    // HD again upscales the preview, not the HD image.
    await user.click(screen.getByTestId("hd-4"));
    expect(backend.upscaled).toEqual([
      { outputId: 70, factor: 2 },
      { outputId: 70, factor: 4 },
    ]);
  });
});

describe("Studio queue", () => {
  it("says what a running job is doing: painting a preview, upscaling an HD", async () => {
    backend.jobs = [makeJob({ id: 2, kind: "hd", state: "running" }), makeJob({ id: 1, state: "running" })];
    await openStudio();
    await waitFor(() => expect(jobs()).toHaveLength(2));

    expect(jobs()[0]).toHaveTextContent("Upscaling…");
    expect(jobs()[1]).toHaveTextContent("Painting…");
  });

  it("shows a cancelled or failed job as stopped, with no progress bar", async () => {
    backend.jobs = [
      makeJob({ id: 3, state: "cancelled", progress: 0.5, error: { code: "cancelled" } }),
      makeJob({ id: 2, state: "failed", progress: 0.3, error: { code: "generation_failed" } }),
      makeJob({ id: 1, state: "running", progress: 0.4 }),
    ];
    await openStudio();
    await waitFor(() => expect(jobs()).toHaveLength(3));
    const [cancelled, failed, running] = jobs();

    expect(cancelled).toHaveTextContent("Cancelled");
    expect(within(cancelled).queryByRole("progressbar")).not.toBeInTheDocument();
    expect(failed).toHaveTextContent("Failed");
    expect(within(failed).queryByRole("progressbar")).not.toBeInTheDocument();
    expect(within(running).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "40");
  });

  it("shows each job's style and when it was queued", async () => {
    finishedPreview(1, "watercolour");
    await openStudio();
    await waitFor(() => expect(jobs()).toHaveLength(1));

    expect(jobs()[0]).toHaveTextContent(`Watercolour · ${formatDateTime("2025-03-04T10:00:00Z")}`);
  });

  it("shows the five newest finished jobs, and all of them on request, with running and queued ones always", async () => {
    for (let id = 8; id >= 1; id--) finishedPreview(id);
    backend.jobs.push(makeJob({ id: 9, state: "running" }), makeJob({ id: 10, state: "queued" }));
    const user = await openStudio();
    await waitFor(() => expect(jobs()).toHaveLength(7));
    expect(jobs().map((j) => j.getAttribute("data-state"))).toEqual([
      "done", "done", "done", "done", "done", "running", "queued",
    ]);

    await user.click(screen.getByRole("button", { name: "Show all 8 finished" }));
    expect(jobs()).toHaveLength(10);
    await user.click(screen.getByRole("button", { name: "Show fewer" }));
    expect(jobs()).toHaveLength(7);
  });

  it("a finished job's queue row shows its image, and a waiting one none until it finishes", async () => {
    finishedPreview(1);
    backend.jobs.unshift(makeJob({ id: 2, state: "queued" }));
    await openStudio();
    await waitFor(() => expect(jobs()).toHaveLength(2));
    const [waiting, done] = jobs();

    await waitFor(() => expect(done.querySelector("img")).toHaveAttribute("src", thumbnail(10)));
    expect(waiting.querySelector("img")).toBeNull();

    backend.outputs.unshift(makeOutput({ id: 20, jobId: 2, portraitId: 1 }));
    backend.emitJob({ jobId: 2, state: "done", progress: 1, error: null });
    await waitFor(() => expect(waiting.querySelector("img")).toHaveAttribute("src", thumbnail(20)));
  });

  it("opens a finished job's result in the preview when its row is clicked, and then its HD once made", async () => {
    finishedPreview(3);
    finishedPreview(2); // the fake numbers new jobs from 1: the HD will be job 1
    const user = await openStudio();
    const preview = await screen.findByTestId("preview-image");
    await waitFor(() => expect(preview).toHaveAttribute("src", "vault://localhost/output%2F30"));

    const older = jobs()[1];
    await user.click(within(older).getByTestId("open-job"));

    await waitFor(() => expect(screen.getByTestId("preview-image")).toHaveAttribute("src", "vault://localhost/output%2F20"));
    expect(within(older).getByTestId("open-job")).toHaveAttribute("aria-current", "true");
    await user.click(screen.getByTestId("hd-2"));
    expect(backend.upscaled).toEqual([{ outputId: 20, factor: 2 }]);

    const settings = { ...makeOutput().settings!, hdFactor: 2 };
    backend.outputs.unshift(makeOutput({ id: 21, jobId: 1, portraitId: 1, settings }));
    backend.emitJob({ jobId: 1, state: "done", progress: 1, error: null });
    await waitFor(() => expect(screen.getByTestId("preview-image")).toHaveAttribute("src", "vault://localhost/output%2F21"));
    expect(screen.getByTestId("preview-hd")).toHaveTextContent("HD ×2");
  });
});

describe("Studio filmstrip", () => {
  it("shows the newest results first and clicking one shows it in the Studio", async () => {
    finishedPreview(3, "watercolour");
    finishedPreview(2, "pastel");
    finishedPreview(1);
    const user = await openStudio();
    await screen.findByRole("list", { name: "Recent results" });

    const items = filmstrip();
    expect(images(items)).toEqual([thumbnail(30), thumbnail(20), thumbnail(10)]);
    expect(items[0]).toHaveAccessibleName("Watercolour, Head and shoulders");
    expect(items[1]).toHaveAccessibleName("Pastel, Head and shoulders");
    await waitFor(() => expect(items[0]).toHaveAttribute("aria-current", "true"));

    await user.click(items[2]);

    await previewShows(10);
    expect(items[2]).toHaveAttribute("aria-current", "true");
    expect(items[0]).not.toHaveAttribute("aria-current");
    expect(within(jobs()[2]).getByTestId("open-job")).toHaveAttribute("aria-current", "true");
  });

  it("reaches each result with Tab and shows it with Enter", async () => {
    finishedPreview(2);
    finishedPreview(1);
    const user = await openStudio();
    await screen.findByRole("list", { name: "Recent results" });
    const items = filmstrip();

    items[0].focus();
    await user.tab();
    expect(items[1]).toHaveFocus();
    await user.keyboard("{Enter}");

    await previewShows(10);
    expect(items[1]).toHaveAttribute("aria-current", "true");
  });

  it("a result finished while the Studio is open appears at the front of the filmstrip", async () => {
    finishedPreview(7); // the fake numbers new jobs from 1
    const user = await openStudio();
    await screen.findByRole("list", { name: "Recent results" });
    await user.click(screen.getByTestId("generate-preview"));
    await waitFor(() => expect(jobs()).toHaveLength(2));

    backend.outputs.unshift(makeOutput({ id: 11, jobId: 1, portraitId: 1 }));
    backend.emitJob({ jobId: 1, state: "done", progress: 1, error: null });

    await waitFor(() => expect(images(filmstrip())).toEqual([thumbnail(11), thumbnail(70)]));
    await waitFor(() => expect(filmstrip()[0]).toHaveAttribute("aria-current", "true"));
  });

  it("has no filmstrip until there is a result", async () => {
    await openStudio();
    expect(screen.queryByRole("list", { name: "Recent results" })).not.toBeInTheDocument();
  });

  it("upscales a result chosen in the filmstrip with HD, and shows the HD once it is made", async () => {
    finishedPreview(3);
    finishedPreview(2); // the fake numbers new jobs from 1: the HD will be job 1
    const user = await openStudio();
    await screen.findByRole("list", { name: "Recent results" });
    await user.click(filmstrip()[1]);
    await previewShows(20);

    await user.click(screen.getByTestId("hd-2"));
    expect(backend.upscaled).toEqual([{ outputId: 20, factor: 2 }]);
    const settings = { ...makeOutput().settings!, hdFactor: 2 };
    backend.outputs.unshift(makeOutput({ id: 21, jobId: 1, portraitId: 1, settings }));
    backend.emitJob({ jobId: 1, state: "done", progress: 1, error: null });

    await previewShows(21);
    expect(screen.getByTestId("preview-hd")).toHaveTextContent("HD ×2");
    await waitFor(() => expect(filmstrip()[0]).toHaveAccessibleName("Impressionism, Head and shoulders, HD ×2"));
    expect(filmstrip()[0]).toHaveAttribute("aria-current", "true");
  });

  it("upscales the preview a chosen HD result was made from, and offers no HD once that preview is gone", async () => {
    finishedPreview(5);
    finishedHd(4, 20);
    finishedPreview(2);
    // An HD image whose preview was deleted.
    const settings = { ...makeOutput().settings!, hdFactor: 4 };
    backend.outputs.push(makeOutput({ id: 90, jobId: null, portraitId: 1, settings, madeFrom: null }));
    const user = await openStudio();
    await screen.findByRole("list", { name: "Recent results" });
    const [, hd, , orphan] = filmstrip();

    await user.click(hd);
    await previewShows(40);
    await user.click(screen.getByTestId("hd-4"));
    expect(backend.upscaled).toEqual([{ outputId: 20, factor: 4 }]);

    await user.click(orphan);
    await previewShows(90);
    expect(screen.getByTestId("preview-hd")).toHaveTextContent("HD ×4");
    expect(screen.queryByTestId("hd-2")).not.toBeInTheDocument();
  });
});
