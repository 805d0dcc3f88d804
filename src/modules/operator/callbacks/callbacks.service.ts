import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppError, ErrorCode } from '../../../common/errors/app-error.js';
import { AppConfig } from '../../../config/app-config.js';
import type { Principal } from '../../auth/principal.js';
import type { CallRecord } from '../../calls/tracker/index.js';
import { ContactsService } from '../../contacts/contacts.service.js';
import { formatCallId } from '../operator-call-id.js';
import { OperatorPorts } from '../ports/operator-ports.service.js';
import type { Callback } from './callback.entity.js';
import { CallbackResponseDto, type CallbackPageDto, type CallbackQueryDto } from './callback.dto.js';
import { CallbacksRepository } from './callbacks.repository.js';

/** How long the numbers of answered calls gather before one statement closes their tasks. */
const CLOSE_WINDOW_MS = 50;
const CLOSE_BATCH_MAX = 500;

interface PendingClose {
  match: string;
  by: string;
  resolve(rows: CallbackResponseDto[]): void;
  reject(e: unknown): void;
}

/** Inbound outcomes that leave a customer waiting for a call back. */
const MISSED_OUTCOMES = new Set(['abandoned', 'missed', 'no_answer']);

/**
 * Call-back tasks: a missed or abandoned call from a known contact becomes a task for the contact's
 * responsible user, else for the group of the queue the caller waited in; any later answered call
 * with that number (called back, or the customer got through) closes it.
 */
@Injectable()
export class CallbacksService implements OnApplicationShutdown {
  private readonly logger = new Logger(CallbacksService.name);
  private readonly pendingCloses: PendingClose[] = [];
  private closeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repo: CallbacksRepository,
    private readonly contacts: ContactsService,
    private readonly ports: OperatorPorts,
    private readonly config: AppConfig,
  ) {}

  /** The last PHONE_MATCH_DIGITS digits, how two spellings of a number are recognised; null without digits. */
  matchDigits(number: string | null): string | null {
    if (!number) return null;
    const digits = this.contacts.keysOf(number)?.digits;
    return digits && digits.length >= 3 ? digits.slice(-this.config.phone.matchDigits) : null;
  }

  /** The task for a call that just ended, when it was a missed call from a known contact; null otherwise. */
  async fromEndedCall(pbxId: string, record: CallRecord): Promise<CallbackResponseDto | null> {
    if (record.direction !== 'inbound' || !MISSED_OUTCOMES.has(record.outcome)) return null;
    const number = record.fromNumber;
    const match = this.matchDigits(number);
    if (!number || !match) return null;
    const [contact] = await this.contacts.lookup(number, { limit: 1 });
    if (!contact) return null;
    let groupId: string | null = null;
    if (!contact.responsibleUserId && record.queue) {
      groupId = (await this.ports.directory.groupOfQueue(pbxId, record.queue))?.groupId ?? null;
    }
    if (!contact.responsibleUserId && !groupId) {
      this.logger.debug(
        { pbx: pbxId, linkedid: record.linkedid },
        'Missed call of a contact nobody is responsible for',
      );
      return null;
    }
    const row = await this.repo.insertOnce({
      number: number.slice(0, 64),
      matchDigits: match,
      contactId: contact.contactId,
      contactName: contact.displayName.slice(0, 200),
      assigneeUserId: contact.responsibleUserId,
      groupId,
      reason: record.outcome === 'abandoned' ? 'abandoned' : 'missed',
      pbxId,
      linkedid: record.linkedid,
    });
    return row ? CallbackResponseDto.from(row) : null;
  }

  /**
   * Closes the open tasks of a number someone just talked with; answers them. Every answered call
   * asks, so the numbers of CLOSE_WINDOW_MS go to the database in one statement.
   */
  closeCalledBack(number: string | null, pbxId: string, linkedid: string): Promise<CallbackResponseDto[]> {
    const match = this.matchDigits(number);
    if (!match) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pendingCloses.push({ match, by: formatCallId(pbxId, linkedid), resolve, reject });
      if (this.pendingCloses.length >= CLOSE_BATCH_MAX) this.flushCloses();
      else this.closeTimer ??= setTimeout(() => this.flushCloses(), CLOSE_WINDOW_MS).unref();
    });
  }

  onApplicationShutdown(): void {
    this.flushCloses();
  }

  private flushCloses(): void {
    clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
    const batch = this.pendingCloses.splice(0);
    if (batch.length === 0) return;
    const items = batch.map((b) => ({ matchDigits: b.match, by: b.by }));
    this.repo.closeByNumbers(items, 'called-back', new Date()).then(
      (rows) => {
        const closed = new Map<string, CallbackResponseDto[]>();
        for (const r of rows)
          closed.set(r.matchDigits, [...(closed.get(r.matchDigits) ?? []), CallbackResponseDto.from(r)]);
        // the first call of a number closed its tasks; a second one in the same batch closed none
        for (const b of batch) {
          b.resolve(closed.get(b.match) ?? []);
          closed.delete(b.match);
        }
      },
      (e: unknown) => {
        for (const b of batch) b.reject(e);
      },
    );
  }

  async list(p: Principal, q: CallbackQueryDto): Promise<CallbackPageDto> {
    const [rows, total] = await this.repo.list(await this.scope(p), q.status, q.limit ?? 50, q.offset ?? 0);
    return { items: rows.map(CallbackResponseDto.from), total };
  }

  /** Marks a task done by hand (its owner, or a member of its group). */
  async close(p: Principal, id: string): Promise<CallbackResponseDto> {
    const row = await this.repo.findById(id);
    if (!row || !(await this.visible(p, row))) throw AppError.notFound('Call-back task', id);
    if (row.status === 'closed') return CallbackResponseDto.from(row);
    const by = p.kind === 'user' ? p.userId : `api-key:${p.keyId}`;
    const closed = await this.repo.close(id, 'done', by, new Date());
    return CallbackResponseDto.from(closed ?? (await this.repo.findById(id))!);
  }

  /** Users see their own tasks and their groups' unassigned ones; admin and service keys see all. */
  private async scope(p: Principal): Promise<{ userId: string; groupIds: string[] } | undefined> {
    if (p.kind === 'api-key' || p.role === 'admin') return undefined;
    const groups = await this.ports.directory.groupsOfUser(p.userId).catch((e: unknown) => {
      if (e instanceof AppError && e.code === ErrorCode.UNAVAILABLE) return [];
      throw e;
    });
    return { userId: p.userId, groupIds: groups.map((g) => g.groupId) };
  }

  private async visible(p: Principal, row: Callback): Promise<boolean> {
    const scope = await this.scope(p);
    if (!scope) return true;
    return (
      row.assigneeUserId === scope.userId ||
      (row.assigneeUserId === null && row.groupId !== null && scope.groupIds.includes(row.groupId))
    );
  }
}
