import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "../App.svelte";
import { FakeBackend, makeEngineChoice, makeOutput, makePortrait } from "../test/fake-backend";

/** The Studio with a finished preview (output 9) on show, ready for HD. */
async function studioWithPreview(backend: FakeBackend) {
  backend.portraits = [makePortrait({ id: 1, originalName: "ada.jpg" })];
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await user.click(await screen.findByRole("button", { name: "Studio" }));
  await user.click(await screen.findByTestId("generate-preview"));
  backend.outputs = [makeOutput({ id: 9, jobId: 1, portraitId: 1 })];
  backend.emitJob({ jobId: 1, state: "done", progress: 1, error: null });
  await screen.findByTestId("preview-image");
  return user;
}

const jobs = () => within(screen.getByTestId("job-queue")).queryAllByTestId("job");

describe("choosing where HD is made", () => {
  it("starts HD on this computer at once, with no choice to make, while cloud is off", async () => {
    const backend = new FakeBackend();
    const user = await studioWithPreview(backend);

    await user.click(screen.getByTestId("hd-2"));

    expect(screen.queryByTestId("hd-choice")).not.toBeInTheDocument();
    expect(backend.choicesAsked).toEqual([]);
    expect(backend.upscaled).toEqual([{ outputId: 9, factor: 2 }]);
  });

  it("shows both choices side by side with their price and time, the recommended one marked", async () => {
    const backend = new FakeBackend({ cloud: true });
    const user = await studioWithPreview(backend);

    await user.click(screen.getByTestId("hd-4"));

    const dialog = await screen.findByTestId("hd-choice");
    expect(backend.choicesAsked).toEqual([{ outputId: 9, factor: 4 }]);
    const local = within(dialog).getByTestId("choice-local");
    const cloud = within(dialog).getByTestId("choice-cloud");
    expect(local).toHaveTextContent("On this computer");
    expect(within(local).getByTestId("choice-local-terms")).toHaveTextContent("Free, about 4 min");
    expect(cloud).toHaveTextContent("Likeness Cloud");
    expect(within(cloud).getByTestId("choice-cloud-terms")).toHaveTextContent("12 credits, about 20 sec");
    expect(cloud).toHaveTextContent("Recommended");
    expect(local).not.toHaveTextContent("Recommended");
    expect(backend.upscaled).toEqual([]);
    expect(backend.cloudUpscaled).toEqual([]);
  });

  it("makes it on this computer when the user picks this computer", async () => {
    const backend = new FakeBackend({ cloud: true });
    const user = await studioWithPreview(backend);

    await user.click(screen.getByTestId("hd-2"));
    await user.click(await screen.findByTestId("hd-local"));

    expect(screen.queryByTestId("hd-choice")).not.toBeInTheDocument();
    expect(backend.upscaled).toEqual([{ outputId: 9, factor: 2 }]);
    expect(backend.cloudUpscaled).toEqual([]);
    await waitFor(() => expect(jobs()).toHaveLength(2));
  });

  it("sends it to the cloud with the quote it showed when the user picks Likeness Cloud", async () => {
    const backend = new FakeBackend({ cloud: true });
    backend.balance = { credits: 50, held: 0 };
    const user = await studioWithPreview(backend);

    await user.click(screen.getByTestId("hd-4"));
    await user.click(await screen.findByRole("button", { name: "Use 12 credits" }));

    expect(backend.cloudUpscaled).toEqual([{ outputId: 9, factor: 4, quoteId: "quote_1" }]);
    expect(backend.upscaled).toEqual([]);
    expect(backend.balance).toEqual({ credits: 38, held: 12 });
    await waitFor(() => expect(jobs()).toHaveLength(2));
    expect(jobs()[0]).toHaveTextContent("HD ×4 upscale");
  });

  it("spends nothing when the user cancels the choice", async () => {
    const backend = new FakeBackend({ cloud: true });
    const user = await studioWithPreview(backend);

    await user.click(screen.getByTestId("hd-4"));
    await user.click(within(await screen.findByTestId("hd-choice")).getByRole("button", { name: "Cancel" }));

    expect(screen.queryByTestId("hd-choice")).not.toBeInTheDocument();
    expect(backend.upscaled).toEqual([]);
    expect(backend.cloudUpscaled).toEqual([]);
  });

  it("says why the cloud can't be used and offers only this computer", async () => {
    const backend = new FakeBackend({ cloud: true });
    backend.engineChoice = makeEngineChoice({
      cloud: { available: false, credits: null, seconds: null, quoteId: null, expiresAt: null, reason: "cloud_unreachable" },
      recommended: "local",
    });
    const user = await studioWithPreview(backend);

    await user.click(screen.getByTestId("hd-2"));

    const dialog = await screen.findByTestId("hd-choice");
    expect(within(dialog).getByTestId("choice-cloud-reason")).toHaveTextContent(
      "Likeness Cloud can't be reached. Check your internet connection and try again.",
    );
    expect(within(dialog).queryByTestId("hd-cloud")).not.toBeInTheDocument();
    expect(within(dialog).getByTestId("hd-local")).toBeInTheDocument();
    expect(within(dialog).getByTestId("choice-local")).toHaveTextContent("Recommended");
  });

  it("says why this computer can't make it, in words for the reason's code", async () => {
    const backend = new FakeBackend({ cloud: true });
    backend.engineChoice = makeEngineChoice({
      local: { available: false, seconds: null, reason: "engine_unavailable" },
    });
    const user = await studioWithPreview(backend);

    await user.click(screen.getByTestId("hd-2"));

    const dialog = await screen.findByTestId("hd-choice");
    expect(within(dialog).getByTestId("choice-local-reason")).toHaveTextContent(
      "The image engine isn't available on this computer.",
    );
    expect(within(dialog).queryByTestId("hd-local")).not.toBeInTheDocument();
    expect(within(dialog).getByTestId("hd-cloud")).toBeInTheDocument();
  });

  it("offers to buy credits when the balance is short of the quote", async () => {
    const backend = new FakeBackend({ cloud: true });
    backend.balance = { credits: 5, held: 0 };
    const user = await studioWithPreview(backend);

    await user.click(screen.getByTestId("hd-4"));
    await user.click(await screen.findByTestId("hd-cloud"));

    const dialog = await screen.findByTestId("buy-dialog");
    expect(within(dialog).getByTestId("buy-dialog-message")).toHaveTextContent(
      "You don't have enough credits for this. Buy a pack in the Store.",
    );
    expect(await within(dialog).findAllByTestId("cloud-pack")).toHaveLength(2);

    await user.click(within(dialog).getByTestId("buy-pack_100"));
    expect(await within(dialog).findByTestId("order-outcome")).toHaveTextContent("100 credits added");
    expect(backend.balance.credits).toBe(105);
    await user.click(within(dialog).getByRole("button", { name: "Close" }));
    expect(screen.queryByTestId("buy-dialog")).not.toBeInTheDocument();
  });

  it("offers to buy credits when even asking for the quote runs out of credits", async () => {
    const backend = new FakeBackend({ cloud: true });
    const user = await studioWithPreview(backend);
    backend.failNext = { code: "insufficient_credits" };

    await user.click(screen.getByTestId("hd-2"));

    const dialog = await screen.findByTestId("buy-dialog");
    expect(within(dialog).getByTestId("buy-dialog-message")).toHaveTextContent(
      "You don't have enough credits for this. Buy a pack in the Store.",
    );
    expect(screen.queryByTestId("hd-choice")).not.toBeInTheDocument();
    expect(backend.upscaled).toEqual([]);
  });

  it("still offers this computer, with the cloud's reason, when the cloud can't quote at all", async () => {
    const backend = new FakeBackend({ cloud: true });
    const user = await studioWithPreview(backend);
    backend.failNext = { code: "cloud_timeout" };

    await user.click(screen.getByTestId("hd-4"));

    const dialog = await screen.findByTestId("hd-choice");
    expect(within(dialog).getByTestId("choice-cloud-reason")).toHaveTextContent("Likeness Cloud took too long to answer.");
    expect(within(dialog).queryByTestId("hd-cloud")).not.toBeInTheDocument();
    expect(within(dialog).getByTestId("choice-local-terms")).toHaveTextContent("Free");
    await user.click(within(dialog).getByTestId("hd-local"));
    expect(backend.upscaled).toEqual([{ outputId: 9, factor: 4 }]);
  });
});
