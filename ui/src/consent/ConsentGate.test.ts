import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { applyLanguage } from "../lib/i18n";
import { FakeBackend, POLICY_VERSION } from "../test/fake-backend";

beforeEach(() => {
  delete document.documentElement.dataset.ready;
});

function firstRun() {
  const backend = new FakeBackend({ consented: false });
  render(App, { props: { backend } });
  return backend;
}

const checkbox = (testId: string) => screen.getByTestId(testId) as HTMLInputElement;
const BOXES = ["consent-adult", "consent-photo-rights", "consent-face-processing"];

describe("Consent gate", () => {
  it("shows on first run instead of the app, explaining what stays local and how photos are checked", async () => {
    firstRun();
    const gate = await screen.findByTestId("consent-gate");

    expect(gate).toHaveTextContent(
      "Your portraits, their checks and your history stay on this computer. Nothing is uploaded unless you start a cloud job, and you'll always be asked first. Likeness has no telemetry.",
    );
    expect(gate).toHaveTextContent("Declaring your age is not enough on its own.");
    expect(screen.getByTestId("consent-policy-version")).toHaveTextContent(POLICY_VERSION);
    expect(screen.getByRole("checkbox", { name: "I am 18 or older." })).not.toBeChecked();
    expect(screen.getByRole("checkbox", { name: /I have the right to use the photos I import/ })).not.toBeChecked();
    expect(screen.getByRole("checkbox", { name: /it never leaves this computer\.$/ })).not.toBeChecked();
    expect(screen.queryByRole("navigation")).not.toBeInTheDocument();
    await waitFor(() => expect(document.documentElement.dataset.ready).toBe("true"));
  });

  it("keeps Continue disabled until all three boxes are checked", async () => {
    const user = userEvent.setup();
    firstRun();
    await screen.findByTestId("consent-gate");
    const continueButton = screen.getByTestId("consent-continue");

    for (const box of BOXES) {
      expect(continueButton).toBeDisabled();
      await user.click(checkbox(box));
    }
    expect(continueButton).toBeEnabled();

    await user.click(checkbox("consent-adult"));
    expect(continueButton).toBeDisabled();
  });

  it("records consent and shows the Library after Continue", async () => {
    const user = userEvent.setup();
    const backend = firstRun();
    await screen.findByTestId("consent-gate");

    for (const box of BOXES) await user.click(checkbox(box));
    await user.click(screen.getByTestId("consent-continue"));

    expect(await screen.findByTestId("library-empty")).toBeInTheDocument();
    expect(screen.queryByTestId("consent-gate")).not.toBeInTheDocument();
    expect(backend.consent).toEqual({ adult: true, photoRights: true, faceProcessing: true });
    expect(backend.history.filter((r) => r.granted)).toHaveLength(3);
  });

  it("names every purpose of face analysis: the adult check and framing", async () => {
    firstRun();
    const purposes = /to check that each photo shows one adult and not a minor, and to find the face so that headshots/;

    expect(await screen.findByRole("checkbox", { name: purposes })).not.toBeChecked();
  });

  it("records the exact wording the user agreed to, in its language", async () => {
    const user = userEvent.setup();
    const backend = firstRun();
    await screen.findByTestId("consent-gate");

    for (const box of BOXES) await user.click(checkbox(box));
    const shown = BOXES.map((box) => checkbox(box).closest("label")!.textContent!.trim());
    await user.click(screen.getByTestId("consent-continue"));

    await screen.findByTestId("library-empty");
    expect(backend.wordings).toEqual([{ language: "en", text: shown.join("\n") }]);
    expect(shown[2]).toContain("headshots and other framings are cropped around it");
  });

  it("can be completed with the keyboard alone", async () => {
    const user = userEvent.setup();
    firstRun();
    await screen.findByTestId("consent-gate");

    for (let i = 0; i < BOXES.length; i++) {
      await user.tab();
      await user.keyboard(" ");
    }
    await user.tab();
    expect(screen.getByTestId("consent-continue")).toHaveFocus();
    await user.keyboard("{Enter}");

    expect(await screen.findByTestId("library-empty")).toBeInTheDocument();
  });

  it("is skipped when consent was already given", async () => {
    render(App, { props: { backend: new FakeBackend() } });

    expect(await screen.findByTestId("library-empty")).toBeInTheDocument();
    expect(screen.queryByTestId("consent-gate")).not.toBeInTheDocument();
  });

  it("explains when the consent status can't be read and recovers on Retry", async () => {
    const user = userEvent.setup();
    const backend = new FakeBackend();
    backend.statusError = { code: "database" };
    render(App, { props: { backend } });

    const problem = await screen.findByTestId("startup-error");
    expect(problem).toHaveTextContent("Likeness couldn't start. Likeness couldn't read its library database.");
    await waitFor(() => expect(document.documentElement.dataset.ready).toBe("true"));

    backend.statusError = null;
    await user.click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("library-empty")).toBeInTheDocument();
  });

  it("speaks the app's language, and records the wording in the language it was shown in", async () => {
    const user = userEvent.setup();
    applyLanguage("ko");
    const backend = firstRun();
    const gate = await screen.findByTestId("consent-gate");

    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("시작하기 전에");
    expect(gate).toHaveTextContent("Likeness는 원격 측정 데이터를 수집하지 않습니다.");
    expect(gate).toHaveTextContent(`동의 정책 버전 ${POLICY_VERSION}`);
    for (const box of BOXES) await user.click(checkbox(box));
    const shown = BOXES.map((box) => checkbox(box).closest("label")!.textContent!.trim());
    await user.click(screen.getByRole("button", { name: "계속" }));

    await screen.findByTestId("library-empty");
    expect(shown[0]).toBe("저는 만 18세 이상입니다.");
    expect(backend.wordings).toEqual([{ language: "ko", text: shown.join("\n") }]);
  });

  it("lets a person pick the language they read before agreeing, and records the wording in it", async () => {
    const user = userEvent.setup();
    const backend = firstRun();
    await screen.findByTestId("consent-gate");

    await user.selectOptions(screen.getByRole("combobox", { name: "Language" }), "de");

    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Bevor Sie beginnen");
    expect(screen.getByRole("combobox", { name: "Sprache" })).toHaveValue("de");
    for (const box of BOXES) await user.click(checkbox(box));
    const shown = BOXES.map((box) => checkbox(box).closest("label")!.textContent!.trim());
    await user.click(screen.getByRole("button", { name: "Weiter" }));

    await screen.findByTestId("library-empty");
    expect(backend.wordings).toEqual([{ language: "de", text: shown.join("\n") }]);
    expect(localStorage.getItem("likeness.language")).toBe("de");
  });
});
