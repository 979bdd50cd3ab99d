// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.

/**
 * Running a job on this computer: how long it would take, or why it can't.
 */
export type LocalChoice = { available: boolean, seconds: number | null, reason: string | null, };
