import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { CHUNK_BYTES } from "../lib/backend/chunks";
import { formatDate } from "../lib/format";
import { applyLanguage } from "../lib/i18n";
import {
  DEFAULT_RETENTION,
  FakeBackend,
  makeModerationRecord,
  makeOutput,
  makePortrait,
  makeStylePicture,
  POLICY_VERSION,
} from "../test/fake-backend";
import { PRIVACY_NOTICE_VERSION } from "./PrivacyNotice.svelte";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
  localStorage.clear();
  sessionStorage.clear();
});

/** 3 portraits, 12 images made from them and 2 style pictures. */
function fillLibrary(): void {
  backend.portraits = [1, 2, 3].map((id) =>
    makePortrait({ id, sha256: `p${id}`, expiresAt: "2026-12-20T10:00:00Z", importedAt: `2026-11-0${id}T10:00:00Z` }),
  );
  backend.outputs = Array.from({ length: 12 }, (_, i) => makeOutput({ id: i + 1, portraitId: (i % 3) + 1 }));
  backend.stylePictures = [makeStylePicture({ sha256: "a".repeat(64) }), makeStylePicture({ sha256: "b".repeat(64) })];
}

async function openPrivacy() {
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await user.click(await screen.findByRole("button", { name: "Privacy" }));
  await screen.findByTestId("privacy-inventory");
  return user;
}

const row = (kind: string) => screen.getByTestId(`inventory-${kind}`);

describe("Privacy", () => {
  it("sits between History and Settings in the sidebar", async () => {
    await openPrivacy();
    const labels = within(screen.getByRole("navigation")).getAllByRole("button").map((b) => b.textContent?.trim());
    expect(labels).toEqual(["Library", "Studio", "History", "Store", "Privacy", "Settings"]);
    expect(screen.getByTestId("privacy-page")).toHaveTextContent(/^Privacy/);
  });

  it("shows a versioned notice: what is kept, where, for how long, and what never happens", async () => {
    await openPrivacy();
    const notice = screen.getByTestId("privacy-notice");

    expect(notice).toHaveTextContent(`Version ${PRIVACY_NOTICE_VERSION}`);
    expect(notice).toHaveTextContent("Only on this computer, in /home/ada/.local/share/likeness.");
    expect(notice).toHaveTextContent("Portraits: 30 days after last use");
    expect(notice).toHaveTextContent("Consent records: 3 years; your current answers are always kept");
    expect(notice).toHaveTextContent("Nothing is used to train AI models.");
    expect(notice).toHaveTextContent("Likeness Cloud is off until you turn it on in Settings");
    expect(notice).toHaveTextContent(
      "the one image of a cloud job leaves this computer only once you have confirmed its quote, and nothing else does",
    );
    expect(notice).toHaveTextContent("Likeness has no telemetry");
    expect(notice).toHaveTextContent("privacy@likeness.app");
    expect(notice).toHaveTextContent("SECURITY.md");
  });

  it("lists what is stored, one row per kind, with counts, sizes, dates and how long each is kept", async () => {
    fillLibrary();
    backend.outputs[0].favourite = true;
    await openPrivacy();

    expect(row("portraits")).toHaveTextContent("Portraits");
    expect(row("portraits")).toHaveTextContent("3");
    expect(row("portraits")).toHaveTextContent("3.7 MB");
    expect(row("portraits")).toHaveTextContent("Nov 1 – 3, 2026");
    expect(row("portraits")).toHaveTextContent("30 days after last use");
    expect(row("portraits")).toHaveTextContent(formatDate("2026-12-20T10:00:00Z"));
    expect(row("portraits")).toHaveTextContent("/home/ada/.local/share/likeness/vault/portraits");
    expect(row("outputs")).toHaveTextContent("90 days after they are made; favourites until you delete them");
    expect(row("style_pictures")).toHaveTextContent("While a job or image uses it");
    expect(row("thumbnails")).toHaveTextContent("With their portrait or image");
    expect(row("moderation_records")).toHaveTextContent("3 years");
    expect(row("consent_records")).toHaveTextContent("3 years; your current answers are always kept");
    expect(row("jobs")).toHaveTextContent("90 days after they finish");
    expect(row("settings")).toHaveTextContent("Until you delete them");
    expect(screen.getByTestId("inventory-database")).toHaveTextContent("2.4 MB");
  });

  describe("retention", () => {
    it("warns that a shorter period deletes older data at once, then saves it", async () => {
      const user = await openPrivacy();
      const portraits = screen.getByRole("group", { name: "Portraits" });
      await waitFor(() => expect(screen.getByTestId("retention-save")).toBeEnabled());

      await user.click(within(portraits).getByRole("button", { name: "7 days" }));
      expect(screen.getByTestId("retention-portraits")).toHaveValue(7);
      await user.click(screen.getByTestId("retention-save"));

      const dialog = screen.getByRole("alertdialog");
      expect(dialog).toHaveTextContent("everything already older than it is deleted from this computer when you save");
      expect(backend.policy).toEqual(DEFAULT_RETENTION);
      await user.click(screen.getByTestId("retention-confirm"));

      expect(await screen.findByTestId("retention-saved")).toBeInTheDocument();
      expect(backend.policy).toEqual({ ...DEFAULT_RETENTION, portraitDays: 7 });
      await waitFor(() => expect(row("portraits")).toHaveTextContent("7 days after last use"));
    });

    it("sends null for images the user keeps until they delete them, without a warning", async () => {
      const user = await openPrivacy();
      await waitFor(() => expect(screen.getByTestId("retention-save")).toBeEnabled());

      await user.click(screen.getByTestId("retention-outputs-keep"));
      expect(screen.getByTestId("retention-outputs")).toBeDisabled();
      await user.click(screen.getByTestId("retention-save"));

      expect(await screen.findByTestId("retention-saved")).toBeInTheDocument();
      expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
      expect(backend.policy).toEqual({ ...DEFAULT_RETENTION, outputDays: null });
      await waitFor(() => expect(row("outputs")).toHaveTextContent("Until you delete them"));
    });

    it("shows a saved choice to keep portraits until deleted as ticked", async () => {
      backend.policy = { ...DEFAULT_RETENTION, portraitDays: null };
      await openPrivacy();

      await waitFor(() => expect(screen.getByTestId("retention-portraits-keep")).toBeChecked());
      expect(screen.getByTestId("retention-portraits")).toBeDisabled();
      expect(screen.getByTestId("retention-moderation-records")).toHaveValue(1095);
      expect(screen.queryByTestId("retention-moderation-records-keep")).not.toBeInTheDocument();
    });

    it("won't save a period beyond what the backend allows", async () => {
      const user = await openPrivacy();
      const jobs = screen.getByTestId("retention-jobs");
      await waitFor(() => expect(jobs).toHaveValue(90));

      await user.clear(jobs);
      await user.type(jobs, "120");
      await user.click(screen.getByTestId("retention-save"));

      expect(jobs).toBeInvalid();
      expect(screen.queryByTestId("retention-saved")).not.toBeInTheDocument();
      expect(backend.policy).toEqual(DEFAULT_RETENTION);
    });
  });

  describe("moderation records", () => {
    it("describes each decision in plain words and deletes one after confirming", async () => {
      backend.moderationRecords = [
        makeModerationRecord({ id: 2, decision: "reject", reason: "ambiguous_youthful", ageLimit: 25 }),
        makeModerationRecord({ id: 1, decision: "accept", confidenceBand: "high" }),
      ];
      const user = await openPrivacy();
      const records = screen.getByTestId("moderation-records");
      const kept = formatDate("2029-12-01T10:00:00Z");

      const [refused, accepted] = within(records).getAllByTestId("moderation-record");
      expect(refused).toHaveTextContent(`Refused: looked under 25 · kept until ${kept}`);
      expect(accepted).toHaveTextContent(`Accepted · high confidence · kept until ${kept}`);

      await user.click(screen.getByTestId("delete-record-2"));
      await user.click(within(screen.getByRole("alertdialog")).getByTestId("confirm-delete"));

      await waitFor(() => expect(within(records).getAllByTestId("moderation-record")).toHaveLength(1));
      expect(within(records).getByTestId("moderation-record")).toHaveTextContent("Accepted");
      expect(backend.moderationRecords.map((r) => r.id)).toEqual([1]);
    });

    it("explains that a record of a portrait still in the library goes with that portrait", async () => {
      backend.moderationRecords = [makeModerationRecord({ id: 4, inUse: true, expiresAt: null })];
      await openPrivacy();

      const record = within(screen.getByTestId("moderation-records")).getByTestId("moderation-record");
      expect(record).toHaveTextContent("Accepted · high confidence · kept with its portrait");
      expect(record).toHaveTextContent("It admitted a portrait still in your library, so it goes when you delete that portrait.");
      expect(screen.queryByTestId("delete-record-4")).not.toBeInTheDocument();
    });

    it("says so when no photo checks are recorded", async () => {
      await openPrivacy();
      expect(screen.getByTestId("moderation-records-empty")).toHaveTextContent("No photo checks are recorded.");
    });
  });

  describe("consent", () => {
    it("shows where each consent stands and the history with the wording agreed to", async () => {
      const text = "I am 18 or older.\nI have the right to use the photos I import.";
      await backend.recordConsent({ adult: true, photoRights: true, faceProcessing: true }, { language: "en", text });
      await openPrivacy();

      const purposes = screen.getAllByTestId("consent-purpose");
      expect(purposes.map((p) => p.dataset.kind)).toEqual(["adult", "photo_rights", "face_processing"]);
      for (const purpose of purposes) expect(purpose).toHaveTextContent(`Given on ${formatDate("2025-03-04T10:00:00Z")}`);

      const rows = within(screen.getByTestId("consent-history")).getAllByTestId("consent-record");
      expect(rows.map((r) => (r as HTMLTableRowElement).cells[0].textContent)).toEqual([
        "Face analysis on this computer",
        "Right to use my photos",
        "18 or older",
        "Face analysis on this computer",
        "Right to use my photos",
        "18 or older",
      ]);
      expect(rows[0]).toHaveTextContent("Given");
      expect(rows[0]).toHaveTextContent(POLICY_VERSION);
      const wording = within(rows[0]).getByTestId("consent-wording");
      expect(wording).toHaveTextContent(`en ${backend.history[0].wordingSha256!.slice(0, 8)}`);
      expect(within(rows[5]).getByTestId("consent-wording")).toHaveTextContent("—");
    });

    it("withdraws one consent after saying what it deletes, with the counts, and returns to the gate", async () => {
      fillLibrary();
      const user = await openPrivacy();

      await user.click(screen.getByTestId("withdraw-face_processing"));
      const dialog = screen.getByRole("alertdialog");
      expect(dialog).toHaveTextContent("Withdraw “Face analysis on this computer”?");
      expect(dialog).toHaveTextContent(
        "This deletes your 3 portraits, the 12 images made from them, and 2 style pictures. Records of past decisions (never images) stay for 3 years.",
      );
      await user.click(within(dialog).getByTestId("confirm-withdraw"));

      expect(await screen.findByTestId("consent-gate")).toBeInTheDocument();
      expect(screen.queryByRole("navigation")).not.toBeInTheDocument();
      expect(backend.consent).toEqual({ adult: true, photoRights: true, faceProcessing: false });
      expect(backend.history[0]).toMatchObject({ kind: "face_processing", granted: false });
      expect([backend.portraits, backend.outputs, backend.stylePictures]).toEqual([[], [], []]);
    });

    it("asks before withdrawing all consent and changes nothing on Cancel", async () => {
      fillLibrary();
      const user = await openPrivacy();

      await user.click(screen.getByTestId("withdraw-consent"));
      const dialog = screen.getByRole("alertdialog");
      expect(dialog).toHaveTextContent("Withdraw consent?");
      expect(dialog).toHaveTextContent("This deletes your 3 portraits");
      await user.click(within(dialog).getByRole("button", { name: "Cancel" }));

      expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
      expect(backend.portraits).toHaveLength(3);
      expect(backend.consent.adult).toBe(true);
    });

    it("withdraws all consent and returns to an unticked gate", async () => {
      fillLibrary();
      const user = await openPrivacy();

      await user.click(screen.getByTestId("withdraw-consent"));
      await user.click(screen.getByRole("button", { name: "Withdraw and delete" }));

      expect(await screen.findByTestId("consent-gate")).toBeInTheDocument();
      expect(screen.getByTestId("consent-adult")).not.toBeChecked();
      expect(backend.portraits).toEqual([]);
      expect(backend.history.slice(0, 3).every((record) => !record.granted)).toBe(true);
    });
  });

  describe("style pictures", () => {
    it("shows each with its size, date and use, and deletes one after confirming", async () => {
      backend.stylePictures = [
        makeStylePicture({ sha256: "1234abcd".repeat(8), usedBy: 3 }),
        makeStylePicture({ sha256: "feedbeef".repeat(8), usedBy: 0 }),
      ];
      const user = await openPrivacy();
      const section = screen.getByTestId("style-pictures");

      const [used, unused] = within(section).getAllByTestId("style-picture-entry");
      expect(used).toHaveTextContent(`350 KB · ${formatDate("2026-11-20T10:00:00Z")}`);
      expect(used).toHaveTextContent("Used by 3 images or jobs");
      expect(unused).toHaveTextContent("Not used");
      expect(within(used).getByRole("img")).toHaveAttribute(
        "src",
        `vault://localhost/style-picture%2F${"1234abcd".repeat(8)}`,
      );

      await user.click(screen.getByTestId("delete-style-picture-feedbeef"));
      await user.click(within(screen.getByRole("alertdialog")).getByTestId("confirm-delete"));

      await waitFor(() => expect(within(section).getAllByTestId("style-picture-entry")).toHaveLength(1));
      expect(backend.stylePictures.map((p) => p.usedBy)).toEqual([3]);
    });

    it("says so when there are none", async () => {
      await openPrivacy();
      expect(screen.getByTestId("style-pictures-empty")).toBeInTheDocument();
    });
  });

  describe("export and import", () => {
    it("exports everything to the default folder and shows the archive in its folder", async () => {
      fillLibrary();
      const user = await openPrivacy();
      expect(await screen.findByTestId("privacy-export-folder")).toHaveTextContent("/home/ada/Pictures/Likeness");

      await user.click(screen.getByTestId("privacy-export"));

      const done = await screen.findByTestId("privacy-export-done");
      expect(done).toHaveTextContent("Saved /home/ada/Pictures/Likeness/likeness-archive.zip (7.3 MB).");
      expect(done).toHaveTextContent("It holds 3 portraits, 12 images, 2 style pictures, and 3 consent records.");
      expect(backend.archiveExports).toEqual([null]);
      await user.click(within(done).getByTestId("privacy-export-show"));
      expect(backend.shownInFolder).toEqual(["/home/ada/Pictures/Likeness/likeness-archive.zip"]);
    });

    it("exports into a folder the user chooses", async () => {
      backend.pickedFolder = "/media/usb";
      const user = await openPrivacy();

      await user.click(screen.getByRole("button", { name: "Choose folder…" }));
      expect(screen.getByTestId("privacy-export-folder")).toHaveTextContent("/media/usb");
      await user.click(screen.getByTestId("privacy-export"));

      expect(await screen.findByTestId("privacy-export-done")).toHaveTextContent("Saved /media/usb/likeness-archive.zip");
      expect(backend.archiveExports).toEqual(["/media/usb"]);
    });

    it("sends an archive in 8 MiB chunks, shows progress, then says what came in", async () => {
      let release!: () => void;
      backend.gate = new Promise((resolve) => (release = resolve));
      backend.archiveResult = {
        portraits: 3,
        outputs: 12,
        stylePictures: 0,
        moderationRecords: 3,
        consentRecords: 0,
        duplicates: 2,
        refused: 1,
      };
      const user = await openPrivacy();
      const archive = new File([new Uint8Array(2 * CHUNK_BYTES + 5)], "backup.zip", { type: "application/zip" });

      const news = screen.getByTestId("archive-import-news");
      expect(news).toHaveAttribute("aria-live", "polite");
      expect(news.textContent?.trim()).toBe("");
      await user.upload(screen.getByTestId("archive-import-input"), archive);

      const progress = await screen.findByTestId("archive-import-progress");
      expect(progress).toHaveTextContent("Checking and importing…");
      expect(backend.archiveChunks).toEqual([CHUNK_BYTES, CHUNK_BYTES, 5]);
      // Said once when it starts; the percentages are there to read, not announced.
      expect(news).toHaveTextContent("Importing the archive…");
      expect(within(progress).queryByRole("status")).not.toBeInTheDocument();
      expect(progress).not.toHaveAttribute("role");
      expect(within(progress).getByRole("progressbar", { name: "Archive import" })).toHaveAttribute(
        "aria-valuetext",
        "Checking and importing…",
      );
      release();
      const result =
        "Imported 3 portraits, 12 images, and 3 moderation records. 1 refused by the on-device checks, 2 already here.";
      expect(await screen.findByTestId("archive-import-done")).toHaveTextContent(result);
      expect(news).toHaveTextContent(result);
      expect(screen.queryByTestId("archive-import-progress")).not.toBeInTheDocument();
    });

    it("explains a file that isn't a Likeness archive", async () => {
      backend.failNext = { code: "archive_invalid" };
      const user = await openPrivacy();

      await user.upload(screen.getByTestId("archive-import-input"), new File(["PK"], "photos.zip"));

      const error = await screen.findByTestId("archive-import-error");
      expect(error).toHaveTextContent("Nothing was imported. This file isn't a Likeness archive, or it is damaged.");
      expect(screen.queryByTestId("archive-import-done")).not.toBeInTheDocument();
    });
  });

  describe("deleting everything", () => {
    it("says what goes, shows a receipt of what was deleted, then returns to the consent gate", async () => {
      fillLibrary();
      localStorage.setItem("likeness.theme", "dark");
      sessionStorage.setItem("draft", "x");
      const user = await openPrivacy();

      await user.click(screen.getByTestId("privacy-delete-all"));
      const dialog = screen.getByRole("alertdialog");
      expect(dialog).toHaveTextContent(
        "every portrait, image, style picture, moderation and consent record, consent answer, job and setting, and the app's own web storage",
      );
      expect(dialog).toHaveTextContent("It can't be undone: export your data first");
      await user.click(screen.getByTestId("delete-all-confirm"));

      const receipt = await screen.findByTestId("deletion-receipt");
      for (const line of ["3 portraits", "12 images", "2 style pictures", "3 consent records", "2 settings", "32 files (7.3 MB)"]) {
        expect(receipt).toHaveTextContent(line);
      }
      expect(localStorage.length).toBe(0);
      expect(sessionStorage.length).toBe(0);
      expect(screen.queryByTestId("consent-gate")).not.toBeInTheDocument();

      await user.click(screen.getByTestId("deletion-receipt-close"));

      expect(await screen.findByTestId("consent-gate")).toBeInTheDocument();
      expect(backend.portraits).toEqual([]);
      expect(backend.history).toEqual([]);
    });

    it("deletes nothing when the user cancels", async () => {
      fillLibrary();
      const user = await openPrivacy();

      await user.click(screen.getByTestId("privacy-delete-all"));
      await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Cancel" }));

      expect(screen.queryByTestId("deletion-receipt")).not.toBeInTheDocument();
      expect(backend.portraits).toHaveLength(3);
    });
  });
});

describe("Privacy in another language", () => {
  it("follows a switch to Japanese and then German: headings, retention rules, counts and dates", async () => {
    fillLibrary();
    const user = await openPrivacy();

    applyLanguage("ja");
    expect(await screen.findByRole("heading", { level: 1, name: "プライバシー" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "保存期間" })).toBeInTheDocument();
    expect(row("portraits")).toHaveTextContent("最後に使用してから30日");
    expect(row("portraits")).toHaveTextContent("2026/11/01～2026/11/03");
    expect(row("portraits")).toHaveTextContent("2026/12/20");
    expect(screen.getByTestId("privacy-notice")).toHaveTextContent("設定：削除するまで");

    applyLanguage("de");
    expect(await screen.findByRole("heading", { level: 1, name: "Datenschutz" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Aufbewahrung" })).toBeInTheDocument();
    expect(row("portraits")).toHaveTextContent("30 Tage nach der letzten Verwendung");
    expect(row("portraits")).toHaveTextContent("01.–03.11.2026");
    expect(row("portraits")).toHaveTextContent("20.12.2026");
    expect(screen.getByTestId("privacy-notice")).toHaveTextContent("Einstellungen: bis Sie sie löschen");
    const portraits = screen.getByRole("group", { name: "Porträts" });
    expect(within(portraits).getByRole("button", { name: "7 Tage" })).toBeInTheDocument();

    await user.click(screen.getByTestId("withdraw-face_processing"));
    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("„Gesichtsanalyse auf diesem Computer“ widerrufen?");
    expect(dialog).toHaveTextContent(
      "Dies löscht Ihre 3 Porträts, die 12 daraus erstellten Bilder und 2 Stilbilder. Einträge früherer Entscheidungen (nie Bilder) bleiben 3 Jahre lang erhalten.",
    );
  });
});
