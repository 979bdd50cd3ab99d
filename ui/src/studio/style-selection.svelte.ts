import type { StyleChoice } from "../lib/backend";
import { presetStyle } from "../lib/generation";

/** What the style picker has chosen: a preset (optionally blended with a second) or a picture. */
export class StyleSelection {
  primary = $state<string | null>(null);
  blending = $state(false);
  second = $state<string | null>(null);
  /** The first style's share of a blend, in whole percent. */
  firstPercent = $state(50);
  /** A user picture overrides the presets until a preset is picked again. */
  picture = $state<{ name: string; sha256: string } | null>(null);

  choice: StyleChoice | null = $derived.by(() => {
    if (this.picture) return { kind: "picture", pictureSha256: this.picture.sha256 };
    if (this.primary === null) return null;
    return presetStyle(this.primary, this.blending ? this.second : null, this.firstPercent);
  });

  pick(styleId: string): void {
    if (styleId === this.second) this.second = this.primary; // swap rather than blend a style with itself
    this.primary = styleId;
    this.picture = null;
  }
}
