import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { fixedSplit, loadRecordings } from '../support/ami-recordings.js';
import {
  type AsteriskManagerItem,
  AsteriskManagerParser,
} from '../../tools/bench/asterisk-manager-reader.js';

/**
 * The differential spec and the benchmark run asterisk-manager's ManagerReader without a socket
 * (tools/bench/asterisk-manager-reader.ts). This checks that doing so gives exactly what the real
 * library emits when it reads the same recording from a loopback TCP server.
 */
interface Manager {
  on(event: 'rawevent', fn: (item: AsteriskManagerItem) => void): void;
  on(event: 'close' | 'error', fn: () => void): void;
  disconnect(): void;
}
const AsteriskManager = createRequire(import.meta.url)('asterisk-manager') as (
  port: number,
  host: string,
) => Manager;

describe('asterisk-manager parse path without a socket', () => {
  it.each(['queue-admin.ami', 'inbound-queue-answered.ami'])(
    '%s: same items as the library over TCP',
    async (name) => {
      const bytes = loadRecordings().find(([n]) => n === name)![1];
      const server = createServer((socket: Socket) => {
        // TCP-sized writes, a few at a time, so that frames and lines straddle reads.
        const pieces = fixedSplit(bytes, 1460);
        let i = 0;
        const next = (): void => {
          if (i >= pieces.length) return void socket.end();
          socket.write(Buffer.concat(pieces.slice(i, i + 3)), next);
          i += 3;
        };
        next();
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const overTcp: AsteriskManagerItem[] = [];
      const manager = AsteriskManager((server.address() as AddressInfo).port, '127.0.0.1');
      manager.on('rawevent', (item) => overTcp.push(item));
      manager.on('error', () => undefined);
      await new Promise<void>((resolve) => manager.on('close', resolve));
      manager.disconnect();
      server.close();

      const direct: AsteriskManagerItem[] = [];
      const parser = new AsteriskManagerParser((item) => direct.push(item));
      for (const piece of fixedSplit(bytes, 1000)) parser.push(piece);

      expect(overTcp.length).toBeGreaterThan(50);
      expect(direct).toEqual(overTcp);
    },
  );
});
