// Getting around the app from the keyboard and with a screen reader: the skip link, where the focus
// goes after a page changes, and dialogs that take the focus and give it back.
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import { applyLanguage } from "./lib/i18n";
import { FakeBackend, makeOutput, makePortrait } from "./test/fake-backend";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
});

async function renderApp() {
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await screen.findByRole("heading", { level: 1, name: "Library" });
  return user;
}

describe("The skip link", () => {
  it("is the first Tab stop, and jumps past the sidebar to the page's heading in the main region", async () => {
    const user = await renderApp();

    await user.tab();
    const link = screen.getByRole("link", { name: "Skip to content" });
    expect(link).toHaveFocus();
    expect(link).toHaveAttribute("href", "#main");
    expect(document.getElementById("main")).toBe(screen.getByRole("main"));

    await user.keyboard("{Enter}");
    const heading = screen.getByRole("heading", { level: 1, name: "Library" });
    expect(heading).toHaveFocus();
    expect(screen.getByRole("main")).toContainElement(heading);
  });

  it("is in the language on screen", async () => {
    applyLanguage("ja");
    render(App, { props: { backend } });
    expect(await screen.findByRole("link", { name: "本文へスキップ" })).toHaveAttribute("href", "#main");
  });
});

describe("Moving between pages", () => {
  it.each(["Studio", "History", "Store", "Privacy", "Settings", "Library"])(
    "puts the focus on the %s page's heading, out of the Tab order",
    async (page) => {
      const user = await renderApp();
      if (page === "Library") await user.click(screen.getByRole("button", { name: "Settings" }));

      await user.click(screen.getByRole("button", { name: page }));

      const heading = await screen.findByRole("heading", { level: 1, name: page });
      await waitFor(() => expect(heading).toHaveFocus());
      expect(heading).toHaveAttribute("tabindex", "-1");
    },
  );

  it("reads the new page from its heading when a page sends the user on", async () => {
    backend.portraits = [makePortrait({ originalName: "ada.jpg" })];
    const user = await renderApp();

    await user.click(await screen.findByTestId("use-in-studio"));

    await waitFor(() => expect(screen.getByRole("heading", { level: 1, name: "Studio" })).toHaveFocus());
  });
});

describe("A dialog", () => {
  it("is named by its heading, keeps Tab inside, and gives the focus back to what opened it", async () => {
    backend.portraits = [makePortrait({ originalName: "keep.jpg" })];
    const user = await renderApp();
    const opener = await screen.findByRole("button", { name: "Delete keep.jpg" });

    await user.click(opener);
    const dialog = screen.getByRole("alertdialog", { name: "Delete keep.jpg?" });
    const [cancel, confirm] = within(dialog).getAllByRole("button");
    expect(cancel).toHaveFocus();
    await user.tab();
    expect(confirm).toHaveFocus();
    await user.tab();
    expect(cancel).toHaveFocus();
    await user.tab({ shift: true });
    expect(confirm).toHaveFocus();

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
  });

  it("gives the focus back to the opener of a dialog opened over another", async () => {
    backend.outputs = [makeOutput()];
    const user = await renderApp();
    await user.click(screen.getByRole("button", { name: "History" }));
    const [tile] = await screen.findAllByTestId("output-tile");
    const openTile = within(tile).getByRole("button");
    await user.click(openTile);
    const detail = screen.getByRole("dialog");
    expect(detail).toHaveAccessibleName(/^Preview · /);
    const remove = within(detail).getByTestId("delete-output");

    await user.click(remove);
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Cancel" }));
    expect(remove).toHaveFocus();

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(openTile).toHaveFocus();
  });

  it("leaves the focus on the page's heading when what opened it is gone", async () => {
    backend.outputs = [makeOutput()];
    const user = await renderApp();
    await user.click(screen.getByRole("button", { name: "History" }));
    const [tile] = await screen.findAllByTestId("output-tile");
    await user.click(within(tile).getByRole("button"));

    await user.click(screen.getByTestId("delete-output"));
    await user.click(screen.getByTestId("confirm-delete"));

    await waitFor(() => expect(screen.queryByTestId("output-tile")).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getByRole("heading", { level: 1, name: "History" })).toHaveFocus());
  });
});
