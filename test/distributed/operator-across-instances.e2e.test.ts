import { io, type Socket } from 'socket.io-client';
import { startCallsApp, type CallsApp } from '../calls/support/calls-app.js';
import { createTestDatabase } from '../support/test-database.js';

/**
 * Two in-process apps on one database and the machine's Redis (127.0.0.1:6379): with
 * OPERATOR_UNIQUE_SESSION, a user's new connection on one instance closes their older one on the
 * other (session:replaced), and neither instance trips over the other's socket data.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function connect(url: string, token: string): Promise<{ socket: Socket; events: string[] }> {
  const socket = io(`${url}/operator`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const events: string[] = [];
  socket.onAny((name: string) => events.push(name));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, events }));
    socket.once('connect_error', reject);
  });
}

describe('operator sessions across instances (Redis)', () => {
  it('a new connection on B replaces the one on A', async () => {
    const db = await createTestDatabase();
    const env = { REDIS_URL, OPERATOR_UNIQUE_SESSION: 'true' };
    const a: CallsApp = await startCallsApp({ databaseUrl: db.url, env: { ...env, INSTANCE_NAME: 'a' } });
    const b: CallsApp = await startCallsApp({ databaseUrl: db.url, env: { ...env, INSTANCE_NAME: 'b' } });
    try {
      const user = (await (
        await a.api('/api/v1/users', { method: 'POST', json: { displayName: 'Una', role: 'operator' } })
      ).json()) as { id: string };
      const { token } = (await (
        await a.api('/api/v1/auth/token', { method: 'POST', json: { userId: user.id } })
      ).json()) as { token: string };
      const first = await connect(a.url, token);
      const gone = new Promise<string>((r) => first.socket.on('disconnect', r));
      await new Promise((r) => setTimeout(r, 300)); // the adapters' subscriptions
      const second = await connect(b.url, token);
      expect(await gone).toBe('io server disconnect');
      expect(first.events).toContain('session:replaced');
      await new Promise((r) => setTimeout(r, 300));
      expect(second.socket.connected).toBe(true);
      second.socket.close();
      const health = (await (await fetch(`${a.url}/health`)).json()) as {
        components: Record<string, { status: string }>;
      };
      expect(health.components['operator-gateway'].status).toBe('up');
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  }, 60_000);
});
