import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import type { Framing, Orientation } from "../lib/backend";
import { FakeBackend, makePortrait, vaultUrl } from "../test/fake-backend";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
  backend.portraits = [
    makePortrait({ id: 1, originalName: "waist-up.jpg", width: 1200, height: 1600 }),
    makePortrait({ id: 2, originalName: "full-length.jpg", width: 1000, height: 2000 }),
  ];
  // The first photo ends at the waist; the second shows all of her.
  backend.framingReach.set(1, "half_body");
});

async function openStudio() {
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await user.click(await screen.findByRole("button", { name: "Studio" }));
  await screen.findByTestId("framing-preview");
  return user;
}

/** The crop the backend plans for `framing` on portrait `id` in `orientation`. */
async function frameOf(id: number, orientation: Orientation, framing: Framing) {
  const fits = await backend.framingFits(id, orientation);
  return fits.fits.find((f) => f.framing === framing)!.frame;
}

/** The outlined crop as drawn: x, y, width and height in the photo's pixels. */
function drawnFrame(): number[] {
  const rect = screen.getByTestId("framing-frame");
  return ["x", "y", "width", "height"].map((name) => Number(rect.getAttribute(name)));
}

const NEEDS_BODY = "needs more of the body than this photo shows";

describe("Framing in the Studio", () => {
  it("the Studio draws the crop of the chosen framing on the photo", async () => {
    const user = await openStudio();

    const preview = screen.getByRole("img", { name: "The head and shoulders crop in Portrait 4:5, drawn on your photo" });
    expect(preview.querySelector("image")).toHaveAttribute("href", vaultUrl("portrait-thumb/1"));
    const { x, y, w, h } = await frameOf(1, "4:5", "shoulders");
    expect(drawnFrame()).toEqual([x, y, w, h]);
    expect(screen.getByTestId("framing-caption")).toHaveTextContent("The whole crop is inside your photo.");

    await user.click(screen.getByTestId("framing-headshot"));
    await user.click(screen.getByTestId("orientation-16x9"));

    await screen.findByRole("img", { name: "The headshot crop in Wide 16:9, drawn on your photo" });
    const wide = await frameOf(1, "16:9", "headshot");
    expect(drawnFrame()).toEqual([wide.x, wide.y, wide.w, wide.h]);
  });

  it("draws the crop on the photo of the portrait chosen", async () => {
    const user = await openStudio();

    await user.click(screen.getByRole("button", { name: "full-length.jpg" }));

    const photo = () => screen.getByTestId("framing-preview").querySelector("image");
    await waitFor(() => expect(photo()).toHaveAttribute("href", vaultUrl("portrait-thumb/2")));
    expect(photo()).toHaveAttribute("width", "1000");
    expect(photo()).toHaveAttribute("height", "2000");
    const { x, y, w, h } = await frameOf(2, "4:5", "shoulders");
    expect(drawnFrame()).toEqual([x, y, w, h]);
  });

  it("marks the framings a waist-up photo can't fill, and only those", async () => {
    await openStudio();

    expect(screen.getByRole("radio", { name: `Three-quarter ${NEEDS_BODY}` })).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: `Full body ${NEEDS_BODY}` })).toBeInTheDocument();
    for (const name of ["Headshot", "Head and shoulders", "Half body"]) {
      expect(screen.getByRole("radio", { name })).toBeInTheDocument();
    }
  });

  it("a full body framing on a waist-up photo offers the closest framing the photo supports", async () => {
    const user = await openStudio();

    await user.click(screen.getByTestId("framing-full_body"));

    const warning = await screen.findByTestId("framing-warning");
    expect(warning).toHaveTextContent(`Full body ${NEEDS_BODY}.`);
    expect(screen.getByTestId("generate-preview")).toBeDisabled();
    expect(screen.getByTestId("framing-caption")).toHaveTextContent("The hatched part lies beyond your photo.");
    const { x, y, w, h } = await frameOf(1, "4:5", "full_body");
    expect(drawnFrame()).toEqual([x, y, w, h]);
    expect(y + h).toBeGreaterThan(1600);

    await user.click(screen.getByRole("button", { name: "Use half body instead" }));

    expect(screen.getByTestId("framing-half_body")).toBeChecked();
    expect(screen.queryByTestId("framing-warning")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("generate-preview"));
    expect(backend.enqueued.map((e) => e.settings.framing)).toEqual(["half_body"]);
  });

  it("doesn't generate a framing the photo can't fill from the keyboard either", async () => {
    const user = await openStudio();
    await user.click(screen.getByTestId("framing-three_quarter"));
    await screen.findByTestId("framing-warning");

    await fireEvent.keyDown(window, { key: "Enter", ctrlKey: true });

    // Nothing was asked of the backend, so nothing was refused either.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(backend.enqueued).toEqual([]);
    expect(screen.getByRole("button", { name: "Use half body instead" })).toBeInTheDocument();
  });

  it("offers every framing for a photo that shows all of the body", async () => {
    const user = await openStudio();
    await user.click(screen.getByRole("button", { name: "full-length.jpg" }));
    await user.click(screen.getByTestId("framing-full_body"));

    await waitFor(() => expect(screen.getByRole("radio", { name: "Full body" })).toBeChecked());
    expect(screen.queryByTestId("framing-warning")).not.toBeInTheDocument();
    expect(screen.getByTestId("generate-preview")).toBeEnabled();
    await user.click(screen.getByTestId("generate-preview"));
    expect(backend.enqueued).toMatchObject([{ portraitId: 2, settings: { framing: "full_body" } }]);
  });
});
