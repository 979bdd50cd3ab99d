import { toApiError } from "../lib/backend/errors";
import type { ApiError, Backend, GenerationSettings, Job, JobEvent, Output, OutputCursor } from "../lib/backend";

/** How many outputs to ask for at a time while looking for one job's. */
const OUTPUT_PAGE = 60;

/** The settings a job was queued with (an HD job's have `hdFactor`); `null` if unreadable. */
export function settingsOf(job: Job): GenerationSettings | null {
  try {
    return JSON.parse(job.settingsJson) as GenerationSettings;
  } catch {
    return null;
  }
}

const isActive = (job: Job) => job.state === "queued" || job.state === "running";

/**
 * The newer of two records of one job. An answer (to queueing it, or a `list_jobs` refresh) can
 * be older than the events that overtook it, and must not take its bar back (10% → 0% → 86% was
 * seen) or bring a finished job back to life. Only a retry, an action, turns a finished job into a
 * queued one again (with the same run count: a run is counted when it starts).
 */
export function newer(known: Job | undefined, fetched: Job, fromAction: boolean): Job {
  if (!known) return fetched;
  if (fetched.attempts < known.attempts) return known;
  if (fetched.attempts === known.attempts && isActive(fetched)) {
    if (!isActive(known) && !fromAction) return known;
    const ahead = isActive(known) && (known.state === "running") > (fetched.state === "running");
    const further = known.state === fetched.state && known.progress > fetched.progress;
    if (ahead || further) return { ...fetched, state: known.state, progress: known.progress };
  }
  return fetched;
}

/** The generation queue as the Studio shows it: `list_jobs`, kept live by `job-event`s. */
export class Jobs {
  /** Newest first. */
  list = $state<Job[]>([]);
  error = $state<ApiError | null>(null);
  /** Set once `list_jobs` has first answered (or failed to). */
  loaded = $state(false);

  #backend: Backend;
  /** What each finished job made, looked up once for the queue's thumbnails and the preview. */
  #outputs = new Map<number, Promise<Output | null>>();

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async refresh(): Promise<void> {
    try {
      const fetched = await this.#backend.listJobs();
      this.list = fetched.map((job) => newer(this.list.find((j) => j.id === job.id), job, false));
      this.error = null;
    } catch (err) {
      this.error = toApiError(err);
    } finally {
      this.loaded = true;
    }
  }

  /** A job started elsewhere (or before this page opened) is fetched in full. */
  apply(event: JobEvent): void {
    const job = this.list.find((j) => j.id === event.jobId);
    if (!job) {
      void this.refresh();
      return;
    }
    job.state = event.state;
    job.progress = event.progress;
    job.error = event.error;
  }

  enqueue(start: () => Promise<Job>): Promise<void> {
    return this.#put(start);
  }

  cancel(id: number): Promise<void> {
    return this.#put(() => this.#backend.cancelJob(id));
  }

  retry(id: number): Promise<void> {
    return this.#put(() => this.#backend.retryJob(id));
  }

  /** The newest finished preview of this portrait: what the Studio shows large. */
  latestPreview(portraitId: number | null): Job | undefined {
    return this.list.find((j) => j.kind === "preview" && j.state === "done" && j.portraitId === portraitId);
  }

  /** The newest finished HD upscale of this preview output. */
  latestHd(outputId: number): Job | undefined {
    return this.list.find((j) => j.kind === "hd" && j.state === "done" && j.parentOutputId === outputId);
  }

  /** What a finished job made; a failed look-up is tried again next time. */
  outputOf(job: Job): Promise<Output | null> {
    let found = this.#outputs.get(job.id);
    if (!found) {
      found = this.#findOutput(job);
      this.#outputs.set(job.id, found);
      found.catch(() => this.#outputs.delete(job.id));
    }
    return found;
  }

  /**
   * There is no command for one job's output, but it is among its portrait's outputs made since
   * the job was queued, newest first: page through those.
   */
  async #findOutput(job: Job): Promise<Output | null> {
    let after: OutputCursor | null = null;
    do {
      const page = await this.#backend.listOutputs({
        portraitId: job.portraitId,
        styleKey: null,
        since: job.createdAt,
        until: null,
        favouritesOnly: false,
        limit: OUTPUT_PAGE,
        after,
      });
      const output = page.outputs.find((o) => o.jobId === job.id);
      if (output) return output;
      after = page.next;
    } while (after);
    return null;
  }

  async #put(action: () => Promise<Job>): Promise<void> {
    try {
      const job = await action();
      const index = this.list.findIndex((j) => j.id === job.id);
      if (index >= 0) this.list[index] = newer(this.list[index], job, true);
      else this.list.unshift(job);
      this.error = null;
    } catch (err) {
      this.error = toApiError(err);
    }
  }
}
