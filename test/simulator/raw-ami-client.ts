import { connect, type Socket } from 'node:net';

import { header, type AmiMessage } from '../../src/protocol/ami/ami-message.js';
import { AmiParser } from '../../src/protocol/ami/ami-parser.js';
import { serializeAction, type AmiFields } from '../../src/protocol/ami/ami-serializer.js';

/**
 * A bare AMI client for the simulator's tests: writes actions with the project's serializer, reads
 * with the project's parser, and keeps every byte received for byte-exact assertions.
 */
export class RawAmiClient {
  readonly messages: AmiMessage[] = [];
  private readonly chunks: Buffer[] = [];
  private readonly parser = new AmiParser((m) => this.onMessage(m));
  private waiters: { pred: (m: AmiMessage) => boolean; resolve: (m: AmiMessage) => void }[] = [];
  private closedPromise: Promise<void>;
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.parser.push(chunk);
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RawAmiClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawAmiClient(socket));
      });
    });
  }

  /** Connect and log in; resolves with the login response. */
  static async login(port: number, fields: AmiFields = {}, secret = 'labsecret'): Promise<RawAmiClient> {
    const c = await RawAmiClient.connect(port);
    const res = await c.action('Login', { Username: 'crm', Secret: secret, ...fields }, 'login-1');
    if (header(res, 'response') !== 'Success') throw new Error(`login failed: ${header(res, 'message')}`);
    return c;
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.bytes.toString('utf8');
  }

  get events(): AmiMessage[] {
    return this.messages.filter((m) => m.type === 'event');
  }

  send(action: string, fields?: AmiFields, actionId?: string): void {
    this.socket.write(serializeAction(action, fields, actionId));
  }

  /** Send an action and resolve with its response (matched by ActionID). */
  action(
    action: string,
    fields: AmiFields | undefined,
    actionId: string,
    timeoutMs = 3000,
  ): Promise<AmiMessage> {
    const p = this.waitFor((m) => m.type === 'response' && header(m, 'actionid') === actionId, timeoutMs);
    this.send(action, fields, actionId);
    return p;
  }

  /** Resolve with the first message (already received or coming) that matches. */
  waitFor(pred: (m: AmiMessage) => boolean, timeoutMs = 3000): Promise<AmiMessage> {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no matching message within ${timeoutMs} ms (got ${this.messages.length})`));
      }, timeoutMs);
      const done = (m: AmiMessage): void => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  /** Resolve once `count` messages match (scans each message once). */
  async waitForCount(
    pred: (m: AmiMessage) => boolean,
    count: number,
    timeoutMs = 5000,
  ): Promise<AmiMessage[]> {
    const deadline = Date.now() + timeoutMs;
    const matching: AmiMessage[] = [];
    let scanned = 0;
    for (;;) {
      for (; scanned < this.messages.length; scanned++)
        if (pred(this.messages[scanned])) matching.push(this.messages[scanned]);
      if (matching.length >= count) return matching;
      if (Date.now() > deadline)
        throw new Error(`only ${matching.length} of ${count} messages within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  waitClosed(timeoutMs = 3000): Promise<void> {
    return Promise.race([
      this.closedPromise,
      new Promise<void>((_, reject) =>
        setTimeout(() => reject(new Error('socket still open')), timeoutMs).unref(),
      ),
    ]);
  }

  close(): void {
    this.socket.destroy();
  }

  private onMessage(m: AmiMessage): void {
    this.messages.push(m);
    const matched = this.waiters.filter((w) => w.pred(m));
    this.waiters = this.waiters.filter((w) => !w.pred(m));
    for (const w of matched) w.resolve(m);
  }
}
