import { getContext, setContext } from "svelte";
import type { Backend } from "./index";

const KEY = Symbol("backend");

export function provideBackend(backend: Backend): void {
  setContext(KEY, backend);
}

export function useBackend(): Backend {
  const backend = getContext<Backend | undefined>(KEY);
  if (!backend) throw new Error("No Backend in context: render inside <App backend={...}>.");
  return backend;
}
