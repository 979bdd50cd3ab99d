/**
 * The studio: styles, how each portrait faces, which framings each photo supports, style pictures
 * sent in, and the job queue. Jobs stay queued until a test moves them on with `emitJob`, as the
 * real queue's events would.
 */
import type {
  ApiError,
  Framing,
  FramingFit,
  FramingFits,
  GenerationSettings,
  HdFactor,
  HeadTurn,
  Job,
  JobEvent,
  Orientation,
  Portrait,
  StudioChoices,
  StyleInfo,
  StylePicture,
} from "../../lib/backend";
import { aspectRatio, FRAMINGS } from "../../lib/generation";
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
  /** The widest framing each portrait's photo shows enough of the body for (by id); full body unless set. */
  framingReach = new Map<number, Framing>();
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

  async framingFits(portraitId: number, orientation: Orientation): Promise<FramingFits> {
    const portrait = this.portraits.find((p) => p.id === portraitId);
    if (!portrait) throw { code: "not_found" };
    return this.#framingFits(portrait, orientation);
  }

  /** As the backend does, a framing the photo doesn't support is refused and nothing is queued. */
  async enqueuePreview(portraitId: number, settings: GenerationSettings): Promise<Job> {
    const portrait = this.portraits.find((p) => p.id === portraitId);
    const fits = portrait && this.#framingFits(portrait, settings.orientation);
    const fit = fits?.fits.find((f) => f.framing === settings.framing);
    if (fit && !fit.supported) {
      const message = `A ${settings.framing} framing needs more of the body than this photo shows; the closest framing it supports is ${fit.closest}.`;
      throw { code: "framing_beyond_photo", message };
    }
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
    return this.#updateJob(id, { state: "cancelled", error: { code: "cancelled" } });
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

  #framingFits(portrait: Portrait, orientation: Orientation): FramingFits {
    return framingFits(portrait, orientation, this.framingReach.get(portrait.id) ?? "full_body");
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
    if (!job) throw { code: "job_not_found" };
    Object.assign(job, changes);
    return { ...job };
  }
}

/** Frame heights in face heights, tightest framing first, as the core plans them. */
const FACE_HEIGHTS = [2.2, 3.2, 5, 7, 9.5];
/** How many face heights a photo shows when it reaches just far enough down for each framing. */
const PHOTO_DEPTHS = [2.5, 3.5, 5.5, 7.5, 10];

/**
 * Frames centred across the photo, each as many face heights tall as the core makes it, on a
 * photo deep enough for framings up to `reach`: the wider ones reach past its bottom edge.
 */
function framingFits(portrait: Portrait, orientation: Orientation, reach: Framing): FramingFits {
  const widest = FRAMINGS.indexOf(reach);
  const unit = portrait.height / PHOTO_DEPTHS[widest];
  const [rw, rh] = aspectRatio(orientation);
  const fits = FRAMINGS.map((framing, i): FramingFit => {
    const h = FACE_HEIGHTS[i] * unit;
    const w = (h * rw) / rh;
    const frame = { x: (portrait.width - w) / 2, y: 0.3 * unit, w, h, orientation };
    const insideW = Math.min(frame.x + w, portrait.width) - Math.max(frame.x, 0);
    const insideH = Math.min(frame.y + h, portrait.height) - Math.max(frame.y, 0);
    const supported = i <= widest;
    return {
      framing,
      frame,
      missingBelow: Math.max(0, frame.y + h - portrait.height) / h,
      outside: 1 - (insideW * insideH) / (w * h),
      supported,
      shortfall: supported ? null : "body",
      closest: FRAMINGS[Math.min(i, widest)],
    };
  });
  return { orientation, photoWidth: portrait.width, photoHeight: portrait.height, fits };
}
