// Running short of credits can happen on any cloud call (starting a cloud job, most often), and
// the answer is always the same: offer to buy more. Rather than each caller spotting the code,
// the app watches every call in one place.
import { toApiError } from "../lib/backend/errors";
import type { ApiError, Backend } from "../lib/backend";

const isThenable = (value: unknown): value is Promise<unknown> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";

/**
 * `backend`, with every call that fails with `insufficient_credits` also passed to `onshort`.
 * The call still fails as before, so its caller shows what didn't happen.
 */
export function offeringCredits(backend: Backend, onshort: (error: ApiError) => void): Backend {
  return new Proxy(backend, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (!isThenable(result)) return result;
        return result.catch((err: unknown) => {
          const error = toApiError(err);
          if (error.code === "insufficient_credits") onshort(error);
          throw err;
        });
      };
    },
  });
}
