// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.

/**
 * What a receipt is for.
 */
export type CloudReceiptKind = "purchase" | "job";
