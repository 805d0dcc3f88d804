/**
 * Domain errors carry a code; the edges (HTTP filter, Socket.IO acks, AGI replies) map the
 * code to their own form. Services throw these, never HttpException.
 */
export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  RATE_LIMITED = 'RATE_LIMITED',
  /** A byte range that does not overlap the file (HTTP 416). */
  RANGE_NOT_SATISFIABLE = 'RANGE_NOT_SATISFIABLE',
  PBX_UNAVAILABLE = 'PBX_UNAVAILABLE',
  PBX_REJECTED = 'PBX_REJECTED',
  UNAVAILABLE = 'UNAVAILABLE',
  INTERNAL = 'INTERNAL',
}

export interface ErrorDetail {
  field?: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'AppError';
  }

  static notFound(what: string, id: string): AppError {
    return new AppError(ErrorCode.NOT_FOUND, `${what} ${id} not found`);
  }

  static conflict(message: string): AppError {
    return new AppError(ErrorCode.CONFLICT, message);
  }
}
