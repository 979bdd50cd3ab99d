/**
 * Moves the focus to the page's heading, where a screen reader or the keyboard picks up after the
 * page changes or the focused control goes away: made focusable here (but never a Tab stop), so
 * that every page's is alike. The main region takes it on a page without one.
 */
export function focusPageHeading(): void {
  const main = document.querySelector<HTMLElement>("main");
  const heading = main?.querySelector("h1");
  if (heading) heading.tabIndex = -1;
  (heading ?? main)?.focus();
}
