// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.

/**
 * Free credits, and those held for jobs still running.
 */
export type CloudBalance = { credits: number, held: number, };
