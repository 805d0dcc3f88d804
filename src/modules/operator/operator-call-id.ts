import { AppError, ErrorCode } from '../../common/errors/app-error.js';

/**
 * A call as operators and CRM back ends name it: `<pbx id>:<linkedid>` (a Linkedid alone repeats
 * across PBXes). Opaque to clients; only this file builds or reads it.
 */
export function formatCallId(pbxId: string, linkedid: string): string {
  return `${pbxId}:${linkedid}`;
}

const CALL_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\d{1,20}\.\d{1,10})$/i;

export function parseCallId(callId: string): { pbxId: string; linkedid: string } {
  const m = CALL_ID.exec(callId);
  if (!m) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'Invalid request: callId', [
      { field: 'callId', message: 'callId must be a call id as sent in call:offered (<pbx id>:<linkedid>)' },
    ]);
  }
  return { pbxId: m[1].toLowerCase(), linkedid: m[2] };
}

export const CALL_ID_PATTERN = CALL_ID;
