export type { AmiMessage, AmiMessageType } from './ami-message.js';
export { header, headerList } from './ami-message.js';
export { AmiParser } from './ami-parser.js';
export type { AmiParserOptions } from './ami-parser.js';
export { AmiProtocolError, AmiProtocolErrorCode } from './ami-protocol-error.js';
export { redactForLog, serializeAction } from './ami-serializer.js';
export type { AmiFieldValue, AmiFields } from './ami-serializer.js';
