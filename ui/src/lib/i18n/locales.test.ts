// @vitest-environment node
// The macOS bundle lists the same languages as the app, or WKWebView reports English whatever the
// user's language is.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LOCALES } from "./locales";

const plist = readFileSync(new URL("../../../../src-tauri/Info.plist", import.meta.url), "utf8");

describe("the macOS bundle", () => {
  it("declares every language the app speaks, and no other", () => {
    const list = plist.match(/<key>CFBundleLocalizations<\/key>\s*<array>([\s\S]*?)<\/array>/)?.[1] ?? "";
    const declared = [...list.matchAll(/<string>([^<]+)<\/string>/g)].map((match) => match[1]);

    expect(declared).toEqual([...LOCALES]);
  });
});
