// Top-level sections of the app; later sections (studio, history, …) are added here.
export type Section = "library" | "settings";

export const SECTIONS: readonly { id: Section; label: string }[] = [
  { id: "library", label: "Library" },
  { id: "settings", label: "Settings" },
];
