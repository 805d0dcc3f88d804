import net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  held: Buffer[] | undefined;
}

/**
 * A loopback TCP relay between the client and the simulator that can stop passing the PBX's
 * bytes on (a frozen PBX, a half-dead NAT), without touching either end's code.
 */
export class TcpRelay {
  private readonly server: net.Server;
  private readonly pairs: Pair[] = [];

  constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => this.accept(client));
  }

  get connections(): number {
    return this.pairs.length;
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Stop forwarding PBX -> client on the current connections (bytes are kept, in order). */
  hold(): void {
    for (const p of this.pairs) p.held ??= [];
  }

  /** Forward what was held, and everything after it. */
  release(): void {
    for (const p of this.pairs) {
      const held = p.held;
      p.held = undefined;
      for (const chunk of held ?? []) if (!p.client.destroyed) p.client.write(chunk);
    }
  }

  async stop(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect({ host: '127.0.0.1', port: this.targetPort });
    const pair: Pair = { client, upstream, held: undefined };
    this.pairs.push(pair);
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (pair.held) pair.held.push(chunk);
      else client.write(chunk);
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }
}
