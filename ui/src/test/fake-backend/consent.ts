/**
 * Consent and the age check: the answers, their history and withdrawing them. First above the
 * state, because importing a portrait asks whether consent is complete.
 */
import type {
  ApiError,
  ConsentAnswers,
  ConsentKind,
  ConsentStatus,
  ConsentRecord,
  ConsentWording,
  WithdrawOutcome,
} from "../../lib/backend";
import { FakeState, hex } from "./state";

export const POLICY_VERSION = "2025-03";

const ANSWER_KEYS: Record<ConsentKind, keyof ConsentAnswers> = {
  adult: "adult",
  photo_rights: "photoRights",
  face_processing: "faceProcessing",
};

export class FakeConsent extends FakeState {
  statusError: ApiError | null = null;
  /** The wording sent with each `recordConsent`. */
  wordings: ConsentWording[] = [];
  #nextRecordId = 1;

  async consentStatus(): Promise<ConsentStatus> {
    if (this.statusError) throw this.statusError;
    return this.currentStatus();
  }

  async recordConsent(answers: ConsentAnswers, wording: ConsentWording): Promise<ConsentStatus> {
    this.wordings.push(wording);
    this.answer(answers, wording);
    return this.currentStatus();
  }

  async consentHistory(): Promise<ConsentRecord[]> {
    return [...this.history];
  }

  async withdrawConsent(): Promise<WithdrawOutcome> {
    this.answer({ adult: false, photoRights: false, faceProcessing: false });
    return this.#deleteFaceData();
  }

  async withdrawPurpose(kind: ConsentKind): Promise<WithdrawOutcome> {
    this.consent = { ...this.consent, [ANSWER_KEYS[kind]]: false };
    this.#record(kind, false, null);
    return this.#deleteFaceData();
  }

  async youthfulAge(): Promise<number> {
    return this.youthful;
  }

  async setYouthfulAge(years: number): Promise<number> {
    if (!(years >= 21)) {
      throw { code: "invalid_input" };
    }
    return (this.youthful = years);
  }

  protected currentStatus(): ConsentStatus {
    const { adult, photoRights, faceProcessing } = this.consent;
    return { ...this.consent, policyVersion: POLICY_VERSION, complete: adult && photoRights && faceProcessing };
  }

  protected answer(answers: ConsentAnswers, wording: ConsentWording | null = null): void {
    this.consent = { ...answers };
    for (const [kind, key] of Object.entries(ANSWER_KEYS) as [ConsentKind, keyof ConsentAnswers][]) {
      this.#record(kind, answers[key], wording);
    }
  }

  /** What withdrawing consent deletes, as the backend does. */
  #deleteFaceData(): WithdrawOutcome {
    const portraitsDeleted = this.portraits.length;
    this.portraits = [];
    this.outputs = [];
    this.stylePictures = [];
    return { portraitsDeleted };
  }

  #record(kind: ConsentKind, granted: boolean, wording: ConsentWording | null): void {
    this.history.unshift({
      id: this.#nextRecordId++,
      kind,
      granted,
      policyVersion: POLICY_VERSION,
      recordedAt: "2025-03-04T10:00:00Z",
      language: wording?.language ?? null,
      // Stands in for the sha256 of the text: as long, and the same for the same text.
      wordingSha256: wording ? hex(new TextEncoder().encode(wording.text)).slice(0, 64) : null,
    });
  }
}
