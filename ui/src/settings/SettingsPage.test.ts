import { render, screen } from "@testing-library/svelte";
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
