export { CallTracker, EVICTED_NOTE, VANISHED_NOTE } from './call-tracker.js';
export * from './call-tracker.types.js';
export {
  channelDevice,
  channelExtension,
  dialStringNumber,
  interfaceExtension,
  isExtensionNumber,
} from './channel-name.util.js';
