import { parseChange } from './directory-changes.js';

describe('parseChange (the payload of a directory change notification)', () => {
  const user = '3f2c1a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b';

  it('answers the users of a change', () => {
    expect(parseChange(JSON.stringify({ users: [user] }))).toEqual([user]);
    expect(parseChange(JSON.stringify({ users: [] }))).toEqual([]);
  });

  it('takes anything unexpected as "anything may have changed"', () => {
    for (const payload of [
      undefined,
      '',
      'not json',
      'null',
      JSON.stringify({ users: null }),
      JSON.stringify({ users: ['not-a-uuid'] }),
      JSON.stringify({ users: [42] }),
      JSON.stringify({ users: user }),
      JSON.stringify({ users: Array.from({ length: 101 }, () => user) }),
    ]) {
      expect(parseChange(payload)).toBeNull();
    }
  });
});
