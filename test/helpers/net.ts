/** Loopback port helpers shared by the real-server test helpers. */

import { createSocket } from 'node:dgram';
import { createConnection, createServer } from 'node:net';

/** A port of the given kind that was free a moment ago on 127.0.0.1, as the OS hands it out. */
export async function freePort(kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  if (kind === 'udp') {
    return new Promise((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        const port = socket.address().port;
        socket.close(() => {
          resolve(port);
        });
      });
    });
  }
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export async function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}
