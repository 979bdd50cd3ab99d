/// <reference types="node" />
// @vitest-environment node
// The theme's colours meet WCAG 2.2 AA in both themes for every pair the pages use: 4.5:1 for text
// (1.4.3), 3:1 for what shows a control or its state, focus rings included (1.4.11). A colour
// changed in global.css that breaks one fails here, with the pair and where it is used.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// Read as written: Vitest hands a stylesheet imported into a test over empty.
const css = readFileSync(new URL("./global.css", import.meta.url), "utf8");

/** The custom properties the rule for exactly `selector` sets, by name. */
function tokens(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`no rule for ${selector} in global.css`);
  const body = css.slice(css.indexOf("{", start) + 1, css.indexOf("}", start));
  return Object.fromEntries([...body.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map(([, name, value]) => [name, value.trim()]));
}

const THEMES = {
  light: tokens(":root"),
  dark: tokens(':root[data-theme="dark"]'),
};

/** WCAG 2 relative luminance of a `#rrggbb` colour. */
function luminance(hex: string): number {
  const match = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!match) throw new Error(`${hex} is not a #rrggbb colour`);
  const [r, g, b] = [0, 2, 4].map((i) => {
    const channel = parseInt(match[1].slice(i, i + 2), 16) / 255;
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

type Pair = [foreground: string, background: string, where: string];

/** Text on a background, at 4.5:1. Disabled controls (drawn at half opacity) are exempt. */
const TEXT: Pair[] = [
  ["--text", "--bg", "page text"],
  ["--text", "--surface", "panels, cards, dialogs and text fields"],
  ["--text", "--surface-muted", "hovered buttons and rows, notes"],
  ["--text", "--accent-soft", "the chosen option, the current page in the sidebar, notices"],
  ["--text", "--danger-soft", "problems and a refused receipt's row"],
  ["--text-muted", "--bg", "hints on the page, the shortcut beside Generate"],
  ["--text-muted", "--surface", "secondary text, table headings, placeholders, the sidebar"],
  ["--text-muted", "--surface-muted", "a stopped job's tag, a withdrawn consent's badge"],
  ["--text-muted", "--accent-soft", "a note in a chosen option, the recommended HD choice, the current job"],
  ["--accent-text", "--accent", "primary buttons, badges, the skip link"],
  ["--accent-text", "--accent-strong", "hovered primary buttons"],
  ["--danger", "--surface", "errors, a portrait about to be deleted, Withdraw buttons"],
  ["--danger", "--surface-muted", "a hovered Withdraw button"],
  ["--danger", "--danger-soft", "a failed job's tag, the invalid receipts warning"],
  ["--surface", "--danger", "danger buttons, an invalid receipt's badge"],
  ["--surface", "--danger-strong", "hovered danger buttons"],
];

/** A control's outline or state, and the focus ring, against what is around it, at 3:1. */
const CONTROLS: Pair[] = [
  ["--focus", "--bg", "the focus ring on the page"],
  ["--focus", "--surface", "the focus ring in panels and dialogs"],
  ["--focus", "--surface-muted", "the focus ring inside an image's tile"],
  ["--focus", "--accent-soft", "the focus ring on a chosen option"],
  ["--focus", "--danger-soft", "the focus ring on a problem's Retry or Dismiss"],
  ["--field-border", "--bg", "a text field or menu on the page"],
  ["--field-border", "--surface", "a text field or menu in a panel"],
  ["--text-muted", "--surface", "an unticked checkbox or radio"],
  ["--accent", "--surface", "a ticked checkbox, a chosen radio, a chosen style's border"],
  ["--accent", "--accent-soft", "a chosen option's border on its own fill"],
];

describe.each(Object.entries(THEMES))("the %s theme", (_, theme) => {
  const ratio = ([foreground, background]: Pair) => contrast(theme[foreground], theme[background]);
  const failing = (pairs: Pair[], minimum: number) =>
    pairs
      .filter((pair) => ratio(pair) < minimum)
      .map((pair) => `${pair[0]} on ${pair[1]} (${pair[2]}): ${ratio(pair).toFixed(2)}:1`);

  it("has every colour the checks name", () => {
    const names = [...TEXT, ...CONTROLS].flatMap(([foreground, background]) => [foreground, background]);
    expect(names.filter((name) => !theme[name])).toEqual([]);
  });

  it("draws text at 4.5:1 or more against its background", () => {
    expect(failing(TEXT, 4.5)).toEqual([]);
  });

  it("draws controls' outlines, states and the focus ring at 3:1 or more", () => {
    expect(failing(CONTROLS, 3)).toEqual([]);
  });
});

describe("the dark theme", () => {
  it("is the same whether the system asks for it or the user picks it", () => {
    expect(tokens(':root:not([data-theme="light"])')).toEqual(THEMES.dark);
  });
});
