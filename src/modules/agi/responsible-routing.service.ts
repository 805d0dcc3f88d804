import { Inject, Injectable } from '@nestjs/common';
import { ContactsService } from '../contacts/contacts.service.js';
import { ROUTING_DIRECTORY, type RoutingDirectory } from './routing-directory.port.js';
import { TtlCache } from './ttl-cache.js';

/** Why a call was or was not routed to a person; the `outcome` label of the AGI metrics. */
export type RoutingReason = 'routed' | 'unknown-caller' | 'no-responsible' | 'agent-unavailable';

export interface RoutingDecision {
  readonly reason: RoutingReason;
  /** The extension to dial, or null: the dialplan falls through to its queue. */
  readonly exten: string | null;
  readonly dialInterface: string | null;
  /** The contact routed for, else the best candidate, else null. */
  readonly contact: { readonly id: string; readonly displayName: string } | null;
  /** The queue of the group that answers the dialled DID, when there is one. */
  readonly queue: string | null;
}

export interface RoutingQuestion {
  /** The caller's number (any format). */
  readonly number?: string;
  /** The dialled number (DID). */
  readonly did?: string;
  readonly pbxId?: string;
}

/** Most distinct responsible users tried for one caller (a number shared by several contacts). */
const MAX_OWNERS_TRIED = 3;
/**
 * The group of a DID is asked on every call and changes rarely: kept this long (a DID moved to
 * another group is routed to its new queue within 10 s). Agent availability is never cached.
 */
const DID_QUEUE_TTL_MS = 10_000;

/**
 * "Who owns this caller?": caller number -> contacts (best match first) -> their responsible
 * user -> that user's available phone on this PBX. Shared by the FastAGI `responsible` route and
 * `GET /api/v1/agi/responsible`.
 */
@Injectable()
export class ResponsibleRouting {
  private readonly didQueues = new TtlCache<string, string | undefined>(DID_QUEUE_TTL_MS, 1000);

  constructor(
    private readonly contacts: ContactsService,
    @Inject(ROUTING_DIRECTORY) private readonly directory: RoutingDirectory,
  ) {}

  async decide(q: RoutingQuestion, signal?: AbortSignal): Promise<RoutingDecision> {
    const [matches, queue] = await Promise.all([
      q.number ? this.contacts.lookup(q.number, { limit: 10 }) : Promise.resolve([]),
      q.did ? this.queueForDid(q.did, q.pbxId) : Promise.resolve(undefined),
    ]);
    const base = { exten: null, dialInterface: null, queue: queue ?? null };
    if (matches.length === 0) return { ...base, reason: 'unknown-caller', contact: null };
    const best = { id: matches[0].contactId, displayName: matches[0].displayName };

    const owners: { userId: string; contact: { id: string; displayName: string } }[] = [];
    for (const m of matches) {
      if (!m.responsibleUserId || owners.some((o) => o.userId === m.responsibleUserId)) continue;
      owners.push({ userId: m.responsibleUserId, contact: { id: m.contactId, displayName: m.displayName } });
      if (owners.length === MAX_OWNERS_TRIED) break;
    }
    if (owners.length === 0) return { ...base, reason: 'no-responsible', contact: best };
    for (const owner of owners) {
      if (signal?.aborted) break; // past the deadline: nobody reads the answer
      const peer = await this.directory.availablePeerForUser(owner.userId, q.pbxId);
      if (peer) {
        return {
          reason: 'routed',
          exten: peer.extension,
          dialInterface: peer.dialInterface,
          contact: owner.contact,
          queue: queue ?? null,
        };
      }
    }
    return { ...base, reason: 'agent-unavailable', contact: best };
  }

  private async queueForDid(did: string, pbxId: string | undefined): Promise<string | undefined> {
    const key = `${pbxId ?? ''}|${did}`;
    const cached = this.didQueues.get(key);
    if (cached) return cached.value;
    const queue = await this.directory.queueForDid(did, pbxId);
    this.didQueues.set(key, queue);
    return queue;
  }
}
