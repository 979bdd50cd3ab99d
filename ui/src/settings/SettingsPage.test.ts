import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { FakeBackend, makePortrait, POLICY_VERSION } from "../test/fake-backend";

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

  it("lists the consent history with what was agreed, its status, policy version and time", async () => {
    await openSettings();

    const rows = within(await screen.findByTestId("consent-history")).getAllByTestId("consent-record");
    expect(rows.map((row) => (row as HTMLTableRowElement).cells[0].textContent)).toEqual([
      "Face analysis on this computer",
      "Right to use my photos",
      "18 or older",
    ]);
    for (const row of rows) {
      expect(row).toHaveTextContent("Given");
      expect(row).toHaveTextContent(POLICY_VERSION);
      expect(row).toHaveTextContent(/2025/);
    }
  });

  it("asks for confirmation before withdrawing consent and changes nothing on Cancel", async () => {
    const backend = new FakeBackend();
    backend.portraits = [makePortrait()];
    const user = await openSettings(backend);

    await user.click(screen.getByTestId("withdraw-consent"));
    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("Withdraw consent?");
    expect(dialog).toHaveTextContent(
      "This deletes all your portraits and everything made from them from this computer. Moderation and consent records (no images) are kept as your record.",
    );
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));

    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(backend.portraits).toHaveLength(1);
    expect(backend.consent.adult).toBe(true);
  });

  it("deletes the portraits and returns to the consent gate after withdrawing", async () => {
    const backend = new FakeBackend();
    backend.portraits = [makePortrait()];
    const user = await openSettings(backend);

    await user.click(screen.getByTestId("withdraw-consent"));
    await user.click(screen.getByRole("button", { name: "Withdraw and delete" }));

    expect(await screen.findByTestId("consent-gate")).toBeInTheDocument();
    expect(screen.getByTestId("consent-adult")).not.toBeChecked();
    expect(screen.queryByRole("navigation")).not.toBeInTheDocument();
    expect(backend.portraits).toEqual([]);
    expect(backend.history.slice(0, 3).every((record) => !record.granted)).toBe(true);
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
