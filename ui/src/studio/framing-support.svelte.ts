/**
 * Which framings the chosen portrait's photo supports in the chosen orientation, and where each
 * crop lies on it: asked of the backend whenever either choice changes, so the Studio can show a
 * framing before anything is spent on it.
 */
import type { Framing, FramingFit, FramingFits, Orientation, StudioBackend } from "../lib/backend";

export class FramingSupport {
  /** `null` until the backend answers for the current portrait and orientation. */
  fits = $state<FramingFits | null>(null);

  /** Construct while a component initialises: it follows the two choices for as long as that component lives. */
  constructor(backend: StudioBackend, portraitId: () => number | null, orientation: () => Orientation) {
    $effect(() => {
      const id = portraitId();
      const chosen = orientation();
      this.fits = null;
      if (id === null) return;
      let current = true;
      backend.framingFits(id, chosen).then(
        (fits) => {
          if (current) this.fits = fits;
        },
        () => {}, // without an answer nothing is drawn or marked; the backend still refuses what it must
      );
      return () => {
        current = false;
      };
    });
  }

  fitOf(framing: Framing): FramingFit | null {
    return this.fits?.fits.find((f) => f.framing === framing) ?? null;
  }

  /** Unknown counts as supported, so a slow or failed answer never blocks Generate. */
  supports(framing: Framing): boolean {
    return this.fitOf(framing)?.supported ?? true;
  }
}
