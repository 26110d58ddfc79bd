/**
 * Resolves a host name for a connectionless transport: once, then again every `ttlMs`
 * (the old address stays in use while the new lookup runs), and after a failure at most
 * once per second. An IP address is used as it is.
 *
 * @module
 * @internal
 */

import dns from 'node:dns';
import net from 'node:net';

/** After a failed lookup, the next one waits this long. */
const LOOKUP_RETRY_MS = 1_000;

/** The address of a host, kept fresh. */
export class HostResolver {
  readonly #host: string;
  readonly #ttlMs: number;
  readonly #onResolved: () => void;
  readonly #onFailed: (error: Error) => void;
  #address: string | null = null;
  #family = 0;
  #resolvedAtMs = Number.NEGATIVE_INFINITY;
  #failedAtMs = Number.NEGATIVE_INFINITY;
  #pending = false;

  /**
   * @param host - a host name or IP address.
   * @param ttlMs - how long an answer is used before the name is looked up again.
   * @param onResolved - called after each successful lookup.
   * @param onFailed - called after each failed lookup (the old address, if any, stays).
   */
  constructor(host: string, ttlMs: number, onResolved: () => void, onFailed: (error: Error) => void) {
    this.#host = host;
    this.#ttlMs = ttlMs;
    this.#onResolved = onResolved;
    this.#onFailed = onFailed;
    const family = net.isIP(host);
    if (family !== 0) {
      this.#address = host;
      this.#family = family;
      this.#resolvedAtMs = Number.POSITIVE_INFINITY;
    }
  }

  /** The address to send to, or `null` before the first answer. */
  get address(): string | null {
    return this.#address;
  }

  /** 4 or 6 (0 before the first answer). */
  get family(): number {
    return this.#family;
  }

  /** Starts a lookup if the answer is missing or stale, none is running, and the last failure is not too recent. */
  refresh(): void {
    if (this.#pending) return;
    const nowMs = performance.now();
    if (this.#address !== null && nowMs - this.#resolvedAtMs < this.#ttlMs) return;
    if (nowMs - this.#failedAtMs < LOOKUP_RETRY_MS) return;
    this.#pending = true;
    dns.lookup(this.#host, (error, address, family) => {
      this.#pending = false;
      if (error !== null) {
        this.#failedAtMs = performance.now();
        // Keep a known address for another TTL rather than asking again at once.
        if (this.#address !== null) this.#resolvedAtMs = this.#failedAtMs;
        this.#onFailed(error);
        return;
      }
      this.#address = address;
      this.#family = family;
      this.#resolvedAtMs = performance.now();
      this.#onResolved();
    });
  }
}
