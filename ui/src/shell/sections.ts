// Top-level sections of the app, in sidebar order.
import type { MessageId } from "../lib/i18n";

export type Section = "library" | "studio" | "history" | "store" | "privacy" | "settings";

export const SECTIONS: readonly { id: Section; label: MessageId }[] = [
  { id: "library", label: "nav.library" },
  { id: "studio", label: "nav.studio" },
  { id: "history", label: "nav.history" },
  { id: "store", label: "nav.store" },
  { id: "privacy", label: "nav.privacy" },
  { id: "settings", label: "nav.settings" },
];
