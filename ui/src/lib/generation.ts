// Names and helpers for generation settings, shared by the Studio (choosing them) and the
// History (showing what made an image). Their words are the Studio's messages (`studio.framing.*`,
// `studio.orientation.*`, `studio.style.*`, `studio.styleName.*`), in the current language.
import type { Framing, Orientation, Output, StyleChoice, StyleInfo } from "./backend";
import { formatPercent } from "./format";
import { isMessageId, t, type MessageId } from "./i18n";

/** The framings, closest first. */
export const FRAMINGS: readonly Framing[] = ["headshot", "shoulders", "half_body", "three_quarter", "full_body"];

const ORIENTATIONS: readonly { value: Orientation; name: MessageId }[] = [
  { value: "4:5", name: "studio.orientation.portrait" },
  { value: "1:1", name: "studio.orientation.square" },
  { value: "3:2", name: "studio.orientation.landscape" },
  { value: "16:9", name: "studio.orientation.wide" },
  { value: "9:16", name: "studio.orientation.tall" },
];

/** "Head and shoulders": the framing's name as a choice or a heading. */
export function framingLabel(framing: Framing): string {
  return t(`studio.framing.${framing}`);
}

/** "head and shoulders": the framing's name inside a sentence ("Use head and shoulders instead"). */
export function framingInSentence(framing: Framing): string {
  return t(`studio.framing.${framing}.inSentence`);
}

export function orientationLabel(orientation: Orientation): string {
  const name = ORIENTATIONS.find((o) => o.value === orientation)?.name;
  return name ? t(name) : orientation;
}

/** The choices as the Studio offers them, named in the current language. */
export const framingOptions = () => FRAMINGS.map((value) => ({ value, label: framingLabel(value) }));
export const orientationOptions = () => ORIENTATIONS.map(({ value, name }) => ({ value, label: t(name) }));

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

/**
 * A preset style's name in the current language. The backend names its styles in English; a style
 * newer than the catalogues keeps that name until they name it too.
 */
export function styleName(style: StyleInfo): string {
  const id = `studio.styleName.${style.id}`;
  return isMessageId(id) ? t(id) : style.name;
}

/** "Impressionism 70% + Watercolour 30%", "Impressionism" or "Your own picture". */
export function describeStyle(choice: StyleChoice, styles: readonly StyleInfo[]): string {
  if (choice.kind === "picture") return t("studio.style.ownPicture");
  const name = (id: string) => {
    const style = styles.find((s) => s.id === id);
    return style ? styleName(style) : id;
  };
  if (choice.mix.length === 1) return name(choice.mix[0][0]);
  return choice.mix.map(([id, weight]) => `${name(id)} ${formatPercent(weight)}`).join(" + ");
}

/**
 * Its style, framing and, for an HD image, its factor: what tells one result from another, and
 * what its picture's text alternative says.
 */
export function describeOutput(output: Output, styles: readonly StyleInfo[]): string {
  const { settings } = output;
  if (!settings) return t("studio.recent.image");
  const words = { style: describeStyle(settings.style, styles), framing: framingLabel(settings.framing) };
  const factor = settings.hdFactor;
  return factor ? t("studio.recent.describeHd", { ...words, factor }) : t("studio.recent.describe", words);
}

/** A fresh 32-bit seed, so each preview differs and can be reproduced from its settings. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}
