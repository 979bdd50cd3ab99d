// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.

/**
 * Where a purchase stands.
 */
export type CloudOrderState = "pending" | "processing" | "paid" | "failed" | "cancelled" | "expired";
