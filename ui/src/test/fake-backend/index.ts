/**
 * The in-memory Backend the UI tests render against. Its methods are split by domain into a
 * chain of classes, each file one domain (state → consent → library → studio → history →
 * privacy); `FakeBackend` is the last of them, and this file the one tests import from.
 */
import type { Backend } from "../../lib/backend";
import { FakePrivacy } from "./privacy";

export { POLICY_VERSION } from "./consent";
export { makeFile, makeJob, makeModerationRecord, makeOutput, makePortrait, makeStylePicture } from "./factories";
export { DEFAULT_RETENTION, vaultUrl } from "./state";

/** Consent is already given unless constructed with `{ consented: false }` (a first run). */
export class FakeBackend extends FakePrivacy implements Backend {
  constructor({ consented = true } = {}) {
    super();
    if (consented) this.answer({ adult: true, photoRights: true, faceProcessing: true });
  }
}
