/** Archives go to the backend in pieces this size, so a huge one never sits in memory whole. */
export const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Reads `file` one `CHUNK_BYTES` slice at a time and hands each to `send`, waiting for it
 * before reading the next; `onProgress` hears the bytes sent so far after each.
 */
export async function sendInChunks(
  file: File,
  send: (chunk: Uint8Array) => Promise<unknown>,
  onProgress?: (sent: number, total: number) => void,
): Promise<void> {
  for (let sent = 0; sent < file.size; ) {
    const chunk = new Uint8Array(await file.slice(sent, sent + CHUNK_BYTES).arrayBuffer());
    await send(chunk);
    sent += chunk.length;
    onProgress?.(sent, file.size);
  }
}
