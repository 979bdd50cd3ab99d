import { describe, expect, it } from "vitest";
import { makeJob } from "../test/fake-backend";
import { newer } from "./jobs.svelte";

describe("a job's newer record", () => {
  const running = makeJob({ state: "running", progress: 0.4, attempts: 1 });

  it("keeps the progress events showed over an older answer", () => {
    expect(newer(running, makeJob({ state: "queued", progress: 0, attempts: 0 }), true)).toBe(running);
    expect(newer(running, makeJob({ state: "queued", progress: 0, attempts: 1 }), false).progress).toBe(0.4);
    expect(newer(running, makeJob({ state: "running", progress: 0.2, attempts: 1 }), false).progress).toBe(0.4);
  });

  it("takes a newer answer: more progress, an end, or a new run", () => {
    expect(newer(running, makeJob({ state: "running", progress: 0.6, attempts: 1 }), false).progress).toBe(0.6);
    expect(newer(running, makeJob({ state: "cancelled", progress: 0.4, attempts: 1 }), true).state).toBe("cancelled");
    expect(newer(running, makeJob({ state: "running", progress: 0.1, attempts: 2 }), false).progress).toBe(0.1);
  });

  it("lets only a retry bring a finished job back to the queue, never a stale list", () => {
    const failed = makeJob({ state: "failed", attempts: 1 });
    const queued = makeJob({ state: "queued", progress: 0, attempts: 1 });
    expect(newer(failed, queued, true).state).toBe("queued");
    expect(newer(failed, queued, false).state).toBe("failed");
  });
});
