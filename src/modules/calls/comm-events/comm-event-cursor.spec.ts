import { AppError } from '../../../common/errors/app-error.js';
import { decodeCursor, encodeCursor } from './comm-event-cursor.js';

describe('CommEvent cursor', () => {
  it('round-trips a position', () => {
    const p = { startedAt: new Date('2026-11-22T20:54:40.123Z'), id: '0b7e4c1e-8f0a-4a8e-9d55-3f1d2c9b7a61' };
    const c = encodeCursor(p);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).toEqual(p);
  });

  it.each([
    '',
    'abc',
    Buffer.from('2026-11-22T20:54:40Z|not-a-uuid').toString('base64url'),
    Buffer.from('nodate|0b7e4c1e-8f0a-4a8e-9d55-3f1d2c9b7a61').toString('base64url'),
  ])('refuses %j with a validation error', (c) => {
    expect(() => decodeCursor(c)).toThrow(AppError);
  });
});
