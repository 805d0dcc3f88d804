import { CliUsageError, parseArgs } from './sim-cli.js';

describe('sim-cli parseArgs', () => {
  it('reads the documented flags', () => {
    const { sim } = parseArgs([
      '--port',
      '5038',
      '--trace',
      'a.ami',
      '--trace=b.ami',
      '--speed',
      'realtime',
      '--repeat',
      '3',
      '--then',
      'close',
      '--username',
      'u',
      '--secret',
      's',
    ]);
    expect(sim).toEqual({
      port: 5038,
      trace: ['a.ami', 'b.ami'],
      speed: 'realtime',
      repeat: 3,
      then: 'close',
      username: 'u',
      secret: 's',
    });
  });

  it('reads scripted traffic', () => {
    const { sim } = parseArgs([
      '--scripted',
      '--cps',
      '2',
      '--answer',
      '0.6',
      '--seed',
      '7',
      '--duration',
      '60',
    ]);
    expect(sim.scripted).toEqual({ callsPerSecond: 2, answerRatio: 0.6, durationSeconds: 60, seed: 7 });
    expect(sim.port).toBe(5038);
  });

  it('lists every problem at once', () => {
    let err: unknown;
    try {
      parseArgs(['--port', 'x', '--speed', 'fast', '--answer', '2', '--bogus']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliUsageError);
    const msg = (err as Error).message;
    expect(msg).toContain('--port needs a valid number (got x)');
    expect(msg).toContain('--speed must be realtime or max (got fast)');
    expect(msg).toContain('--answer needs a valid number (got 2)');
    expect(msg).toContain('unknown argument --bogus');
    expect(msg).toContain('nothing to play');
  });

  it('does not take the next flag as a value', () => {
    expect(() => parseArgs(['--trace', '--speed', 'max'])).toThrow('--trace needs a value');
  });
});
