import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../../../common/errors/app-error.js';
import { normalizePhone } from '../../../common/phone/phone-normalizer.js';
import { AppConfig } from '../../../config/app-config.js';
import type { Principal } from '../../auth/principal.js';
import { CallsPorts } from '../ports/calls-ports.js';
import { type RecordingFile, RecordingStore } from '../recordings/recording-store.js';
import { decodeCursor, encodeCursor } from './comm-event-cursor.js';
import {
  CommEventDetailDto,
  CommEventDto,
  type CommEventPageDto,
  type CommEventQueryDto,
} from './comm-event.dto.js';
import {
  type CommEventFilter,
  type CommEventRecord,
  type CommEventScope,
  CommEventsRepository,
  type PreviousCallRow,
} from './comm-events.repository.js';

const DEFAULT_LIMIT = 50;

/**
 * Reading CommEvents. Who sees what: admins and API keys everything; a supervisor the calls of the
 * groups they supervise (their queues, or answered by their members) and their own; an operator
 * only the calls they took (the agent user is them).
 */
@Injectable()
export class CommEventsService {
  constructor(
    private readonly repo: CommEventsRepository,
    private readonly recordings: RecordingStore,
    private readonly ports: CallsPorts,
    private readonly config: AppConfig,
  ) {}

  async list(p: Principal, q: CommEventQueryDto): Promise<CommEventPageDto> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const filter: CommEventFilter = {
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      direction: q.direction,
      outcome: q.outcome,
      userId: q.userId,
      contactId: q.contactId,
      queue: q.queue,
      after: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit: limit + 1,
    };
    if (q.number !== undefined) {
      const n = this.number(q.number);
      if ('e164' in n) filter.numberE164 = n.e164;
      else filter.numberRaw = n.raw;
    }
    const rows = await this.repo.list(filter, await this.scope(p));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => CommEventDto.from(r)),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }

  /**
   * The last completed calls with a number (as the caller or the one called), newest first, for
   * other modules (no scoping: an operator's popup shows them for the call offered to them).
   */
  async previousCalls(number: string, limit: number): Promise<PreviousCallRow[]> {
    return this.repo.previousCalls(this.number(number), limit);
  }

  /** A number as the rows hold it: E.164 when it parses, else as written. */
  private number(text: string): { e164: string } | { raw: string } {
    const n = normalizePhone(text.trim(), this.config.phone.defaultCountry);
    return n.e164 ? { e164: n.e164 } : { raw: text.trim() };
  }

  /**
   * The CommEvent of a call by its Asterisk key, for other modules (no scoping: they decide what
   * reaches whom). Undefined until the writer has saved it; 'comm-event.saved' on the bus says when.
   */
  async findByLinkedid(pbxId: string, linkedid: string): Promise<CommEventDetailDto | undefined> {
    const id = await this.repo.idOf(pbxId, linkedid);
    const r = id === undefined ? undefined : await this.repo.get(id);
    return r && CommEventDetailDto.detail(r);
  }

  async get(p: Principal, id: string): Promise<CommEventDetailDto> {
    return CommEventDetailDto.detail(await this.visible(p, id));
  }

  /** The recording of a call the caller may see; FORBIDDEN for a path outside RECORDINGS_DIR. */
  async recording(p: Principal, id: string): Promise<RecordingFile & { fileName: string }> {
    const r = await this.visible(p, id);
    if (!r.recordingPath) throw new AppError(ErrorCode.NOT_FOUND, `CommEvent ${id} has no recording`);
    const file = await this.recordings.find(r.recordingPath);
    return { ...file, fileName: r.recordingPath.split('/').pop() || `${r.linkedid}.wav` };
  }

  private async visible(p: Principal, id: string): Promise<CommEventRecord> {
    const r = await this.repo.get(id);
    if (!r) throw AppError.notFound('CommEvent', id);
    const scope = await this.scope(p);
    if (scope && !inScope(r, scope)) {
      throw new AppError(
        ErrorCode.FORBIDDEN,
        `CommEvent ${id} is not one of your calls or your groups' calls`,
      );
    }
    return r;
  }

  /** undefined: everything. */
  private async scope(p: Principal): Promise<CommEventScope | undefined> {
    if (p.kind === 'api-key' || p.role === 'admin') return undefined;
    if (p.role === 'supervisor' && this.ports.supervision) {
      const s = await this.ports.supervision.groupsSupervisedBy(p.userId);
      return { userIds: [...new Set([p.userId, ...s.userIds])], queues: s.queues };
    }
    return { userIds: [p.userId], queues: [] };
  }
}

function inScope(r: CommEventRecord, s: CommEventScope): boolean {
  if (r.agentUserId !== null && s.userIds.includes(r.agentUserId)) return true;
  return r.queue !== null && s.queues.some((q) => q.pbxId === r.pbxId && q.queue === r.queue);
}
