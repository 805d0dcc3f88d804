import type { PreviousCall } from '../../../client/operator-protocol.js';
import type { Principal } from '../../auth/principal.js';
import type { CommEventQueryDto } from '../../calls/comm-events/comm-event.dto.js';
import type { CommEventsService } from '../../calls/comm-events/comm-events.service.js';
import type { OperatorCommEvents } from './operator-ports.js';

/** The gateway reads the history as an admin would; what reaches an operator is its own decision. */
const GATEWAY: Principal = { kind: 'api-key', role: 'admin', keyId: 'operator-gateway' };
const POLL_MS = 100;

/**
 * The history port over the calls module's CommEventsService (interim: it has no lookup by
 * Linkedid yet, so a call's CommEvent is found among its number's newest ones).
 */
export class CommEventsOperatorAdapter implements OperatorCommEvents {
  constructor(private readonly service: CommEventsService) {}

  async idOf(
    call: { pbxId: string; linkedid: string; number: string | null },
    waitMs: number,
  ): Promise<string | null> {
    if (!call.number) return null;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const { items } = await this.service.list(GATEWAY, {
        number: call.number,
        limit: 10,
      } satisfies Partial<CommEventQueryDto> as CommEventQueryDto);
      const found = items.find((i) => i.pbxId === call.pbxId && i.linkedid === call.linkedid);
      if (found) return found.id;
      if (Date.now() + POLL_MS > deadline) return null;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async previousCalls(number: string, limit: number): Promise<PreviousCall[]> {
    const { items } = await this.service.list(GATEWAY, {
      number,
      limit: limit + 5,
    } satisfies Partial<CommEventQueryDto> as CommEventQueryDto);
    return items
      .filter((i) => i.status === 'complete' && i.outcome !== null)
      .slice(0, limit)
      .map((i) => ({
        commEventId: i.id,
        startedAt: i.startedAt,
        direction: i.direction,
        outcome: i.outcome!,
        agentName: i.agentName,
        talkSeconds: i.talkSeconds ?? 0,
      }));
  }
}
