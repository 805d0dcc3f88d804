import type { AmiFields } from '../../protocol/ami/ami-serializer.js';
import type { AmiActionResult } from '../ami/ami-gateway.service.js';
import type { CallTrackerSnapshot } from './tracker/index.js';

/** The one method of the AMI gateway a snapshot needs. */
export interface ActionSender {
  action(
    pbxId: string,
    name: string,
    fields?: AmiFields,
    opts?: { timeoutMs?: number },
  ): Promise<AmiActionResult>;
}

/**
 * The lists the call tracker rebuilds from after every (re)connect (as client/ami-snapshot.ts does
 * on a bare AmiClient), through the gateway's actions session: QueueStatus, CoreShowChannels,
 * ExtensionStateList, requested together. Rejects with the first AppError (PBX_UNAVAILABLE...).
 */
export async function fetchPbxSnapshot(
  gateway: ActionSender,
  pbxId: string,
  timeoutMs: number,
): Promise<Omit<CallTrackerSnapshot, 'since'>> {
  const opts = { timeoutMs };
  const [queueStatus, channels, extensionStates] = await Promise.all([
    gateway.action(pbxId, 'QueueStatus', {}, opts),
    gateway.action(pbxId, 'CoreShowChannels', {}, opts),
    gateway.action(pbxId, 'ExtensionStateList', {}, opts),
  ]);
  return {
    queueStatus: queueStatus.events,
    channels: channels.events,
    extensionStates: extensionStates.events,
  };
}
