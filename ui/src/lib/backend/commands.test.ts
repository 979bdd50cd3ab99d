/// <reference types="node" />
// @vitest-environment node
// A command has to be named in four places (the handler list, the build script, the window's
// capability and the UI) and an event in two; one missed only shows at run time, as a refused
// or never-answered call. These tests read the Rust side's files and compare the names.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { COMMANDS, EVENTS } from "./commands";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

/** Comments blanked out; string literals kept whole, so a `//` inside one stays. */
function withoutComments(rust: string): string {
  return rust.replace(/"(?:\\.|[^"\\])*"|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (m) => (m.startsWith('"') ? m : " "));
}

/** What `pattern`'s first group captured, or an error saying where the list was expected. */
function listIn(source: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(source);
  if (!match) throw new Error(`no ${what} found`);
  return match[1];
}

/** `tauri::generate_handler![commands::app_info, …]`: the function names, without their module paths. */
function handlerNames(libRs: string): string[] {
  const list = listIn(withoutComments(libRs), /generate_handler!\s*\[([^\]]*)\]/, "generate_handler![…]");
  return list
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((path) => path.split("::").pop()!.trim());
}

/** `AppManifest::new().commands(&["app_info", …])`. */
function declaredCommands(buildRs: string): string[] {
  const list = listIn(withoutComments(buildRs), /\.commands\(\s*&\s*\[([^\]]*)\]/, "AppManifest .commands(&[…])");
  return [...list.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
}

/** The app's own `allow-app-info` permissions as command names; `core:` and plugin ones aren't commands. */
function grantedCommands(capabilityJson: string): string[] {
  const { permissions } = JSON.parse(capabilityJson) as { permissions: (string | { identifier: string })[] };
  return permissions
    .map((p) => (typeof p === "string" ? p : p.identifier))
    .filter((id) => /^allow-[a-z0-9-]+$/.test(id))
    .map((id) => id.slice("allow-".length).replaceAll("-", "_"));
}

/** The first argument of every `.emit(…)`: a string literal, or a `const NAME: &str` one defined in these sources. */
function emittedEvents(rustSources: string[]): string[] {
  const sources = rustSources.map(withoutComments);
  const constants = new Map<string, string>();
  for (const source of sources) {
    for (const [, name, value] of source.matchAll(/\bconst\s+(\w+)\s*:\s*&(?:'static\s+)?str\s*=\s*"([^"]*)"/g)) {
      constants.set(name, value);
    }
  }
  return sources.flatMap((source) =>
    [...source.matchAll(/\.emit\(\s*("[^"]*"|[\w:]+)/g)].map(([, arg]) => {
      if (arg.startsWith('"')) return arg.slice(1, -1);
      const name = arg.split("::").pop()!;
      return constants.get(name) ?? `<${arg}: no const &str found>`;
    }),
  );
}

/** The names in `from` that `source` references as `OBJECT.key`. */
function referenced(source: string, object: string, from: Record<string, string>): string[] {
  return [...source.matchAll(new RegExp(`\\b${object}\\.(\\w+)`, "g"))].map(([, key]) => from[key] ?? `${object}.${key}`);
}

/** For each list, the names another list has and it lacks; `{}` when they all agree. */
function gaps(lists: Record<string, string[]>): Record<string, string[]> {
  const all = new Set(Object.values(lists).flat());
  const result: Record<string, string[]> = {};
  for (const [where, names] of Object.entries(lists)) {
    const lacking = [...all].filter((name) => !names.includes(name)).sort();
    if (lacking.length > 0) result[where] = lacking;
  }
  return result;
}

function rustSources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".rs"))
    .map((file) => read(join(dir, file)));
}

describe("the backend's command and event names", () => {
  const tauriTs = read("ui/src/lib/backend/tauri.ts");

  it("every command the UI calls is registered, declared and granted, and no other", () => {
    const missing = gaps({
      "src-tauri/src/lib.rs generate_handler!": handlerNames(read("src-tauri/src/lib.rs")),
      "src-tauri/build.rs AppManifest commands": declaredCommands(read("src-tauri/build.rs")),
      "src-tauri/capabilities/main.json permissions": grantedCommands(read("src-tauri/capabilities/main.json")),
      "ui/src/lib/backend/commands.ts COMMANDS": Object.values(COMMANDS),
      "ui/src/lib/backend/tauri.ts invokes": referenced(tauriTs, "COMMANDS", COMMANDS),
    });
    expect(missing, "names missing from each list").toEqual({});
  });

  it("every event the Rust side emits is one the UI listens for, and no other", () => {
    const missing = gaps({
      "src-tauri/src/**/*.rs .emit(…)": emittedEvents(rustSources("src-tauri/src")),
      "ui/src/lib/backend/commands.ts EVENTS": Object.values(EVENTS),
      "ui/src/lib/backend/tauri.ts listens": referenced(tauriTs, "EVENTS", EVENTS),
    });
    expect(missing, "names missing from each list").toEqual({});
  });

  it("reads those lists whatever their layout", () => {
    const libRs = `tauri::generate_handler![
      commands::app_info ,
      // commands::retired,
      commands::library::list_portraits,]`;
    expect(handlerNames(libRs)).toEqual(["app_info", "list_portraits"]);
    expect(declaredCommands(`AppManifest::new()\n  .commands( &[ "app_info" ,\n"list_portraits",\n])`)).toEqual([
      "app_info",
      "list_portraits",
    ]);
    const capability = `{ "permissions": [ "core:event:allow-listen", "dialog:allow-open",
      "allow-app-info", { "identifier": "allow-list-portraits" } ] }`;
    expect(grantedCommands(capability)).toEqual(["app_info", "list_portraits"]);
    const rust = [
      `pub const JOB_EVENT: &str = "job-event";`,
      `app.emit(\n  JOB_EVENT, e); app.emit( "import-progress", p); app.emit(events::JOB_EVENT, e); // app.emit("old", x)`,
    ];
    expect(emittedEvents(rust)).toEqual(["job-event", "import-progress", "job-event"]);
  });
});
