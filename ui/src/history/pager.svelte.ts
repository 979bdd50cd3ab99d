import { toApiError } from "../lib/backend/errors";
import type { ApiError, Backend, Output, OutputCursor } from "../lib/backend";
import { NO_FILTERS, toOutputFilter, type FilterForm } from "./filters";

/** Keyset paging over `list_outputs`: the grid asks for the next page as it nears the end. */
export class OutputPager {
  // Raw: thousands of outputs are replaced, never mutated, so deep proxies would only cost.
  items = $state.raw<Output[]>([]);
  loading = $state(false);
  /** The last page has arrived. */
  done = $state(false);
  error = $state<ApiError | null>(null);

  #backend: Backend;
  #form: FilterForm = NO_FILTERS;
  #next: OutputCursor | null = null;
  // Bumped by reset, so a page for an older filter is dropped when it arrives.
  #generation = 0;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  reset(form: FilterForm): Promise<void> {
    this.#generation++;
    this.#form = form;
    this.#next = null;
    this.items = [];
    this.done = false;
    this.loading = false;
    this.error = null;
    return this.loadMore();
  }

  async loadMore(): Promise<void> {
    if (this.loading || this.done) return;
    const generation = this.#generation;
    this.loading = true;
    try {
      const page = await this.#backend.listOutputs(toOutputFilter(this.#form, this.#next));
      if (generation !== this.#generation) return;
      this.items = [...this.items, ...page.outputs];
      this.#next = page.next;
      this.done = page.next === null;
      this.error = null;
    } catch (err) {
      if (generation === this.#generation) this.error = toApiError(err);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  replace(output: Output): void {
    this.items = this.items.map((item) => (item.id === output.id ? output : item));
  }

  remove(id: number): void {
    this.items = this.items.filter((item) => item.id !== id);
  }
}
