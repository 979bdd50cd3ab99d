// Hand-written to the cloud contract; the Rust side will regenerate it with [ts-rs](https://github.com/Aleph-Alpha/ts-rs) in the same shape.

/**
 * Whether Likeness Cloud is on, which server it talks to, and since when (RFC 3339).
 */
export type CloudStatus = { enabled: boolean, serverUrl: string, signedIn: boolean, enabledAt: string | null, };
