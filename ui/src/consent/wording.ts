// The three consent statements, and the exact wording a record keeps the hash of. The backend
// counts a consent only while its wording is one the app still shows (`wording.test.ts` keeps
// the backend's list of hashes equal to these messages), so changing a statement in any language
// asks everyone who agreed to the old words again.
import type { ConsentAnswers, ConsentWording } from "../lib/backend";
import { locale, t, type MessageId } from "../lib/i18n";

export const STATEMENTS: readonly { key: keyof ConsentAnswers; testId: string; text: MessageId }[] = [
  { key: "adult", testId: "consent-adult", text: "consent.statement.adult" },
  { key: "photoRights", testId: "consent-photo-rights", text: "consent.statement.photoRights" },
  { key: "faceProcessing", testId: "consent-face-processing", text: "consent.statement.faceProcessing" },
];

/** The statements as shown now, one per line, in the language on screen. */
export function consentWording(): ConsentWording {
  return { language: locale(), text: STATEMENTS.map((statement) => t(statement.text)).join("\n") };
}
