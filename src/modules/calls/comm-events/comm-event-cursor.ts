import { AppError, ErrorCode } from '../../../common/errors/app-error.js';
import { UUID_PATTERN as UUID } from '../../../common/uuid.js';

export interface CommEventPosition {
  startedAt: Date;
  id: string;
}

/** The keyset cursor of the list (startedAt desc, id desc): opaque to clients. */
export function encodeCursor(p: CommEventPosition): string {
  return Buffer.from(`${p.startedAt.toISOString()}|${p.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CommEventPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  const startedAt = new Date(bar > 0 ? text.slice(0, bar) : 'x');
  const id = text.slice(bar + 1);
  if (bar <= 0 || Number.isNaN(startedAt.getTime()) || !UUID.test(id)) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'Invalid cursor', [
      { field: 'cursor', message: 'cursor must be a nextCursor returned by this endpoint' },
    ]);
  }
  return { startedAt, id };
}
