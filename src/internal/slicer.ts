/**
 * The one event-loop slicer: long reads and renders (a registry of 100,000 series) call
 * the function it returns between units of work, and yield to the event loop whenever the
 * current slice has run for {@link SLICE_MS}.
 *
 * @module
 * @internal
 */

/**
 * How long reading or formatting may hold the event loop before it yields (with
 * `setImmediate`), so that reporting a large registry never stalls the application.
 * Well under the 20 ms a stretch may last: a scavenge of the young generation (a few
 * milliseconds, more when much of what the slice allocated survives) usually runs when
 * the slice ends, and the two together are what the application waits.
 *
 * @internal
 */
export const SLICE_MS = 5;

/**
 * Returns a function to call between units of work: it resolves at once while the
 * current slice lasts less than `sliceMs`, and after one `setImmediate` otherwise.
 *
 * @internal
 */
export function sliceYielder(sliceMs = SLICE_MS): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < sliceMs) return undefined;
    return new Promise<void>((resolve) => {
      setImmediate(() => {
        since = performance.now();
        resolve();
      });
    });
  };
}

/**
 * Pulls `chunks` (text, or bytes) within slices and hands them on as pieces: text gathered
 * until about `pieceChars` characters and joined inside the slice (so no step ever joins
 * or encodes a whole body at once), bytes as they come, after the text before them. A
 * promise `take` returns (backpressure) is awaited before the next chunk. Resolves `false`
 * if `aborted()` is true after a pause, else `true`.
 *
 * @internal
 */
export async function slicedPieces(
  chunks: Iterable<string | Uint8Array>,
  pieceChars: number,
  take: (piece: string | Uint8Array) => Promise<void> | undefined,
  options: { readonly pause?: () => Promise<void> | undefined; readonly aborted?: () => boolean } = {},
): Promise<boolean> {
  const pause = options.pause ?? sliceYielder();
  const aborted = options.aborted;
  let batch: string[] = [];
  let size = 0;
  const flush = (): Promise<void> | undefined => {
    if (size === 0) return undefined;
    const text = batch.join('');
    batch = [];
    size = 0;
    return take(text);
  };
  for (const chunk of chunks) {
    if (typeof chunk !== 'string') {
      await flush();
      if (chunk.byteLength > 0) await take(chunk);
    } else if (chunk !== '') {
      batch.push(chunk);
      size += chunk.length;
      if (size >= pieceChars) await flush();
    }
    const wait = pause();
    if (wait !== undefined) {
      await wait;
      if (aborted?.() === true) return false;
    }
  }
  await flush();
  return true;
}
