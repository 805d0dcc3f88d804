import { connect } from 'node:net';

export {
  agiCall,
  recordedHeader,
  type AgiCallOptions,
  type AgiCallResult,
} from '../../../src/simulator/agi-client.js';

/** Writes raw bytes and reports how long the server took to close the connection (and whether it reset it). */
export function rawConnection(
  port: number,
  bytes: (string | Buffer)[],
  timeoutMs = 10_000,
): Promise<{ closedMs: number; received: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let received = '';
    const started = performance.now();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => {
      for (const b of bytes) socket.write(b);
    });
    socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closedMs: performance.now() - started, received });
    });
  });
}
