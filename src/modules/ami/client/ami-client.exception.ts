/** Why an AMI action (or the link itself) failed. Mapped to HTTP / Socket.IO acks at the edges. */
export enum AmiErrorCode {
  /** The client is not logged in right now; the caller decides whether to queue and retry. */
  NOT_CONNECTED = 'NOT_CONNECTED',
  /** No response (or no end of the event list) within the action's timeout. */
  TIMEOUT = 'TIMEOUT',
  /** The TCP link dropped while the action was pending. */
  LINK_DOWN = 'LINK_DOWN',
  /** Asterisk answered the Login (or Challenge) with an error. */
  AUTH_FAILED = 'AUTH_FAILED',
  /** `Response: Error`; `amiMessage` holds Asterisk's `Message`. */
  ACTION_FAILED = 'ACTION_FAILED',
  /** The pending-action map or the write queue is full. */
  TOO_MANY_PENDING = 'TOO_MANY_PENDING',
  /** An event list grew past `maxListEvents`; the rest of it is discarded. */
  LIST_TOO_LONG = 'LIST_TOO_LONG',
  /** The client was stopped. */
  STOPPED = 'STOPPED',
}

export interface AmiErrorDetails {
  pbx: string;
  action?: string;
  actionId?: string;
  amiMessage?: string;
}

export class AmiError extends Error {
  readonly code: AmiErrorCode;
  readonly pbx: string;
  readonly action?: string;
  readonly actionId?: string;
  readonly amiMessage?: string;

  constructor(code: AmiErrorCode, message: string, details: AmiErrorDetails) {
    super(`[${details.pbx}] ${message}`);
    this.name = 'AmiError';
    this.code = code;
    this.pbx = details.pbx;
    this.action = details.action;
    this.actionId = details.actionId;
    this.amiMessage = details.amiMessage;
  }
}
