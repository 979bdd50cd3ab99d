import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { formatDate } from "../lib/format";
import { applyLanguage } from "../lib/i18n";
import { FIRST_CHOICES } from "../studio/choices.svelte";
import { FakeBackend, makeFile, makeOutput, makePortrait } from "../test/fake-backend";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
  delete document.documentElement.dataset.ready;
});

function renderApp() {
  return render(App, { props: { backend } });
}

/** The time `days` from now, as the backend writes it. */
const inDays = (days: number) => new Date(Date.now() + days * 24 * 60 * 60 * 1000).toISOString();

const importInput = () => screen.getByTestId("import-input") as HTMLInputElement;

describe("Library", () => {
  it("shows a friendly empty state when there are no portraits", async () => {
    renderApp();
    const empty = await screen.findByTestId("library-empty");
    expect(empty).toHaveTextContent("Your library is empty");
    expect(empty).toHaveTextContent("Everything stays on this computer.");
    await waitFor(() => expect(document.documentElement.dataset.ready).toBe("true"));
  });

  it("lists existing portraits with their name, date, pixel size and file size", async () => {
    backend.portraits = [makePortrait({ originalName: "grandma.png", width: 800, height: 600 })];
    renderApp();
    const card = await screen.findByTestId("portrait-card");
    expect(card).toHaveAttribute("data-sha256", "ab12");
    expect(card).toHaveTextContent("grandma.png");
    expect(card).toHaveTextContent("800 × 600");
    expect(card).toHaveTextContent("1.2 MB");
    const thumb = within(card).getByTestId("portrait-thumb");
    expect(thumb).toHaveAttribute("alt", "grandma.png");
    expect(thumb).toHaveAttribute("src", "vault://localhost/portrait-thumb%2F1");
  });

  it("adds a card with the name and size after importing a file", async () => {
    const user = userEvent.setup();
    renderApp();
    await screen.findByTestId("library-empty");

    await user.upload(importInput(), makeFile("me.jpg", "x".repeat(2500)));

    const card = await screen.findByTestId("portrait-card");
    expect(card).toHaveTextContent("me.jpg");
    expect(card).toHaveTextContent("2.5 KB");
    expect(screen.queryByTestId("library-empty")).not.toBeInTheDocument();
  });

  it("imports several dropped files one after another", async () => {
    renderApp();
    await screen.findByTestId("library-empty");
    const files = [makeFile("a.jpg", "aaa"), makeFile("b.png", "bbb", "image/png")];

    await fireEvent.drop(window, { dataTransfer: { types: ["Files"], files } });

    await waitFor(() => expect(screen.getAllByTestId("portrait-card")).toHaveLength(2));
    expect(backend.portraits.map((p) => p.originalName)).toEqual(["b.png", "a.jpg"]);
  });

  it("shows which file is importing, how far along, and its current stage", async () => {
    let release!: () => void;
    backend.gate = new Promise((resolve) => (release = resolve));
    renderApp();
    await screen.findByTestId("library-empty");

    const files = [makeFile("a.jpg", "aaa"), makeFile("b.jpg", "bbb")];
    await fireEvent.drop(window, { dataTransfer: { types: ["Files"], files } });

    const progress = await screen.findByTestId("import-progress");
    await waitFor(() => expect(progress).toHaveTextContent("Importing 1 of 2 — a.jpg"));
    await waitFor(() => expect(progress).toHaveTextContent("Checking on this device…"));

    release();
    await waitFor(() => expect(screen.queryByTestId("import-progress")).not.toBeInTheDocument());
    expect(screen.getAllByTestId("portrait-card")).toHaveLength(2);
  });

  it("sends the next file while the one before it is still being checked, and keeps their order", async () => {
    let release!: () => void;
    backend.gate = new Promise((resolve) => (release = resolve));
    renderApp();
    await screen.findByTestId("library-empty");

    const files = [makeFile("a.jpg", "aaa"), makeFile("b.jpg", "bbb"), makeFile("c.jpg", "ccc")];
    await fireEvent.drop(window, { dataTransfer: { types: ["Files"], files } });

    await waitFor(() => expect(backend.importsSent).toEqual(["a.jpg", "b.jpg"]));
    expect(screen.getByTestId("import-progress")).toHaveTextContent("Importing 1 of 3 — a.jpg");
    release();
    await waitFor(() => expect(screen.getAllByTestId("portrait-card")).toHaveLength(3));
    expect(backend.importsSent).toEqual(["a.jpg", "b.jpg", "c.jpg"]);
    expect(screen.getAllByTestId("portrait-card").map((c) => c.textContent?.match(/[abc]\.jpg/)?.[0])).toEqual([
      "c.jpg",
      "b.jpg",
      "a.jpg",
    ]);
  });

  it("imports an image pasted from the clipboard", async () => {
    renderApp();
    await screen.findByTestId("library-empty");

    await fireEvent.paste(window, { clipboardData: { files: [makeFile("image.png", "png")], items: [] } });

    expect(await screen.findByTestId("portrait-card")).toHaveTextContent("image.png");
  });

  it("shows the human reason and error code when an import fails", async () => {
    const user = userEvent.setup();
    renderApp();
    await screen.findByTestId("library-empty");
    backend.failNext = { code: "unsupported_format" };

    await user.upload(importInput(), makeFile("notes.jpg", "hello"));

    const error = await screen.findByTestId("import-error");
    expect(error).toHaveAttribute("data-code", "unsupported_format");
    expect(error).toHaveTextContent("notes.jpg: This file isn't a JPEG, PNG or WebP image.");

    await user.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("import-error")).not.toBeInTheDocument();
  });

  it("refuses files over 50 MB without sending them to the backend", async () => {
    const user = userEvent.setup();
    renderApp();
    await screen.findByTestId("library-empty");
    const huge = makeFile("huge.jpg", "x");
    Object.defineProperty(huge, "size", { value: 60 * 1024 * 1024 });

    await user.upload(importInput(), huge);

    const error = await screen.findByTestId("import-error");
    expect(error).toHaveAttribute("data-code", "file_too_large");
    expect(error).toHaveTextContent("huge.jpg: This file is larger than 50 MB.");
    expect(backend.portraits).toHaveLength(0);
  });

  it("explains in plain words why a photo was not accepted and adds no card", async () => {
    const user = userEvent.setup();
    renderApp();
    await screen.findByTestId("library-empty");
    backend.rejectNext = {
      reason: "multiple_people",
      confidence: 0.97,
      faceCount: 2,
      people: 2,
    };

    await user.upload(importInput(), makeFile("party.jpg", "group photo"));

    const rejection = await screen.findByTestId("import-rejection");
    expect(rejection).toHaveAttribute("data-reason", "multiple_people");
    expect(rejection).toHaveTextContent("party.jpg: We found 2 people. Use a photo of just you.");
    expect(rejection).toHaveTextContent("Nothing was kept: Likeness discarded its copy; your own file is untouched.");
    expect(screen.queryByTestId("portrait-card")).not.toBeInTheDocument();
    expect(screen.getByTestId("library-empty")).toBeInTheDocument();
    // Dismissing is the only action: there is no way to keep a rejected photo.
    expect(within(rejection.closest("[role=alert]") as HTMLElement).getAllByRole("button")).toHaveLength(1);
  });

  it("imports the accepted photos of a batch even when one is rejected", async () => {
    renderApp();
    await screen.findByTestId("library-empty");
    backend.rejectNext = { reason: "no_face", confidence: 0.9, faceCount: 0, people: 0 };
    const files = [makeFile("tree.jpg", "tree"), makeFile("me.jpg", "me")];

    await fireEvent.drop(window, { dataTransfer: { types: ["Files"], files } });

    expect(await screen.findByTestId("portrait-card")).toHaveTextContent("me.jpg");
    expect(screen.getByTestId("import-rejection")).toHaveTextContent("tree.jpg: We couldn't find a face.");
  });

  it("gently notes a duplicate instead of adding a second card", async () => {
    const user = userEvent.setup();
    renderApp();
    await screen.findByTestId("library-empty");

    await user.upload(importInput(), makeFile("me.jpg", "same bytes"));
    await screen.findByTestId("portrait-card");
    await user.upload(importInput(), makeFile("me-copy.jpg", "same bytes"));

    expect(await screen.findByText("me-copy.jpg: Already in your library")).toBeInTheDocument();
    expect(screen.getAllByTestId("portrait-card")).toHaveLength(1);
  });

  it("asks for confirmation before deleting and keeps the card on Cancel", async () => {
    const user = userEvent.setup();
    backend.portraits = [makePortrait({ originalName: "keep.jpg" })];
    renderApp();

    await user.click(await screen.findByRole("button", { name: "Delete keep.jpg" }));
    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("Delete keep.jpg?");
    expect(dialog).toHaveTextContent("keep.jpg is removed from this computer.");
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();

    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));

    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(screen.getByTestId("portrait-card")).toHaveTextContent("keep.jpg");
    expect(backend.deleted).toEqual([]);
  });

  it("cancels the delete dialog with Escape", async () => {
    const user = userEvent.setup();
    backend.portraits = [makePortrait()];
    renderApp();

    await user.click(await screen.findByTestId("delete-portrait"));
    await user.keyboard("{Escape}");

    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(screen.getByTestId("portrait-card")).toBeInTheDocument();
  });

  it("removes the card only after the delete is confirmed", async () => {
    const user = userEvent.setup();
    backend.portraits = [makePortrait({ id: 7, originalName: "gone.jpg" })];
    renderApp();

    await user.click(await screen.findByRole("button", { name: "Delete gone.jpg" }));
    expect(screen.getByTestId("portrait-card")).toBeInTheDocument();
    await user.click(screen.getByTestId("confirm-delete"));

    await waitFor(() => expect(screen.queryByTestId("portrait-card")).not.toBeInTheDocument());
    expect(backend.deleted).toEqual([{ id: 7, withImages: false }]);
    expect(screen.getByTestId("library-empty")).toBeInTheDocument();
  });

  it("explains a failed library load and recovers on Retry", async () => {
    const user = userEvent.setup();
    backend.listError = { code: "database" };
    renderApp();

    const problem = await screen.findByTestId("library-error");
    expect(problem).toHaveAttribute("data-code", "database");
    expect(problem).toHaveTextContent("Likeness couldn't read its library database.");

    backend.listError = null;
    await user.click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("library-empty")).toBeInTheDocument();
  });

  it("opens the file picker from the keyboard", async () => {
    const user = userEvent.setup();
    renderApp();
    await screen.findByTestId("library-empty");
    let opened = 0;
    importInput().addEventListener("click", () => opened++);

    const button = screen.getByRole("button", { name: "Import portraits" });
    button.focus();
    await user.keyboard("{Enter}");

    expect(opened).toBeGreaterThan(0);
  });

  it("offers to delete the images made from a portrait too, and leaves them by default", async () => {
    const user = userEvent.setup();
    backend.portraits = [makePortrait({ id: 7, originalName: "ada.jpg" })];
    backend.outputs = [1, 2, 3].map((id) => makeOutput({ id, portraitId: 7 }));
    renderApp();

    await user.click(await screen.findByRole("button", { name: "Delete ada.jpg" }));
    const dialog = screen.getByRole("alertdialog");
    const withImages = await within(dialog).findByTestId("delete-portrait-images");
    expect(dialog).toHaveTextContent("Also delete the 3 images made from it");
    expect(dialog).toHaveTextContent(
      "ada.jpg is removed from this computer. The 3 images made from it stay in History without their before/after.",
    );
    expect(withImages).not.toBeChecked();

    await user.click(withImages);
    expect(dialog).toHaveTextContent("ada.jpg and the 3 images made from it are removed from this computer.");
    expect(within(dialog).getByTestId("confirm-delete")).toHaveTextContent("Delete with 3 images");
    await user.click(within(dialog).getByTestId("confirm-delete"));

    await waitFor(() => expect(screen.queryByTestId("portrait-card")).not.toBeInTheDocument());
    expect(backend.deleted).toEqual([{ id: 7, withImages: true }]);
    expect(backend.outputs).toEqual([]);
  });

  it("keeps a portrait's images in History unless the user ticks the box", async () => {
    const user = userEvent.setup();
    backend.portraits = [makePortrait({ id: 7, originalName: "ada.jpg" })];
    backend.outputs = [makeOutput({ id: 1, portraitId: 7 })];
    renderApp();

    await user.click(await screen.findByRole("button", { name: "Delete ada.jpg" }));
    await screen.findByTestId("delete-portrait-images");
    await user.click(screen.getByTestId("confirm-delete"));

    await waitFor(() => expect(backend.deleted).toEqual([{ id: 7, withImages: false }]));
    expect(backend.outputs.map((o) => o.portraitId)).toEqual([null]);
  });

  it("doesn't offer to delete images when none were made from the portrait", async () => {
    const user = userEvent.setup();
    backend.portraits = [makePortrait({ originalName: "ada.jpg" })];
    renderApp();

    await user.click(await screen.findByRole("button", { name: "Delete ada.jpg" }));

    await waitFor(() =>
      expect(screen.getByRole("alertdialog")).toHaveTextContent(
        "ada.jpg is removed from this computer. No images were made from it.",
      ),
    );
    expect(screen.queryByTestId("delete-portrait-images")).not.toBeInTheDocument();
  });

  it("shows on each card when retention will delete the portrait", async () => {
    backend.portraits = [
      makePortrait({ id: 1, originalName: "later.jpg", expiresAt: "2099-12-02T10:00:00Z" }),
      makePortrait({ id: 2, originalName: "mine.jpg", expiresAt: null }),
      makePortrait({ id: 3, originalName: "soon.jpg", expiresAt: inDays(3) }),
    ];
    renderApp();

    const [later, mine, soon] = await screen.findAllByTestId("portrait-card");
    expect(within(later).getByTestId("portrait-expiry")).toHaveTextContent(/^Deleted on .*2099$/);
    expect(within(later).queryByRole("button", { name: "Keep later.jpg" })).not.toBeInTheDocument();
    expect(within(mine).getByTestId("portrait-expiry")).toHaveTextContent("Kept until you delete it");
    expect(within(soon).getByTestId("portrait-expiry")).toHaveTextContent("Deleted in 3 days");
    expect(within(soon).getByTestId("keep-portrait-3")).toHaveAccessibleName("Keep soon.jpg");
  });

  it("keeps a portrait that is about to be deleted for another full period", async () => {
    const user = userEvent.setup();
    backend.portraits = [makePortrait({ id: 3, originalName: "soon.jpg", expiresAt: inDays(1) })];
    renderApp();

    await user.click(await screen.findByTestId("keep-portrait-3"));

    const inThirtyDays = formatDate(inDays(30));
    await waitFor(() => expect(screen.getByTestId("portrait-expiry")).toHaveTextContent(`Deleted on ${inThirtyDays}`));
    expect(screen.queryByTestId("keep-portrait-3")).not.toBeInTheDocument();
  });

  it("opens a photo large from its card, and Escape closes it and returns focus to the card", async () => {
    const user = userEvent.setup();
    backend.portraits = [makePortrait({ id: 4, originalName: "ada.jpg", width: 1200, height: 1600 })];
    renderApp();

    const open = await screen.findByRole("button", { name: "View ada.jpg large" });
    await user.click(open);
    const viewer = screen.getByTestId("portrait-viewer");
    expect(within(viewer).getByRole("heading")).toHaveTextContent("ada.jpg");
    expect(within(viewer).getByAltText("ada.jpg")).toHaveAttribute("src", "vault://localhost/portrait%2F4");

    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("portrait-viewer")).not.toBeInTheDocument();
    expect(open).toHaveFocus();
  });

  it("sorts the cards newest, oldest or by name, and finds one by its name", async () => {
    const user = userEvent.setup();
    backend.portraits = [
      makePortrait({ id: 1, originalName: "Bo 10.jpg", importedAt: "2025-03-01T10:00:00Z" }),
      makePortrait({ id: 2, originalName: "ada.jpg", importedAt: "2025-03-03T10:00:00Z" }),
      makePortrait({ id: 3, originalName: "Bo 9.jpg", importedAt: "2025-03-02T10:00:00Z" }),
    ];
    renderApp();
    await screen.findAllByTestId("portrait-card");
    const names = () => screen.queryAllByTestId("portrait-name").map((n) => n.textContent);

    expect(names()).toEqual(["ada.jpg", "Bo 9.jpg", "Bo 10.jpg"]);
    await user.selectOptions(screen.getByTestId("library-sort"), "Oldest first");
    expect(names()).toEqual(["Bo 10.jpg", "Bo 9.jpg", "ada.jpg"]);
    await user.selectOptions(screen.getByTestId("library-sort"), "Name");
    expect(names()).toEqual(["ada.jpg", "Bo 9.jpg", "Bo 10.jpg"]);

    await user.type(screen.getByRole("searchbox", { name: "Search by name" }), "bo");
    expect(names()).toEqual(["Bo 9.jpg", "Bo 10.jpg"]);
    await user.type(screen.getByRole("searchbox", { name: "Search by name" }), "x");
    expect(names()).toEqual([]);
    expect(screen.getByTestId("library-no-match")).toHaveTextContent("No portrait's name contains “box”.");
  });

  it("deletes several ticked portraits after one confirmation that counts them and their images", async () => {
    const user = userEvent.setup();
    backend.portraits = [
      makePortrait({ id: 1, originalName: "a.jpg", importedAt: "2025-03-03T10:00:00Z" }),
      makePortrait({ id: 2, originalName: "b.jpg", importedAt: "2025-03-02T10:00:00Z" }),
      makePortrait({ id: 3, originalName: "c.jpg", importedAt: "2025-03-01T10:00:00Z" }),
    ];
    backend.outputs = [makeOutput({ id: 1, portraitId: 1 }), makeOutput({ id: 2, portraitId: 3 })];
    renderApp();
    await screen.findAllByTestId("portrait-card");
    expect(screen.queryByTestId("delete-selected")).not.toBeInTheDocument();

    await user.click(screen.getByRole("checkbox", { name: "Select a.jpg" }));
    await user.click(screen.getByRole("checkbox", { name: "Select c.jpg" }));
    await user.click(screen.getByRole("button", { name: "Delete 2 selected…" }));

    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("Delete 2 portraits?");
    await waitFor(() =>
      expect(dialog).toHaveTextContent(
        "a.jpg and c.jpg are removed from this computer. The 2 images made from them stay in History without their before/after.",
      ),
    );
    await user.click(within(dialog).getByTestId("confirm-delete"));

    await waitFor(() => expect(screen.getAllByTestId("portrait-card")).toHaveLength(1));
    expect(backend.deleted).toEqual([
      { id: 1, withImages: false },
      { id: 3, withImages: false },
    ]);
    expect(screen.getByTestId("portrait-card")).toHaveTextContent("b.jpg");
    expect(screen.queryByTestId("delete-selected")).not.toBeInTheDocument();
  });

  it("opens the Studio with the portrait chosen from its card", async () => {
    const user = userEvent.setup();
    backend.portraits = [makePortrait({ id: 1, originalName: "ada.jpg" }), makePortrait({ id: 2, originalName: "bo.jpg" })];
    backend.savedChoices = { ...FIRST_CHOICES, portraitId: 1 };
    renderApp();

    const [, bo] = await screen.findAllByTestId("portrait-card");
    await user.click(within(bo).getByRole("button", { name: "Use in Studio" }));

    await screen.findByTestId("studio");
    const chosen = await screen.findByRole("button", { name: "bo.jpg", pressed: true });
    expect(chosen).toHaveAttribute("data-testid", "studio-portrait");
  });

  it("speaks the chosen language on every card, notice and dialog, with its own plurals and dates", async () => {
    const user = userEvent.setup();
    applyLanguage("de");
    backend.portraits = [
      makePortrait({ id: 1, originalName: "a.jpg", expiresAt: inDays(1) }),
      makePortrait({ id: 2, originalName: "b.jpg", expiresAt: "2099-12-02T10:00:00Z", bytes: 1_234_567 }),
    ];
    backend.outputs = [makeOutput({ id: 1, portraitId: 2 }), makeOutput({ id: 2, portraitId: 2 })];
    renderApp();

    const [soon, later] = await screen.findAllByTestId("portrait-card");
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Bibliothek");
    expect(within(soon).getByTestId("portrait-expiry")).toHaveTextContent("Wird in 1 Tag gelöscht");
    expect(within(later).getByTestId("portrait-expiry")).toHaveTextContent("Wird am 02.12.2099 gelöscht");
    expect(later).toHaveTextContent("1,2 MB");

    await user.click(within(later).getByRole("button", { name: "b.jpg löschen" }));
    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("b.jpg löschen?");
    await waitFor(() =>
      expect(dialog).toHaveTextContent(
        "b.jpg wird von diesem Computer entfernt. Die 2 daraus erstellten Bilder bleiben im Verlauf, ohne ihren Vorher-nachher-Vergleich.",
      ),
    );
    await user.click(within(dialog).getByRole("button", { name: "Abbrechen" }));
  });

  it("words a refusal from its reason code in the chosen language, not the backend's English", async () => {
    const user = userEvent.setup();
    applyLanguage("ja");
    renderApp();
    await screen.findByTestId("library-empty");
    backend.rejectNext = {
      reason: "multiple_people",
      confidence: 0.97,
      faceCount: 2,
      people: 2,
    };

    await user.upload(importInput(), makeFile("party.jpg", "group photo"));

    const rejection = await screen.findByTestId("import-rejection");
    expect(rejection).toHaveTextContent(
      "party.jpg：2人が写っています。あなた1人だけが写っている写真を使用してください。",
    );
    expect(rejection).not.toHaveTextContent("We found");
    expect(rejection).toHaveTextContent("何も保存されていません。");
  });
});
