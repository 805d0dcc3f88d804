import { LogBudget } from './log-budget.js';

describe('LogBudget', () => {
  it('lets perSecond lines through per second and reports the held ones on the next line', () => {
    let now = 0;
    const b = new LogBudget(2, () => now);
    expect(b.take()).toEqual({});
    expect(b.take()).toEqual({});
    expect(b.take()).toBeUndefined();
    expect(b.take()).toBeUndefined();
    now = 999;
    expect(b.take()).toBeUndefined();
    now = 1000;
    expect(b.take()).toEqual({ suppressed: 3 });
    expect(b.take()).toEqual({});
  });
});
