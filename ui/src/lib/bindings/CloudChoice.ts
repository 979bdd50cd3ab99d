// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.

/**
 * Running a job on Likeness Cloud: its quoted price and time, or why it can't.
 */
export type CloudChoice = { available: boolean, credits: number | null, seconds: number | null, quoteId: string | null, expiresAt: string | null, reason: string | null, };
