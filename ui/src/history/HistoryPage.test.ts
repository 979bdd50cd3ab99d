import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { formatDate } from "../lib/format";
import { applyLanguage } from "../lib/i18n";
import { FakeBackend, makeCatalogueStyles, makeOutput, makePortrait } from "../test/fake-backend";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
  backend.portraits = [makePortrait({ id: 1, originalName: "ada.jpg" }), makePortrait({ id: 2, originalName: "bo.jpg" })];
});

async function openHistory() {
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await user.click(await screen.findByRole("button", { name: "History" }));
  await screen.findByTestId("history");
  return user;
}

async function openDetail(user: ReturnType<typeof userEvent.setup>) {
  const [tile] = await screen.findAllByTestId("output-tile");
  await user.click(within(tile).getByRole("button"));
  return screen.getByTestId("output-detail");
}

const lastFilter = () => backend.outputFilters[backend.outputFilters.length - 1];

describe("History", () => {
  it("explains how to make a first preview when nothing has been made yet", async () => {
    const user = await openHistory();

    const empty = await screen.findByTestId("history-empty");
    expect(empty).toHaveTextContent("In the Studio, pick one of your portraits, a framing and a style");
    await user.click(within(empty).getByRole("button", { name: "Open Studio" }));
    expect(await screen.findByTestId("studio")).toBeInTheDocument();
  });

  it("asks for outputs matching the chosen portrait, style, dates and favourites", async () => {
    backend.outputs = [makeOutput()];
    const user = await openHistory();
    await screen.findByTestId("output-tile");

    await user.selectOptions(screen.getByTestId("filter-portrait"), "bo.jpg");
    await user.selectOptions(screen.getByTestId("filter-style"), "Watercolour");
    await fireEvent.input(screen.getByTestId("filter-since"), { target: { value: "2025-03-01" } });
    await fireEvent.input(screen.getByTestId("filter-until"), { target: { value: "2025-03-31" } });
    await user.click(screen.getByTestId("filter-favourites"));

    await waitFor(() =>
      expect(lastFilter()).toEqual({
        portraitId: 2,
        styleKey: "watercolour",
        since: new Date("2025-03-01T00:00:00").toISOString(),
        until: new Date("2025-04-01T00:00:00").toISOString(),
        favouritesOnly: true,
        limit: 120,
        after: null,
      }),
    );
    expect(await screen.findByTestId("history-no-match")).toHaveTextContent("Nothing matches these filters.");
  });

  it("finds the images made with a picture of the user's own under My own picture", async () => {
    backend.outputs = [makeOutput()];
    const user = await openHistory();
    await screen.findByTestId("output-tile");

    await user.selectOptions(screen.getByTestId("filter-style"), "My own picture");

    await waitFor(() => expect(lastFilter()).toMatchObject({ styleKey: "picture" }));
  });

  it("renders only a window of tiles for 5,000 outputs and fetches the next page while scrolling", async () => {
    backend.outputs = Array.from({ length: 5000 }, (_, i) => makeOutput({ id: 5000 - i }));
    await openHistory();

    await waitFor(() => expect(screen.getAllByTestId("output-tile").length).toBeGreaterThan(0));
    expect(screen.getAllByTestId("output-tile").length).toBeLessThan(100);
    expect(backend.outputFilters).toHaveLength(1);

    const grid = screen.getByRole("list", { name: "Your images, newest first" }).closest(".viewport")!;
    await fireEvent.scroll(grid, { target: { scrollTop: 236 * 25 } });

    await waitFor(() => expect(backend.outputFilters.length).toBeGreaterThan(1));
    expect(backend.outputFilters[1].after).toEqual({ createdAt: "2025-03-04T10:00:00Z", id: 4881 });
    // The window moved down: the newest tiles at the top are no longer rendered.
    const tiles = screen.getAllByTestId("output-tile");
    expect(tiles.length).toBeLessThan(100);
    expect(tiles[0]).not.toHaveAttribute("data-output-id", "5000");
  });

  it("shows each image at its own shape, marked Preview, HD, Cloud and favourite, with how it was made", async () => {
    backend.outputs = [
      makeOutput({
        id: 2,
        width: 2048,
        height: 1152,
        engine: "cloud",
        favourite: true,
        settings: {
          framing: "half_body",
          orientation: "16:9",
          style: { kind: "preset", mix: [["watercolour", 1]] },
          strength: 1,
          seed: 7,
          hdFactor: 4,
        },
      }),
      makeOutput({ id: 1 }),
    ];
    await openHistory();

    const [hd, preview] = await screen.findAllByTestId("output-tile");
    expect(hd.style.getPropertyValue("--ratio")).toBe("2048 / 1152");
    expect(preview.style.getPropertyValue("--ratio")).toBe("512 / 640");
    expect(hd).toHaveTextContent("HD ×4");
    expect(hd).toHaveTextContent("Cloud");
    expect(hd).toHaveTextContent("Watercolour");
    expect(hd).toHaveTextContent("Half body · Wide 16:9");
    expect(within(hd).getByRole("button")).toHaveAccessibleName(
      `HD ×4, Watercolour, Half body · Wide 16:9, ${formatDate("2025-03-04T10:00:00Z")}, made in Likeness Cloud, favourite`,
    );
    expect(preview).toHaveTextContent("Preview");
    expect(preview).not.toHaveTextContent("Cloud");
    expect(within(preview).getByRole("button")).toHaveAccessibleName(
      `Preview, Impressionism, Head and shoulders · Portrait 4:5, ${formatDate("2025-03-04T10:00:00Z")}`,
    );
  });

  it("shows every setting, a before/after comparison and the source portrait underneath", async () => {
    backend.outputs = [
      makeOutput({
        settings: {
          framing: "three_quarter",
          orientation: "3:2",
          style: { kind: "preset", mix: [["impressionism", 0.7], ["watercolour", 0.3]] },
          strength: 0.8,
          seed: 424242,
          hdFactor: 2,
        },
      }),
    ];
    const user = await openHistory();

    const detail = await openDetail(user);
    const settings = within(detail).getByTestId("output-settings");
    for (const text of ["Three-quarter", "Landscape 3:2", "Impressionism 70% + Watercolour 30%", "80%", "424242"]) {
      expect(settings).toHaveTextContent(text);
    }
    expect(settings).toHaveTextContent("likeness-paint 0.1");
    expect(settings).toHaveTextContent("512 × 640 · 245 KB");
    expect(settings).toHaveTextContent("×2");
    const compare = within(detail).getByTestId("before-after");
    expect(within(compare).getByAltText("Your original portrait")).toHaveAttribute(
      "src",
      "vault://localhost/portrait%2F1",
    );
    expect(within(compare).getByAltText("The generated portrait: Impressionism 70% + Watercolour 30%, Three-quarter"))
      .toBeInTheDocument();
    expect(within(compare).getByRole("slider", { name: "Compare with your original portrait" })).toBeInTheDocument();
  });

  it("steps through the filtered images with Previous and Next and the arrow keys", async () => {
    backend.outputs = [3, 2, 1].map((id) => makeOutput({ id, seed: id, settings: { ...makeOutput().settings!, seed: id } }));
    const user = await openHistory();
    const detail = await openDetail(user);
    const seed = () => within(detail).getByTestId("output-settings");
    const previous = within(detail).getByRole("button", { name: "Previous image" });
    const next = within(detail).getByRole("button", { name: "Next image" });

    expect(seed()).toHaveTextContent("Seed 3");
    expect(previous).toBeDisabled();
    await user.click(next);
    expect(seed()).toHaveTextContent("Seed 2");
    await user.keyboard("{ArrowRight}");
    expect(seed()).toHaveTextContent("Seed 1");
    expect(next).toBeDisabled();
    await user.keyboard("{ArrowLeft}");
    expect(seed()).toHaveTextContent("Seed 2");

    // On the comparison slider the arrows move the slider instead.
    within(detail).getByRole("slider").focus();
    await user.keyboard("{ArrowLeft}");
    expect(seed()).toHaveTextContent("Seed 2");
    await user.click(previous);
    expect(seed()).toHaveTextContent("Seed 3");
  });

  it("opens the preview an HD image was made from, and says so when that preview is gone", async () => {
    const hd = { ...makeOutput().settings!, hdFactor: 2, seed: 2 };
    backend.outputs = [
      makeOutput({ id: 2, madeFrom: 1, settings: hd, createdAt: "2025-03-05T10:00:00Z" }),
      makeOutput({ id: 1, settings: { ...makeOutput().settings!, seed: 1 } }),
    ];
    const user = await openHistory();
    const detail = await openDetail(user);
    expect(within(detail).getByRole("heading", { level: 2 })).toHaveTextContent("HD image");

    await user.click(within(detail).getByRole("button", { name: "Show the preview it was made from" }));
    expect(within(detail).getByRole("heading", { level: 2 })).toHaveTextContent("Preview");
    expect(within(detail).getByTestId("output-settings")).toHaveTextContent("Seed 1");
    expect(within(detail).queryByTestId("made-from")).not.toBeInTheDocument();

    backend.outputs = backend.outputs.filter((o) => o.id !== 1);
    await user.click(within(detail).getByRole("button", { name: "Previous image" }));
    await user.click(within(detail).getByRole("button", { name: "Show the preview it was made from" }));
    expect(within(detail).getByRole("alert")).toHaveAttribute("data-code", "not_found");
  });

  it("shows the image at its actual pixel size, scrollable, and back fitted", async () => {
    backend.outputs = [makeOutput({ width: 2048, height: 2560, settings: { ...makeOutput().settings!, hdFactor: 4 } })];
    const user = await openHistory();
    const detail = await openDetail(user);
    const toggle = within(detail).getByRole("button", { name: "100%" });

    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    const actual = within(detail).getByRole("region", { name: "The image at actual size" });
    expect(within(actual).getByAltText("The generated portrait: Impressionism, Head and shoulders")).toHaveAttribute(
      "width",
      "2048",
    );
    expect(within(detail).queryByTestId("before-after")).not.toBeInTheDocument();

    await user.click(toggle);
    expect(within(detail).getByTestId("before-after")).toBeInTheDocument();
  });

  it("shows what an image made in Likeness Cloud cost, with its receipt", async () => {
    backend.outputs = [
      makeOutput({
        engine: "cloud",
        cloudCharge: { remoteJobId: "job_abc", credits: 3, receiptId: "rcpt_123" },
      }),
    ];
    const user = await openHistory();

    const settings = within(await openDetail(user)).getByTestId("output-settings");
    expect(settings).toHaveTextContent("Likeness Cloud");
    expect(settings).toHaveTextContent("3 credits · receipt rcpt_123");
  });

  it("marks an image as a favourite", async () => {
    backend.outputs = [makeOutput({ id: 3 })];
    const user = await openHistory();

    const detail = await openDetail(user);
    const toggle = within(detail).getByTestId("favourite-toggle");
    expect(toggle).toHaveAttribute("aria-pressed", "false");
    await user.click(toggle);

    await waitFor(() => expect(toggle).toHaveAttribute("aria-pressed", "true"));
    expect(backend.outputs[0].favourite).toBe(true);
  });

  it("asks for confirmation before deleting an image", async () => {
    backend.outputs = [makeOutput({ id: 3 })];
    const user = await openHistory();
    const detail = await openDetail(user);

    await user.click(within(detail).getByTestId("delete-output"));
    const confirm = screen.getByRole("alertdialog");
    expect(confirm).toHaveTextContent("Delete this image?");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(screen.getByTestId("output-detail")).toBeInTheDocument();
    expect(backend.deletedOutputs).toEqual([]);

    await user.click(within(detail).getByTestId("delete-output"));
    await user.click(screen.getByTestId("confirm-delete"));

    await waitFor(() => expect(screen.queryByTestId("output-detail")).not.toBeInTheDocument());
    expect(backend.deletedOutputs).toEqual([3]);
    expect(screen.queryByTestId("output-tile")).not.toBeInTheDocument();
  });

  it("exports in the chosen format and quality to the chosen folder and shows where it went", async () => {
    backend.outputs = [makeOutput({ id: 3 })];
    backend.pickedFolder = "/home/ada/Desktop";
    const user = await openHistory();
    const detail = await openDetail(user);
    expect(await within(detail).findByTestId("export-folder")).toHaveTextContent("/home/ada/Pictures/Likeness");

    await user.selectOptions(within(detail).getByTestId("export-format"), "JPEG");
    await fireEvent.input(within(detail).getByTestId("export-quality"), { target: { value: "75" } });
    await user.click(within(detail).getByRole("button", { name: "Change…" }));
    expect(within(detail).getByTestId("export-folder")).toHaveTextContent("/home/ada/Desktop");
    await user.click(within(detail).getByTestId("export-button"));

    expect(backend.exports).toEqual([{ outputIds: [3], format: "jpeg", quality: 75, folder: "/home/ada/Desktop" }]);
    const result = await within(detail).findByTestId("export-result");
    expect(result).toHaveTextContent("Saved to /home/ada/Desktop/likeness-3.jpg");
    await user.click(within(result).getByRole("button", { name: "Show in folder" }));
    expect(backend.shownInFolder).toEqual(["/home/ada/Desktop/likeness-3.jpg"]);
  });

  it("exports several selected images together to the default folder", async () => {
    backend.outputs = [makeOutput({ id: 3 }), makeOutput({ id: 2 }), makeOutput({ id: 1 })];
    const user = await openHistory();
    await screen.findAllByTestId("output-tile");

    await user.click(screen.getByTestId("select-mode"));
    const boxes = screen.getAllByTestId("select-output");
    await user.click(boxes[0]);
    await user.click(boxes[2]);
    expect(screen.getByText("2 selected")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Export selected…" }));
    const dialog = screen.getByTestId("export-selection");
    await user.click(within(dialog).getByTestId("export-button"));

    expect(backend.exports).toEqual([{ outputIds: [3, 1], format: "png", quality: 90, folder: null }]);
    const result = await within(dialog).findByTestId("export-result");
    expect(result).toHaveTextContent("Saved 2 images to /home/ada/Pictures/Likeness");
    await user.click(within(result).getByRole("button", { name: "Show in folder" }));
    expect(backend.shownInFolder).toEqual(["/home/ada/Pictures/Likeness/likeness-3.png"]);
    expect(within(dialog).queryByRole("alert")).not.toBeInTheDocument();
  });

  it("says so when the backend refuses the folder or the file is gone from it", async () => {
    backend.outputs = [makeOutput({ id: 3 })];
    const user = await openHistory();
    const detail = await openDetail(user);
    const exportOutputs = backend.exportOutputs.bind(backend);
    backend.exportOutputs = async () => {
      throw { code: "folder_not_chosen" };
    };

    await user.click(within(detail).getByTestId("export-button"));
    const refused = await within(detail).findByRole("alert");
    expect(refused).toHaveAttribute("data-code", "folder_not_chosen");
    expect(refused).toHaveTextContent("Choose the export folder with Change… first.");
    expect(within(detail).queryByTestId("export-result")).not.toBeInTheDocument();

    backend.exportOutputs = exportOutputs;
    backend.showInFolder = async () => {
      throw { code: "not_found" };
    };
    await user.click(within(detail).getByTestId("export-button"));
    await user.click(await within(detail).findByRole("button", { name: "Show in folder" }));
    expect(await within(detail).findByRole("alert")).toHaveTextContent(
      "That file has been moved or deleted since it was saved.",
    );
  });

  it("says in plain words where the images are when no file manager can show the folder", async () => {
    backend.outputs = [makeOutput({ id: 3 })];
    const user = await openHistory();
    const detail = await openDetail(user);
    backend.showInFolder = async () => {
      throw { code: "io" };
    };

    await user.click(within(detail).getByTestId("export-button"));
    await user.click(await within(detail).findByRole("button", { name: "Show in folder" }));

    const alert = await within(detail).findByRole("alert");
    expect(alert).toHaveAttribute("data-code", "io");
    expect(alert).toHaveTextContent(
      "The folder couldn't be opened. Likeness couldn't read or write a file on this computer. Your image is in /home/ada/Pictures/Likeness.",
    );
  });

  it("shows unset date filters as any day, and Clear resets every filter", async () => {
    backend.outputs = [makeOutput()];
    const user = await openHistory();
    await screen.findByTestId("output-tile");
    expect(screen.queryByTestId("clear-filters")).not.toBeInTheDocument();
    expect(screen.getAllByText("Any day")).toHaveLength(2);

    await user.selectOptions(screen.getByTestId("filter-portrait"), "bo.jpg");
    await fireEvent.input(screen.getByTestId("filter-since"), { target: { value: "2025-03-01" } });
    await user.click(screen.getByTestId("filter-favourites"));
    expect(screen.getByTestId("filter-since").closest(".date")).not.toHaveClass("unset");
    await user.click(screen.getByTestId("clear-filters"));

    expect(screen.getByTestId("filter-portrait")).toHaveDisplayValue("All portraits");
    expect(screen.getByTestId("filter-since")).toHaveValue("");
    expect(screen.getByTestId("filter-since").closest(".date")).toHaveClass("unset");
    expect(screen.getByTestId("filter-favourites")).not.toBeChecked();
    await waitFor(() => expect(lastFilter()).toMatchObject({ portraitId: null, since: null, favouritesOnly: false }));
    expect(await screen.findByTestId("output-tile")).toBeInTheDocument();
  });

  it("says in the detail when retention will delete an image, and that favourites are kept", async () => {
    backend.outputs = [makeOutput({ id: 1, expiresAt: "2027-03-02T10:00:00Z" })];
    const user = await openHistory();
    const detail = await openDetail(user);
    const expiry = within(detail).getByTestId("output-expiry");

    expect(expiry).toHaveTextContent(`Deleted on ${formatDate("2027-03-02T10:00:00Z")}`);
    await user.click(within(detail).getByTestId("favourite-toggle"));
    await waitFor(() => expect(expiry).toHaveTextContent("Favourite: kept until you delete it"));
  });

  it("says an image is kept until deleted when the user chose to keep images", async () => {
    backend.outputs = [makeOutput({ id: 1, expiresAt: null })];
    const user = await openHistory();
    const detail = await openDetail(user);

    expect(within(detail).getByTestId("output-expiry")).toHaveTextContent("Kept until you delete it");
  });

  describe("in another language", () => {
    const cloudHd = () =>
      makeOutput({
        id: 2,
        engine: "cloud",
        favourite: true,
        cloudCharge: { remoteJobId: "job_abc", credits: 3, receiptId: "rcpt_123" },
        settings: { ...makeOutput().settings!, hdFactor: 4 },
      });

    it("speaks German in the filters, on the tiles and in the detail, with German dates and numbers", async () => {
      backend.outputs = [cloudHd(), makeOutput({ id: 1, expiresAt: "2027-03-02T10:00:00Z" })];
      const user = await openHistory();
      expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("History");
      applyLanguage("de");
      await tick();

      expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Verlauf");
      expect(screen.getByTestId("filter-style").closest("label")).toHaveTextContent("Stil");
      expect(screen.getByTestId("filter-portrait")).toHaveDisplayValue("Alle Porträts");
      expect(screen.getByTestId("filter-favourites").closest("label")).toHaveTextContent("Nur Favoriten");
      expect(screen.getAllByText("Beliebiger Tag")).toHaveLength(2);
      const [hd, preview] = await screen.findAllByTestId("output-tile");
      expect(hd).toHaveTextContent("HD ×4");
      expect(preview).toHaveTextContent("Vorschau");
      expect(within(hd).getByRole("button")).toHaveAccessibleName(
        "HD ×4, Impressionism, Kopf und Schultern · Hochformat 4:5, 04.03.2025, in Likeness Cloud erstellt und Favorit",
      );

      await user.click(within(preview).getByRole("button"));
      const detail = screen.getByTestId("output-detail");
      expect(within(detail).getByTestId("output-expiry")).toHaveTextContent("Wird am 02.03.2027 gelöscht");
      const settings = within(detail).getByTestId("output-settings");
      expect(settings).toHaveTextContent("Stärke 80 %");
      expect(settings).toHaveTextContent("HD Nein (Vorschau)");
      expect(settings).toHaveTextContent(/Erstellt 04\.03\.2025, \d\d:\d\d/);
      expect(within(detail).getByRole("slider", { name: "Mit Ihrem ursprünglichen Porträt vergleichen" }))
        .toHaveAttribute("aria-valuetext", "50\u00a0% neues Bild, 50\u00a0% Original");
      expect(within(detail).getByTestId("export-button")).toHaveTextContent("Exportieren");

      await user.click(within(detail).getByRole("button", { name: "Vorheriges Bild" }));
      expect(within(detail).getByTestId("output-settings")).toHaveTextContent("Kosten 3 Credits · Beleg rcpt_123");
      expect(within(detail).getByTestId("output-expiry")).toHaveTextContent("Favorit: bleibt, bis Sie es löschen");
    });

    it("speaks Japanese when choosing images to export, with Japanese dates and counts", async () => {
      backend.outputs = [cloudHd(), makeOutput({ id: 1 })];
      const user = await openHistory();
      applyLanguage("ja");
      await tick();

      expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("履歴");
      expect(screen.getByTestId("filter-portrait").closest("label")).toHaveTextContent("ポートレート");
      const [hd, preview] = await screen.findAllByTestId("output-tile");
      expect(hd).toHaveTextContent("クラウド");
      expect(preview).toHaveTextContent("プレビュー");
      expect(preview).toHaveTextContent("2025/03/04");

      await user.click(screen.getByRole("button", { name: "選択" }));
      for (const box of screen.getAllByTestId("select-output")) await user.click(box);
      expect(screen.getByText("2件を選択中")).toBeInTheDocument();
      await user.click(screen.getByRole("button", { name: "選択した画像を書き出す…" }));
      const dialog = screen.getByTestId("export-selection");
      expect(within(dialog).getByRole("heading", { level: 2 })).toHaveTextContent("2枚の画像を書き出す");
      await user.click(within(dialog).getByTestId("export-button"));
      expect(await within(dialog).findByTestId("export-result")).toHaveTextContent(
        "2枚の画像を /home/ada/Pictures/Likeness に保存しました",
      );
    });

    it("names the styles in Japanese and German in the style filter and on the tiles", async () => {
      backend.styles = makeCatalogueStyles();
      backend.outputs = [
        makeOutput({ id: 1, settings: { ...makeOutput().settings!, style: { kind: "preset", mix: [["style-15", 1]] } } }),
      ];
      const user = await openHistory();
      const filter = screen.getByTestId("filter-style");
      await waitFor(() => expect(within(filter).getByRole("option", { name: "Stained Glass" })).toBeInTheDocument());

      applyLanguage("ja");
      await tick();
      expect(within(filter).getByRole("option", { name: "水墨" })).toHaveValue("style-02");
      expect(within(filter).getByRole("option", { name: "Neon Noir" })).toHaveValue("style-26");
      const [tile] = await screen.findAllByTestId("output-tile");
      expect(tile).toHaveTextContent("ステンドグラス");

      applyLanguage("de");
      await tick();
      await user.selectOptions(filter, "Buntglas");
      expect(filter).toHaveDisplayValue("Buntglas");
      await waitFor(() => expect(lastFilter().styleKey).toBe("style-15"));
      const [filtered] = await screen.findAllByTestId("output-tile");
      expect(filtered).toHaveTextContent("Buntglas");
    });
  });
});
