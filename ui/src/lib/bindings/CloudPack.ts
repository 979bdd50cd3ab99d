// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.

/**
 * A pack of credits for sale; `amountCents` in `currency` (ISO 4217).
 */
export type CloudPack = { packId: string, name: string, credits: number, amountCents: number, currency: string, };
