/**
 * A loopback OTLP/HTTP receiver for tests: records every request (body gunzipped when
 * it says `Content-Encoding: gzip`) and answers as told: a status, headers and a body,
 * or not at all (`hang`), one scripted answer per request, then 200.
 */

import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One received request. */
export type ReceivedRequest = {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body as sent (compressed if it was). */
  readonly wire: Buffer;
  /** The body, decompressed. */
  readonly body: Buffer;
  /** The client's port: the same for requests over one kept-alive connection. */
  readonly remotePort: number;
};

/** How to answer one request. */
export type Answer =
  | { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: Uint8Array | string }
  | 'hang';

export type OtlpReceiver = {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Answers to give, in order, before falling back to 200. */
  readonly answers: Answer[];
  /** Requests left hanging (their responses), to end them later. */
  readonly hanging: ServerResponse[];
  close(): Promise<void>;
};

export async function startOtlpReceiver(path = '/v1/metrics'): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const answers: Answer[] = [];
  const hanging: ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const wire = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, wire, body, remotePort: req.socket.remotePort ?? 0 });
      const answer = answers.shift() ?? { status: 200 };
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/x-protobuf', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    requests,
    answers,
    hanging,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
