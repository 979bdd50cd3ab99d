import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { applyLanguage } from "../lib/i18n";
import BeforeAfter from "./BeforeAfter.svelte";

describe("Before/after", () => {
  it("shows exactly the part of the photo the new image was cut from", () => {
    // A 512 px square crop from (100, 50) of a 1024 × 768 photo.
    const crop = { x: 100, y: 50, w: 512, h: 512, photoWidth: 1024, photoHeight: 768 };
    render(BeforeAfter, { props: { before: "before.png", after: "after.png", width: 512, height: 512, crop, alt: "New" } });
    const before = screen.getByTestId("before-image");
    expect(before.style.backgroundSize).toBe("200% 150%");
    // 100 / (1024 - 512) and 50 / (768 - 512) are both 19.53125%.
    expect(before.style.backgroundPosition).toBe("19.53125% 19.53125%");
  });

  it("falls back to a centred cover crop when the crop is unknown", () => {
    render(BeforeAfter, { props: { before: "before.png", after: "after.png", width: 4, height: 5, crop: null, alt: "New" } });
    expect(screen.getByRole("img", { name: "Your original portrait" }).tagName).toBe("IMG");
  });

  it("is a native slider that says how much of each picture shows, in the language on screen", async () => {
    render(BeforeAfter, { props: { before: "before.png", after: "after.png", width: 4, height: 5, crop: null, alt: "New" } });
    const slider = screen.getByRole("slider", { name: "Compare with your original portrait" });
    expect(slider).toHaveAttribute("type", "range");
    expect(slider).toHaveAttribute("aria-valuetext", "50% new image, 50% original");

    await fireEvent.input(slider, { target: { value: "45" } });
    expect(slider).toHaveAttribute("aria-valuetext", "45% new image, 55% original");

    applyLanguage("de");
    await waitFor(() => expect(slider.getAttribute("aria-valuetext")).toMatch(/^45\s% neues Bild, 55\s% Original$/));
  });
});
