import { FailOpenRunner, lookupBudgetMs } from './fail-open.js';

const never = () => new Promise<never>(() => undefined);

describe('FailOpenRunner', () => {
  it('gives the value of work that finishes in time', async () => {
    const r = new FailOpenRunner(2);
    await expect(r.run(async () => 42, 100)).resolves.toEqual({ kind: 'value', value: 42 });
    expect(r.inFlight).toBe(0);
  });

  it('gives the error of work that fails', async () => {
    const r = new FailOpenRunner(2);
    const error = new Error('db down');
    await expect(r.run(() => Promise.reject(error), 100)).resolves.toEqual({ kind: 'error', error });
    await expect(
      r.run(() => {
        throw error;
      }, 100),
    ).resolves.toEqual({ kind: 'error', error });
  });

  it('answers deadline on time, aborts the signal, and keeps counting the late work', async () => {
    const r = new FailOpenRunner(2);
    let signal: AbortSignal | undefined;
    let finish!: () => void;
    const started = performance.now();
    const result = await r.run(
      (s) =>
        new Promise<void>((resolve) => {
          signal = s;
          finish = resolve;
        }),
      30,
    );
    expect(result).toEqual({ kind: 'deadline' });
    expect(performance.now() - started).toBeLessThan(200);
    expect(signal?.aborted).toBe(true);
    expect(r.inFlight).toBe(1);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.inFlight).toBe(0);
  });

  it('refuses new work while maxInFlight lookups are still running', async () => {
    const r = new FailOpenRunner(2);
    await Promise.all([r.run(never, 5), r.run(never, 5)]);
    let ran = false;
    await expect(
      r.run(async () => {
        ran = true;
      }, 5),
    ).resolves.toEqual({ kind: 'overloaded' });
    expect(ran).toBe(false);
  });

  it('does not start work whose budget is already spent', async () => {
    const r = new FailOpenRunner(2);
    let ran = false;
    await expect(
      r.run(async () => {
        ran = true;
      }, 0),
    ).resolves.toEqual({ kind: 'deadline' });
    expect(ran).toBe(false);
  });

  it('budgets most of the deadline for the lookup', () => {
    expect(lookupBudgetMs(300)).toBe(225);
    expect(lookupBudgetMs(20)).toBe(15);
    expect(lookupBudgetMs(5000)).toBe(4900);
  });
});
