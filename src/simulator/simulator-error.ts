/** Why the PBX simulator refused to start or to load a recording. */
export enum SimulatorErrorCode {
  /** A recording or template file could not be read. */
  RECORDING_UNREADABLE = 'RECORDING_UNREADABLE',
  /** A recording's frames could not be matched one to one with the parser's messages. */
  RECORDING_MALFORMED = 'RECORDING_MALFORMED',
  /** The call templates for scripted traffic or Originate were not found. */
  TEMPLATE_MISSING = 'TEMPLATE_MISSING',
  /** An option is out of range or contradicts another one. */
  INVALID_OPTION = 'INVALID_OPTION',
  /** start() was called twice, or play() before start(). */
  INVALID_STATE = 'INVALID_STATE',
}

export class SimulatorError extends Error {
  override readonly name = 'SimulatorError';

  constructor(
    readonly code: SimulatorErrorCode,
    message: string,
  ) {
    super(message);
  }
}
