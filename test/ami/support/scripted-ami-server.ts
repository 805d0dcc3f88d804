import net from 'node:net';

import { header, type AmiMessage } from '../../../src/protocol/ami/ami-message.js';
import { AmiParser } from '../../../src/protocol/ami/ami-parser.js';

export type Reply = (fields: Record<string, string>) => void;

export interface ScriptedSession {
  socket: net.Socket;
  actions: AmiMessage[];
  /** Every byte the client sent, as text. */
  received: string;
  /** Writes `Response: ...` frame for the given action, echoing its ActionID. */
  reply(action: AmiMessage, fields: Record<string, string>): void;
  write(data: string | Buffer): void;
}

/**
 * A deliberately minimal AMI peer for the failure modes the simulator is not meant to fake
 * (a link that goes silent, a peer that stops reading): it sends the banner, parses actions
 * with the real AmiParser and hands each one to the test's script.
 */
export class ScriptedAmiServer {
  readonly sessions: ScriptedSession[] = [];
  private readonly server: net.Server;

  constructor(private readonly onAction: (session: ScriptedSession, action: AmiMessage) => void) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  get connections(): number {
    return this.sessions.length;
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sessions) s.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const session: ScriptedSession = {
      socket,
      actions: [],
      received: '',
      reply: (action, fields) => {
        let out = '';
        const actionId = header(action, 'ActionID');
        const all: Record<string, string> = { Response: 'Success', ...fields };
        out += `Response: ${all.Response}\r\n`;
        if (actionId !== undefined) out += `ActionID: ${actionId}\r\n`;
        for (const [k, v] of Object.entries(all)) if (k !== 'Response') out += `${k}: ${v}\r\n`;
        if (!socket.destroyed) socket.write(out + '\r\n');
      },
      write: (data) => {
        if (!socket.destroyed) socket.write(data);
      },
    };
    this.sessions.push(session);
    const parser = new AmiParser(
      (msg) => {
        session.actions.push(msg);
        this.onAction(session, msg);
      },
      { expectBanner: false },
    );
    socket.on('data', (chunk: Buffer) => {
      session.received += chunk.toString('utf8');
      parser.push(chunk);
    });
    socket.on('error', () => undefined);
    socket.write('Asterisk Call Manager/11.0.0\r\n');
  }
}

/** Answers Login with Success and every other action through `rest`. */
export function loginThen(rest: (session: ScriptedSession, action: AmiMessage) => void) {
  return (session: ScriptedSession, action: AmiMessage): void => {
    const name = header(action, 'Action')?.toLowerCase();
    if (name === 'login') {
      session.reply(action, { Message: 'Authentication accepted' });
      return;
    }
    if (name === 'logoff') return goodbye(session, action);
    rest(session, action);
  };
}

/** What Asterisk does on Logoff: Goodbye, then close. */
export function goodbye(session: ScriptedSession, action: AmiMessage): void {
  session.reply(action, { Response: 'Goodbye', Message: 'Thanks for all the fish.' });
  session.socket.end();
}
