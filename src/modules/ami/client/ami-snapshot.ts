import type { AmiMessage } from '../../../protocol/ami/ami-message.js';
import type { AmiActionOptions, AmiClient } from './ami-client.js';

export interface AmiSnapshot {
  /** QueueParams, QueueMember and QueueEntry events of `QueueStatus`. */
  queueStatus: AmiMessage[];
  /** CoreShowChannel events of `CoreShowChannels`. */
  channels: AmiMessage[];
  /** ExtensionStatus events of `ExtensionStateList`. */
  extensionStates: AmiMessage[];
}

/**
 * The state a consumer (the call tracker) rebuilds from on every 'ready', before it trusts the
 * event stream again: what happened while the link was down is only visible here. The three
 * lists are requested together; Asterisk answers one action after the other on the session.
 * Rejects with the first AmiError (NOT_CONNECTED, TIMEOUT, LINK_DOWN, ...).
 */
export async function fetchSnapshot(client: AmiClient, opts: AmiActionOptions = {}): Promise<AmiSnapshot> {
  const [queueStatus, channels, extensionStates] = await Promise.all([
    client.action('QueueStatus', {}, opts),
    client.action('CoreShowChannels', {}, opts),
    client.action('ExtensionStateList', {}, opts),
  ]);
  return {
    queueStatus: queueStatus.events,
    channels: channels.events,
    extensionStates: extensionStates.events,
  };
}
