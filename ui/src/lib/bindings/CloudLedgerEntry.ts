// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.
import type { CloudLedgerKind } from "./CloudLedgerKind";

/**
 * One line of the credits ledger. `credits` is always positive; `kind` says which way it went.
 */
export type CloudLedgerEntry = { entryId: number, kind: CloudLedgerKind, credits: number, reason: string, orderId: string | null, jobId: string | null, balanceAfter: number, at: string, };
