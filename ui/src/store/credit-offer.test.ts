import { describe, expect, it } from "vitest";
import type { ApiError } from "../lib/backend";
import { FakeBackend, makeOutput } from "../test/fake-backend";
import { offeringCredits } from "./credit-offer";

describe("offeringCredits", () => {
  it("hands an insufficient_credits failure to the Buy offer and still fails the call", async () => {
    const fake = new FakeBackend({ cloud: true });
    const short: ApiError[] = [];
    const backend = offeringCredits(fake, (error) => short.push(error));

    await expect(backend.enqueueCloudHd(9, 4, "quote_1")).rejects.toMatchObject({ code: "insufficient_credits" });

    expect(short).toEqual([{ code: "insufficient_credits" }]);
  });

  it("leaves every other failure and every answer alone", async () => {
    const fake = new FakeBackend();
    const short: ApiError[] = [];
    const backend = offeringCredits(fake, (error) => short.push(error));

    await expect(backend.cloudBalance()).rejects.toMatchObject({ code: "cloud_off" });
    expect(await backend.cloudStatus()).toMatchObject({ enabled: false });
    expect(backend.outputUrl(makeOutput({ id: 9 }))).toBe("vault://localhost/output%2F9");
    expect(short).toEqual([]);
  });
});
