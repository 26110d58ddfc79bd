/**
 * The one wait helper of the tests: polls a condition until it holds, or fails with a
 * message saying what was awaited. Use it to wait for an event of a real peer (a
 * datagram arrived, a whisper file exists), never to let time pass: tests that need
 * time to pass inject a ManualClock.
 */

/** Options of {@link waitUntil}. */
export type WaitOptions = {
  /** What is awaited, for the failure message. */
  readonly what?: string;
  /** How long to wait before failing, in milliseconds. @defaultValue 5000 */
  readonly timeoutMs?: number;
  /** The pause between two polls, in milliseconds. @defaultValue 10 */
  readonly pollMs?: number;
  /** Called when the wait fails: extra context for the message (a server's log tail). */
  readonly context?: () => string;
};

/**
 * Resolves with the first truthy (or, for a probe, non-undefined) value of `probe`;
 * a probe that throws counts as not yet, and its last error is in the failure message.
 *
 * @throws Error if the deadline passes first.
 */
export async function waitUntil<T>(
  probe: () => T | Promise<T>,
  options: WaitOptions | number = {},
): Promise<Exclude<T, undefined | false | null | 0 | ''>> {
  const { what = 'the condition', timeoutMs = 5_000, pollMs = 10, context } =
    typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false && value !== null && value !== 0 && value !== '') {
        return value as Exclude<T, undefined | false | null | 0 | ''>;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`;
      const extra = context === undefined ? '' : `\n${context()}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}${extra}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
