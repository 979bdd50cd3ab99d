// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.

/**
 * Which way a ledger line moved credits.
 */
export type CloudLedgerKind = "grant" | "hold" | "charge" | "release";
