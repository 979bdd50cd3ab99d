import type { OutputCursor, OutputFilter } from "../lib/backend";

/** The History filter bar: date inputs hold local calendar days ("2025-03-04") or "". */
export type FilterForm = {
  portraitId: number | null;
  styleId: string | null;
  since: string;
  until: string;
  favouritesOnly: boolean;
};

export const NO_FILTERS: FilterForm = { portraitId: null, styleId: null, since: "", until: "", favouritesOnly: false };

/** Enough tiles to fill a large window a few times over per request. */
export const PAGE_SIZE = 120;

export function isFiltered(form: FilterForm): boolean {
  return (
    form.portraitId !== null || form.styleId !== null || form.since !== "" || form.until !== "" || form.favouritesOnly
  );
}

/**
 * The backend compares instants and `until` is exclusive, so a day range becomes local midnight
 * of the first day to local midnight after the last day.
 */
export function toOutputFilter(form: FilterForm, after: OutputCursor | null = null, limit = PAGE_SIZE): OutputFilter {
  return {
    portraitId: form.portraitId,
    styleKey: form.styleId,
    since: form.since ? startOfDay(form.since, 0) : null,
    until: form.until ? startOfDay(form.until, 1) : null,
    favouritesOnly: form.favouritesOnly,
    limit,
    after,
  };
}

function startOfDay(day: string, addDays: number): string {
  const date = new Date(`${day}T00:00:00`);
  date.setDate(date.getDate() + addDays);
  return date.toISOString();
}
