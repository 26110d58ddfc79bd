/** Types of bench/soak/tap.js (plain JS: the service process runs it as it is). */
import type { Transport, TransportStats } from '../../src/transports/transport.js';

export declare const BUCKET_MS: number;
export declare function trackStatsd(key: string): boolean;
export declare function trackGraphite(path: string): boolean;
export declare function etsyParse(line: string): { key: string; value: number; type: string; rate: number } | null;
export declare function decodePickleFrame(frame: Buffer): { path: string; ts: number; value: number }[];

export type StatsdLedger = {
  kind: 'statsd';
  counts: Record<string, { accepted: number; outstanding: number; acceptedAt: [number, number][] }>;
  bucketMs: number;
  refusedRecords: number;
  acceptedRecords: number;
  stats: TransportStats;
};
export type PickleLedger = {
  kind: 'pickle';
  points: Record<string, [number, number, number][]>;
  refusedPoints: number;
  decodeErrors: number;
  refusedRecords: number;
  acceptedRecords: number;
  stats: TransportStats;
};

export declare class TappedTransport implements Transport {
  constructor(options: { inner: Transport; kind: 'statsd' | 'pickle'; startMs: number; seconds: number; track: (key: string) => boolean });
  send(record: string | Uint8Array): boolean;
  flush(): void;
  close(timeoutMs?: number): Promise<void>;
  readonly stats: TransportStats;
  start(): void;
  ledger(): StatsdLedger | PickleLedger;
}
