/**
 * Starts a backend event subscription from a component's `onMount` and returns its cleanup.
 * The cleanup works even before listening has started (the component may be gone by then).
 * Events are a nicety on top of explicit refreshes, so a failure to listen is ignored.
 */
export function listenWhileMounted(start: Promise<() => void>): () => void {
  let stop: (() => void) | undefined;
  let destroyed = false;
  start.then((s) => (destroyed ? s() : (stop = s))).catch(() => {});
  return () => {
    destroyed = true;
    stop?.();
  };
}
