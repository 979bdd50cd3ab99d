import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { FakeBackend, makePortrait } from "../test/fake-backend";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
  backend.portraits = [
    makePortrait({ id: 1, originalName: "ada.jpg" }),
    makePortrait({ id: 2, originalName: "bo.jpg" }),
    makePortrait({ id: 3, originalName: "cy.jpg" }),
    makePortrait({ id: 4, originalName: "di.jpg" }),
  ];
  backend.facings.set(2, { yawDegrees: 41, facing: "turned_right" });
  backend.facings.set(3, { yawDegrees: -38, facing: "turned_left" });
  backend.facings.set(4, { code: "engine_unavailable" });
});

describe("FacingNote", () => {
  it("the Studio says whether the chosen photo faces the camera", async () => {
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await user.click(await screen.findByRole("button", { name: "Studio" }));

    expect(await screen.findByTestId("facing-note")).toHaveTextContent("Facing the camera");

    await user.click(screen.getByRole("button", { name: "bo.jpg" }));
    await waitFor(() => expect(screen.getByTestId("facing-note")).toHaveTextContent("Turned to the right"));

    await user.click(screen.getByRole("button", { name: "cy.jpg" }));
    await waitFor(() => expect(screen.getByTestId("facing-note")).toHaveTextContent("Turned to the left"));

    // When the face mesh can't run, the facing is unknown and nothing is said.
    await user.click(screen.getByRole("button", { name: "di.jpg" }));
    await waitFor(() => expect(screen.queryByTestId("facing-note")).not.toBeInTheDocument());
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });
});
