/// <reference types="node" />
// @vitest-environment node
import { readdirSync, readFileSync } from "node:fs";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// Components take backend types from lib/backend, so a change in the generated shapes is
// absorbed in this folder instead of spreading through the UI.
it("only lib/backend imports the generated bindings", () => {
  const src = fileURLToPath(new URL("../../", import.meta.url));
  const importers = readdirSync(src, { recursive: true, encoding: "utf8" })
    .map((file) => file.split(sep).join("/"))
    .filter((file) => /\.(ts|svelte)$/.test(file) && !/^lib\/(backend|bindings)\//.test(file))
    .filter((file) => /from\s+["'][^"']*\/bindings\//.test(readFileSync(join(src, file), "utf8")));
  expect(importers).toEqual([]);
});
