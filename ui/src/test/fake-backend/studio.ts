/**
 * The studio: styles, how each portrait faces, style pictures sent in, and the job queue. Jobs stay queued until a test
 * moves them on with `emitJob`, as the real queue's events would.
 */
import type {
  ApiError,
  GenerationSettings,
  HdFactor,
  HeadTurn,
  Job,
  JobEvent,
  StudioChoices,
  StyleInfo,
  StylePicture,
} from "../../lib/backend";
import { makeJob, makeStylePicture } from "./factories";
import { FakeLibrary } from "./library";
import { hex, vaultUrl } from "./state";

export class FakeStudio extends FakeLibrary {
  enqueued: { portraitId: number; settings: GenerationSettings }[] = [];
  upscaled: { outputId: number; factor: HdFactor }[] = [];
  cancelled: number[] = [];
  retried: number[] = [];
  /** Names of the files sent to `importStylePicture`. */
  stylePicturesSent: string[] = [];
  /** How each portrait's head is turned, by id: facing the camera unless set; an error is thrown. */
  facings = new Map<number, HeadTurn | null | ApiError>();
  /** The Studio's choices as last saved, kept as the settings table would. */
  savedChoices: StudioChoices | null = null;
  #jobListeners = new Set<(e: JobEvent) => void>();
  #nextJobId = 1;

  async listStyles(): Promise<StyleInfo[]> {
    return [...this.styles];
  }

  async styleThumbnails(portraitId: number): Promise<Map<string, string>> {
    return new Map(this.styles.map((s) => [s.id, vaultUrl(`style-thumb/${portraitId}/${s.id}`)]));
  }

  async portraitFacing(portraitId: number): Promise<HeadTurn | null> {
    const frontal: HeadTurn = { yawDegrees: 0, facing: "frontal" };
    const facing = this.facings.has(portraitId) ? this.facings.get(portraitId)! : frontal;
    if (facing && "code" in facing) throw facing;
    return facing;
  }

  async importStylePicture(name: string, bytes: Uint8Array): Promise<StylePicture> {
    this.stylePicturesSent.push(name);
    const picture = makeStylePicture({ sha256: hex(bytes), bytes: bytes.length, storedAt: new Date().toISOString() });
    this.stylePictures.unshift(picture);
    return { sha256: picture.sha256 };
  }

  async studioChoices(): Promise<StudioChoices | null> {
    return this.savedChoices && structuredClone(this.savedChoices);
  }

  async setStudioChoices(choices: StudioChoices): Promise<void> {
    this.savedChoices = structuredClone(choices);
  }

  async enqueuePreview(portraitId: number, settings: GenerationSettings): Promise<Job> {
    this.enqueued.push({ portraitId, settings });
    return this.#addJob({ portraitId, kind: "preview", settingsJson: JSON.stringify(settings) });
  }

  async enqueueHd(outputId: number, factor: HdFactor): Promise<Job> {
    this.upscaled.push({ outputId, factor });
    return this.addHdJob(outputId, factor);
  }

  // Copies, so the UI's live updates never reach this record of what the backend did.
  async listJobs(): Promise<Job[]> {
    return this.jobs.map((job) => ({ ...job }));
  }

  async cancelJob(id: number): Promise<Job> {
    this.cancelled.push(id);
    return this.#updateJob(id, { state: "cancelled", error: { code: "cancelled", message: "cancelled by the user" } });
  }

  async retryJob(id: number): Promise<Job> {
    this.retried.push(id);
    return this.#updateJob(id, { state: "queued", progress: 0, error: null });
  }

  async onJobEvent(cb: (event: JobEvent) => void): Promise<() => void> {
    this.#jobListeners.add(cb);
    return () => this.#jobListeners.delete(cb);
  }

  /** Moves a job on and sends its `job-event`. */
  emitJob(event: JobEvent): void {
    const { jobId, ...changes } = event;
    this.#updateJob(jobId, changes);
    for (const cb of this.#jobListeners) cb({ ...event });
  }

  #addJob(fields: Partial<Job>): Job {
    const job = makeJob({ ...fields, id: this.#nextJobId++ });
    this.jobs.unshift(job);
    return { ...job };
  }

  /** As the backend queues HD: with the preview's portrait and settings, and `hdFactor`. */
  protected addHdJob(outputId: number, factor: HdFactor): Job {
    const source = this.outputs.find((o) => o.id === outputId);
    return this.#addJob({
      portraitId: source?.portraitId ?? null,
      kind: "hd",
      settingsJson: JSON.stringify({ ...source?.settings, hdFactor: factor }),
      parentOutputId: outputId,
    });
  }

  #updateJob(id: number, changes: Partial<Job>): Job {
    const job = this.jobs.find((j) => j.id === id);
    if (!job) throw { code: "job_not_found", message: `no job ${id}` };
    Object.assign(job, changes);
    return { ...job };
  }
}
