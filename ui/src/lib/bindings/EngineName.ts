// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.

/**
 * Where a job runs.
 */
export type EngineName = "local" | "cloud";
