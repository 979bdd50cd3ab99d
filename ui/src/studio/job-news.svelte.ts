import { errorMessage } from "../lib/backend/errors";
import type { Job, JobState } from "../lib/backend";
import { t } from "../lib/i18n";
import type { Announcement } from "../shell/LiveRegion.svelte";
import type { Jobs } from "./jobs.svelte";

/**
 * The queue's changes in words, for screen readers, which can't watch its bars: one sentence per
 * job each time it is queued, starts, finishes, fails (with why) or is cancelled, never its
 * percentages. Jobs already in the queue when it first loads are not news. Made while a
 * component starts, whose life it follows.
 */
export class JobNews {
  current = $state<Announcement | null>(null);
  /** Each job's state as last told (or, while the queue loaded, as found). */
  #told = new Map<number, JobState>();
  /** Whether the queue had loaded by the last look: what the first full list holds is no news. */
  #loaded = false;

  constructor(jobs: () => Jobs) {
    $effect(() => this.#update(jobs().list, jobs().loaded));
  }

  #update(list: readonly Job[], loaded: boolean): void {
    const telling = this.#loaded;
    this.#loaded = loaded;
    const sentences: string[] = [];
    for (const job of list) {
      const before = this.#told.get(job.id);
      this.#told.set(job.id, job.state);
      if (!telling || before === job.state) continue;
      // A finished job seen for the first time is an old one the list brought back.
      if (before === undefined && job.state !== "queued" && job.state !== "running") continue;
      sentences.push(sentence(job));
    }
    if (sentences.length > 0) this.current = { text: sentences.join(" ") };
  }
}

function sentence(job: Job): string {
  const kind = job.kind;
  switch (job.state) {
    case "queued":
      return t("a11y.job.queued", { kind });
    case "running":
      return t("a11y.job.started", { kind });
    case "done":
      return t("a11y.job.done", { kind });
    case "failed":
      return t("a11y.job.failed", { kind, reason: errorMessage(job.error?.code ?? "generation_failed") });
    case "cancelled":
      return t("a11y.job.cancelled", { kind });
  }
}
