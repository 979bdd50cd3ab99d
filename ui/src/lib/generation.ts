// Names and helpers for generation settings, shared by the Studio (choosing them) and the
// History (showing what made an image).
import type { Framing, Orientation, Output, StyleChoice, StyleInfo } from "./backend";

export const FRAMINGS: readonly { value: Framing; label: string }[] = [
  { value: "headshot", label: "Headshot" },
  { value: "shoulders", label: "Head and shoulders" },
  { value: "half_body", label: "Half body" },
  { value: "three_quarter", label: "Three-quarter" },
  { value: "full_body", label: "Full body" },
];

export const ORIENTATIONS: readonly { value: Orientation; label: string }[] = [
  { value: "4:5", label: "Portrait 4:5" },
  { value: "1:1", label: "Square 1:1" },
  { value: "3:2", label: "Landscape 3:2" },
  { value: "16:9", label: "Wide 16:9" },
  { value: "9:16", label: "Tall 9:16" },
];

export function framingLabel(framing: Framing): string {
  return FRAMINGS.find((f) => f.value === framing)?.label ?? framing;
}

export function orientationLabel(orientation: Orientation): string {
  return ORIENTATIONS.find((o) => o.value === orientation)?.label ?? orientation;
}

/** "16:9" → [16, 9]. */
export function aspectRatio(orientation: Orientation): [number, number] {
  const [w, h] = orientation.split(":").map(Number);
  return [w, h];
}

/**
 * One preset style, or two blended. Weights come from a whole percentage so they sum to 1
 * without floating-point drift (70 → 0.7 and 0.3).
 */
export function presetStyle(
  first: string,
  second: string | null,
  firstPercent: number,
): Extract<StyleChoice, { kind: "preset" }> {
  if (second === null || second === first) return { kind: "preset", mix: [[first, 1]] };
  const percent = Math.min(100, Math.max(0, Math.round(firstPercent)));
  return { kind: "preset", mix: [[first, percent / 100], [second, (100 - percent) / 100]] };
}

/**
 * The strength a preset style or blend starts at: the lowest of its styles' own defaults, so the
 * person stays recognisable; `null` for the user's own picture, which keeps the strength as it is.
 */
export function startingStrength(choice: StyleChoice, styles: readonly StyleInfo[]): number | null {
  if (choice.kind === "picture") return null;
  const defaults = choice.mix.map(([id]) => styles.find((s) => s.id === id)?.defaultStrengthPercent ?? 100);
  return Math.min(...defaults);
}

/** "Impressionism 70% + Watercolour 30%", "Impressionism" or "Your own picture". */
export function describeStyle(choice: StyleChoice, styles: readonly StyleInfo[]): string {
  if (choice.kind === "picture") return "Your own picture";
  const name = (id: string) => styles.find((s) => s.id === id)?.name ?? id;
  if (choice.mix.length === 1) return name(choice.mix[0][0]);
  return choice.mix.map(([id, weight]) => `${name(id)} ${Math.round(weight * 100)}%`).join(" + ");
}

/**
 * Its style, framing and, for an HD image, its factor: what tells one result from another, and
 * what its picture's text alternative says.
 */
export function describeOutput(output: Output, styles: readonly StyleInfo[]): string {
  const { settings } = output;
  if (!settings) return "Image";
  const hd = settings.hdFactor ? `HD ×${settings.hdFactor}` : null;
  return [describeStyle(settings.style, styles), framingLabel(settings.framing), hd].filter(Boolean).join(", ");
}

/** A fresh 32-bit seed, so each preview differs and can be reproduced from its settings. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}
