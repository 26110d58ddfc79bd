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
