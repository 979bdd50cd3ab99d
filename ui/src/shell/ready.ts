import { tick } from "svelte";

/** The end-to-end driver and the startup benchmark wait for this marker on the first screen. */
export async function markReady(): Promise<void> {
  await tick();
  document.documentElement.dataset.ready = "true";
}
