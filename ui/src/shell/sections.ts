// Top-level sections of the app, in sidebar order.
export type Section = "library" | "studio" | "history" | "store" | "privacy" | "settings";

export const SECTIONS: readonly { id: Section; label: string }[] = [
  { id: "library", label: "Library" },
  { id: "studio", label: "Studio" },
  { id: "history", label: "History" },
  { id: "store", label: "Store" },
  { id: "privacy", label: "Privacy" },
  { id: "settings", label: "Settings" },
];
