import { Injectable, Logger } from '@nestjs/common';
import type { CallOffered, ContactCard, PreviousCall } from '../../client/operator-protocol.js';
import { AppConfig } from '../../config/app-config.js';
import type { AgentLeg, LiveCall } from '../calls/tracker/index.js';
import { ContactsService } from '../contacts/contacts.service.js';
import type { ContactMatch } from '../contacts/contacts.repository.js';
import { formatCallId } from './operator-call-id.js';
import { OperatorPorts } from './ports/operator-ports.service.js';
import { TtlCache } from './state/ttl-cache.js';

const MAX_CONTACTS = 10;
const MAX_PREVIOUS_CALLS = 5;
const MAX_CALLS_LOOKED_UP = 10_000;

/**
 * Fills a profile URL template: `{externalRef}`, `{contactId}`, `{number}` are replaced (URL-encoded).
 * Null when the template names a value the contact does not have.
 */
export function fillProfileUrl(
  template: string | undefined,
  values: { externalRef: string | null; contactId: string; number: string | null },
): string | null {
  if (!template) return null;
  let missing = false;
  const url = template.replace(/\{(externalRef|contactId|number)\}/g, (_, key: keyof typeof values) => {
    const v = values[key];
    if (v === null || v === '') missing = true;
    return encodeURIComponent(v ?? '');
  });
  return missing ? null : url;
}

/** The customer's number: the caller of an inbound or internal call, the dialled number of an outbound one. */
function remoteNumber(call: LiveCall): string | null {
  return call.direction === 'outbound' ? call.toNumber : call.fromNumber;
}

/**
 * What an operator's popup shows: the caller, every contact having that number (best first, with
 * its profile link), the queue, how long the caller has waited, and the number's previous calls.
 * A call offered to several agents at once is looked up once (short cache by number).
 */
@Injectable()
export class PopupService {
  private readonly logger = new Logger(PopupService.name);
  /** By number; see lookups() for when an answer is read again. */
  private readonly contactCache = new TtlCache<ContactMatch[]>({
    ttlMs: 5_000,
    staleMs: 60_000,
    maxEntries: 5_000,
  });
  private readonly historyCache = new TtlCache<PreviousCall[]>({
    ttlMs: 5_000,
    staleMs: 60_000,
    maxEntries: 5_000,
  });
  /** Calls that looked their number up already (oldest first out). */
  private readonly looked = new Set<string>();

  constructor(
    private readonly contacts: ContactsService,
    private readonly ports: OperatorPorts,
    private readonly config: AppConfig,
  ) {}

  /** Starts the lookups a popup of this call will need (at its first event, and at a queue). */
  prefetch(call: LiveCall): void {
    const number = remoteNumber(call);
    if (!number) return;
    this.lookups(call, number).catch(() => undefined);
  }

  async build(pbxId: string, call: LiveCall, leg: AgentLeg, extension: string): Promise<CallOffered> {
    const number = remoteNumber(call);
    const [matches, previousCalls] = number
      ? await this.lookups(call, number).catch((e: unknown) => {
          this.logger.warn(
            { err: e, pbx: pbxId, linkedid: call.linkedid },
            'Contact or history lookup failed: popup without them',
          );
          return [[], []] as [ContactMatch[], PreviousCall[]];
        })
      : [[], []];
    const waitingSince = call.queuedAt ?? call.startedAt;
    return {
      callId: formatCallId(pbxId, call.linkedid),
      pbxId,
      direction: call.direction,
      callerNumber: call.fromNumber,
      callerName: call.fromName,
      did: call.direction === 'inbound' ? call.toNumber : null,
      queue: leg.queue ?? call.queue,
      extension,
      offeredAt: leg.offeredAt.toISOString(),
      waitSeconds: Math.max(0, Math.floor((leg.offeredAt.getTime() - waitingSince.getTime()) / 1000)),
      waitingSince: waitingSince.toISOString(),
      contacts: matches.map((m) => this.card(m, number)),
      previousCalls,
    };
  }

  /**
   * A call's first lookup reads its number afresh (its last call may have ended a moment ago);
   * the call's later ones take that answer, at once even once it is a minute old.
   */
  private lookups(call: LiveCall, number: string): Promise<[ContactMatch[], PreviousCall[]]> {
    const key = `${call.pbx}\n${call.linkedid}`;
    const fresh = !this.looked.has(key);
    if (fresh) {
      if (this.looked.size >= MAX_CALLS_LOOKED_UP) this.looked.delete(this.looked.values().next().value!);
      this.looked.add(key);
    }
    return Promise.all([
      this.contactCache.get(number, () => this.contacts.lookup(number, { limit: MAX_CONTACTS }), fresh),
      this.historyCache.get(
        number,
        () => this.ports.commEvents.previousCalls(number, MAX_PREVIOUS_CALLS),
        fresh,
      ),
    ]);
  }

  private card(m: ContactMatch, number: string | null): ContactCard {
    return {
      contactId: m.contactId,
      displayName: m.displayName,
      company: m.company,
      kind: m.kind,
      profileUrl:
        m.profileUrl ??
        fillProfileUrl(this.config.operator.partyProfileUrl, {
          externalRef: m.externalRef,
          contactId: m.contactId,
          number,
        }),
      match: m.match,
      responsibleUserId: m.responsibleUserId,
    };
  }
}
