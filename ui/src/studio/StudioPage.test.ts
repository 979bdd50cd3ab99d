import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
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
    expect(screen.getByTestId("style-watercolour")).toHaveAttribute("aria-pressed", "true");
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
    expect(screen.getByTestId("style-impressionism")).toHaveAttribute("aria-pressed", "false");
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

  it("cancels a running job and retries a failed one, explaining the failure in words", async () => {
    backend.jobs = [
      makeJob({ id: 2, state: "running", progress: 0.5 }),
      makeJob({ id: 1, state: "failed", error: { code: "generation_failed", message: "engine panicked" } }),
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
    expect(jobs()[0]).toHaveTextContent("HD upscale");
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
    expect(screen.getByTestId("style-watercolour")).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByTestId("blend-label")).toHaveTextContent("Watercolour 70% · Pastel 30%");
    expect(screen.getByTestId("strength-slider")).toHaveValue("60");
  });
});
