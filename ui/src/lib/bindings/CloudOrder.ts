// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.
import type { CloudOrderState } from "./CloudOrderState";

/**
 * A purchase of one pack, as the server saw it when the checkout window closed.
 */
export type CloudOrder = { orderId: string, packId: string, state: CloudOrderState, credits: number, };
