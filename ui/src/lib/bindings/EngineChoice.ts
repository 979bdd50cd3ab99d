// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.
import type { CloudChoice } from "./CloudChoice";
import type { EngineName } from "./EngineName";
import type { LocalChoice } from "./LocalChoice";

/**
 * Both ways to run one job, side by side, and which Likeness recommends.
 */
export type EngineChoice = { local: LocalChoice, cloud: CloudChoice, recommended: EngineName, };
