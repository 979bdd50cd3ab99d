// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.
import type { CloudReceiptKind } from "./CloudReceiptKind";

/**
 * A signed receipt; `valid` says whether its signature checked out on this computer.
 */
export type CloudReceipt = { receiptId: string, kind: CloudReceiptKind, credits: number, amountCents: number | null, currency: string | null, orderId: string | null, jobId: string | null, issuedAt: string, valid: boolean, };
