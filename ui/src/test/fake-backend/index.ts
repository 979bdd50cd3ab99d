/**
 * The in-memory Backend the UI tests render against. Its methods are split by domain into a
 * chain of classes, each file one domain (state → consent → library → studio → history →
 * privacy → cloud); `FakeBackend` is the last of them, and this file the one tests import from.
 */
import type { Backend } from "../../lib/backend";
import { FakeCloud } from "./cloud";

export { DEFAULT_PACKS, makeEngineChoice } from "./cloud";
export { POLICY_VERSION } from "./consent";
export {
  makeCatalogueStyles,
  makeFile,
  makeJob,
  makeLedgerEntry,
  makeModerationRecord,
  makeOutput,
  makePortrait,
  makeReceipt,
  makeStylePicture,
} from "./factories";
export { DEFAULT_RETENTION, vaultUrl } from "./state";

/**
 * Consent is already given unless constructed with `{ consented: false }` (a first run); Likeness
 * Cloud is off unless constructed with `{ cloud: true }`.
 */
export class FakeBackend extends FakeCloud implements Backend {
  constructor({ consented = true, cloud = false } = {}) {
    super();
    if (consented) this.answer({ adult: true, photoRights: true, faceProcessing: true });
    if (cloud) {
      this.cloud = { enabled: true, serverUrl: "http://127.0.0.1:8787", signedIn: true, enabledAt: "2026-12-01T09:00:00Z" };
    }
  }
}
