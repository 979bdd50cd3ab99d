/**
 * What the user has chosen in the Studio, kept at module level so that it outlives the page:
 * going to History and back finds every choice as it was. The backend keeps them between runs:
 * `restoreSaved` reads them once a run; the Studio page saves each change.
 */
import type {
  Background,
  Framing,
  Orientation,
  Portrait,
  StudioBackend,
  StudioChoices,
  StyleInfo,
} from "../lib/backend";
import { StyleSelection } from "./style-selection.svelte";

/** Before the user has chosen anything; the portrait and style are filled in from the lists. */
export const FIRST_CHOICES: StudioChoices = {
  portraitId: null,
  framing: "shoulders",
  orientation: "4:5",
  background: null,
  strengthPercent: 100,
  primaryStyle: null,
  blending: false,
  secondStyle: null,
  firstPercent: 50,
  picture: null,
};

class Choices {
  portraitId = $state<number | null>(null);
  framing = $state<Framing>(FIRST_CHOICES.framing);
  orientation = $state<Orientation>(FIRST_CHOICES.orientation);
  /** `null` keeps the photo's own background. */
  background = $state<Background | null>(FIRST_CHOICES.background);
  strengthPercent = $state(FIRST_CHOICES.strengthPercent);
  readonly style = new StyleSelection();

  /** Whether this run has read the saved choices yet. */
  #restored = false;

  /** Once a run, before the Studio first shows: the choices the last run was left with. */
  async restoreSaved(backend: StudioBackend): Promise<void> {
    if (this.#restored) return;
    const saved = await backend.studioChoices();
    this.#restored = true;
    if (saved) this.restore(saved);
  }

  /** A new run: the first choices, nothing read yet. */
  reset(): void {
    this.restore(FIRST_CHOICES);
    this.#restored = false;
  }

  snapshot(): StudioChoices {
    const { style } = this;
    return {
      portraitId: this.portraitId,
      framing: this.framing,
      orientation: this.orientation,
      background: this.background && { ...this.background },
      strengthPercent: this.strengthPercent,
      primaryStyle: style.primary,
      blending: style.blending,
      secondStyle: style.second,
      firstPercent: style.firstPercent,
      picture: style.picture && { ...style.picture },
    };
  }

  restore(choices: StudioChoices): void {
    this.portraitId = choices.portraitId;
    this.framing = choices.framing;
    this.orientation = choices.orientation;
    this.background = choices.background && { ...choices.background };
    this.strengthPercent = choices.strengthPercent;
    this.style.primary = choices.primaryStyle;
    this.style.blending = choices.blending;
    this.style.second = choices.secondStyle;
    this.style.firstPercent = choices.firstPercent;
    this.style.picture = choices.picture && { ...choices.picture };
  }

  /** Replaces a portrait or style that is gone (deleted, or from an older catalog) with the first. */
  fit(portraits: readonly Portrait[], styles: readonly StyleInfo[]): void {
    if (!portraits.some((p) => p.id === this.portraitId)) this.portraitId = portraits[0]?.id ?? null;
    const known = (id: string | null) => styles.some((s) => s.id === id);
    if (!known(this.style.primary)) this.style.primary = styles[0]?.id ?? null;
    if (!known(this.style.second)) {
      this.style.second = null;
      this.style.blending = false;
    }
  }
}

/** The one set of choices of this run. */
export const studioChoices = new Choices();
