import { setImmediate } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { AppError, ErrorCode, type ErrorDetail } from '../../common/errors/app-error.js';
import { AppConfig } from '../../config/app-config.js';
import { isUniqueViolation } from '../../database/postgres-errors.js';
import { UsersService } from '../users/users.service.js';
import { lookupKeys, storedPhoneKeys, type LookupKeys } from './contact-phone-keys.js';
import {
  BulkContactItemDto,
  type BulkItemErrorDto,
  type BulkItemResultDto,
  type BulkUpsertResultDto,
  type ContactPhoneDto,
  type CreateContactDto,
  type UpdateContactDto,
} from './contact.dto.js';
import {
  ContactsRepository,
  type ContactMatch,
  type ContactRecord,
  type ContactWrite,
  type StoredPhone,
  type UpsertedRow,
} from './contacts.repository.js';

/** Contacts written per transaction by the bulk upsert. */
const BULK_CHUNK = 1000;
/** Bulk items checked between two turns of the event loop. */
const YIELD_EVERY = 100;
/** Most distinct numbers in one bestMatches() call. */
export const MAX_BATCH_NUMBERS = 1000;
/** Most candidates a lookup returns. */
export const MAX_LOOKUP_CANDIDATES = 100;

/**
 * Contacts and finding them by phone number. Other modules use `lookup()` (the FastAGI routing,
 * the operators' popups) and `contactIdsByNumber()` (matching communication events to contacts,
 * bound to the calls module's contact-matcher port in contacts-ports.binding.ts).
 */
@Injectable()
export class ContactsService {
  private readonly logger = new Logger(ContactsService.name);

  constructor(
    private readonly repo: ContactsRepository,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  /** How `number` is looked up under DEFAULT_COUNTRY and PHONE_MATCH_DIGITS; undefined when it has no digit. */
  keysOf(number: string): LookupKeys | undefined {
    return lookupKeys(number, this.config.phone.defaultCountry, this.config.phone.matchDigits);
  }

  /**
   * Every contact having this number, best match first: the same E.164, then the same digits,
   * then the same last PHONE_MATCH_DIGITS digits (most recently updated first within each).
   * One indexed query; [] for a number without digits.
   */
  async lookup(number: string, options: { limit?: number } = {}): Promise<ContactMatch[]> {
    const keys = this.keysOf(number);
    if (!keys) return [];
    const limit = Math.min(Math.max(1, options.limit ?? 20), MAX_LOOKUP_CANDIDATES);
    return this.repo.lookup(keys, limit);
  }

  /**
   * The best contact of each number (the first candidate `lookup` would give), for matching many
   * numbers at once (communication events): one statement for the batch. Numbers without a match,
   * or without digits, are absent from the map. At most MAX_BATCH_NUMBERS distinct numbers.
   */
  async bestMatches(numbers: readonly string[]): Promise<Map<string, ContactMatch>> {
    const distinct = [...new Set(numbers)];
    if (distinct.length > MAX_BATCH_NUMBERS) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, `At most ${MAX_BATCH_NUMBERS} numbers per batch`);
    }
    const asked: string[] = [];
    const keys: LookupKeys[] = [];
    for (const n of distinct) {
      const k = this.keysOf(n);
      if (!k) continue;
      asked.push(n);
      keys.push(k);
    }
    const byIndex = await this.repo.bestMatches(keys);
    const out = new Map<string, ContactMatch>();
    for (const [i, m] of byIndex) out.set(asked[i], m);
    return out;
  }

  /**
   * The id of the best contact of each number (bestMatches' statement, in batches of
   * MAX_BATCH_NUMBERS distinct numbers, so any count is taken): what communication events are
   * matched with. Numbers without a match, or without digits, are absent.
   */
  async contactIdsByNumber(numbers: readonly string[]): Promise<Map<string, string>> {
    const distinct = [...new Set(numbers)];
    const out = new Map<string, string>();
    for (let i = 0; i < distinct.length; i += MAX_BATCH_NUMBERS) {
      for (const [n, m] of await this.bestMatches(distinct.slice(i, i + MAX_BATCH_NUMBERS)))
        out.set(n, m.contactId);
    }
    return out;
  }

  async get(id: string): Promise<ContactRecord> {
    const contact = await this.repo.findById(id);
    if (!contact) throw AppError.notFound('Contact', id);
    return contact;
  }

  list(query: { limit?: number; offset?: number; q?: string; number?: string }) {
    const keys = query.number !== undefined ? this.keysOf(query.number) : undefined;
    if (query.number !== undefined && !keys) return Promise.resolve({ items: [], total: 0 });
    return this.repo.list({ limit: query.limit ?? 50, offset: query.offset ?? 0, q: query.q, keys });
  }

  async create(dto: CreateContactDto): Promise<ContactRecord> {
    const write: ContactWrite = {
      displayName: dto.displayName,
      kind: dto.kind ?? 'person',
      company: dto.company ?? null,
      externalRef: dto.externalRef ?? null,
      profileUrl: dto.profileUrl ?? null,
      responsibleUserId: await this.responsibleUser(dto.responsibleUserId),
      phones: this.storedPhones(dto.phones ?? []),
    };
    const id = await this.writing(write.externalRef, () => this.repo.insert(write));
    return this.get(id);
  }

  async update(id: string, dto: UpdateContactDto): Promise<ContactRecord> {
    const patch: Partial<Record<keyof ContactWrite, unknown>> = {
      displayName: dto.displayName,
      kind: dto.kind,
      company: dto.company,
      externalRef: dto.externalRef,
      profileUrl: dto.profileUrl,
    };
    if (dto.responsibleUserId !== undefined)
      patch.responsibleUserId = await this.responsibleUser(dto.responsibleUserId);
    if (dto.phones) patch.phones = this.storedPhones(dto.phones);
    const found = await this.writing(dto.externalRef ?? null, () =>
      this.repo.update(id, patch as Partial<ContactWrite>),
    );
    if (!found) throw AppError.notFound('Contact', id);
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repo.delete(id))) throw AppError.notFound('Contact', id);
  }

  /**
   * Upserts contacts by externalRef (how a CRM keeps Switchboard in sync). Each item is checked on
   * its own; a bad item (invalid, unknown responsible user, externalRef repeated in the request)
   * is reported in `errors` and the others are written, in transactions of BULK_CHUNK contacts.
   * An item is a whole contact: what it omits is cleared, its numbers replace the stored ones.
   */
  async bulkUpsert(items: readonly unknown[]): Promise<BulkUpsertResultDto> {
    const errors: BulkItemErrorDto[] = [];
    const valid: { index: number; dto: BulkContactItemDto }[] = [];
    const seen = new Map<string, number>();
    for (let index = 0; index < items.length; index++) {
      // Checking 5,000 items costs about a second of CPU: let the FastAGI server and the rest
      // of the process run in between.
      if (index % YIELD_EVERY === YIELD_EVERY - 1) await setImmediate();
      const raw = items[index];
      const checked = validateItem(raw);
      if ('details' in checked) {
        errors.push({
          index,
          externalRef: externalRefOf(raw),
          code: ErrorCode.VALIDATION_FAILED,
          message: `Invalid contact: ${[...new Set(checked.details.map((d) => d.field))].join(', ')}`,
          details: checked.details,
        });
        continue;
      }
      const first = seen.get(checked.externalRef);
      if (first !== undefined) {
        errors.push({
          index,
          externalRef: checked.externalRef,
          code: ErrorCode.CONFLICT,
          message: `externalRef ${checked.externalRef} is already at index ${first} of this request`,
        });
        continue;
      }
      seen.set(checked.externalRef, index);
      valid.push({ index, dto: checked });
    }

    const users = await this.resolveUsers(valid.map((v) => v.dto.responsibleUserId));
    const writes: { index: number; write: ContactWrite & { externalRef: string } }[] = [];
    for (let i = 0; i < valid.length; i++) {
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await setImmediate(); // phone parsing is CPU too
      const { index, dto } = valid[i];
      const ref = dto.responsibleUserId;
      const userId = ref ? users.get(ref) : null;
      if (userId === undefined) {
        errors.push({
          index,
          externalRef: dto.externalRef,
          code: ErrorCode.VALIDATION_FAILED,
          message: `No user ${ref} (responsibleUserId is a user id or a user's externalRef)`,
          details: [{ field: 'responsibleUserId', message: 'no such user' }],
        });
        continue;
      }
      writes.push({
        index,
        write: {
          displayName: dto.displayName,
          kind: dto.kind ?? 'person',
          company: dto.company ?? null,
          externalRef: dto.externalRef,
          profileUrl: dto.profileUrl ?? null,
          responsibleUserId: userId,
          phones: this.storedPhones(dto.phones ?? []),
        },
      });
    }

    const results: BulkItemResultDto[] = [];
    for (let i = 0; i < writes.length; i += BULK_CHUNK) {
      const chunk = writes.slice(i, i + BULK_CHUNK);
      let rows: UpsertedRow[];
      try {
        rows = await this.repo.upsertChunk(chunk.map((c) => c.write));
      } catch (e) {
        this.logger.error({ err: e, contacts: chunk.length }, 'Bulk contact upsert: a chunk failed');
        for (const { index, write } of chunk) {
          errors.push({
            index,
            externalRef: write.externalRef,
            code: ErrorCode.UNAVAILABLE,
            message: 'This contact could not be written (nor the others of its chunk); retry it',
          });
        }
        continue;
      }
      const byRef = new Map(rows.map((r) => [r.externalRef, r]));
      for (const { index, write } of chunk) {
        const row = byRef.get(write.externalRef)!;
        results.push({
          index,
          externalRef: write.externalRef,
          id: row.id,
          status: row.inserted ? 'created' : 'updated',
        });
      }
    }
    results.sort((a, b) => a.index - b.index);
    errors.sort((a, b) => a.index - b.index);
    const created = results.filter((r) => r.status === 'created').length;
    return { created, updated: results.length - created, failed: errors.length, items: results, errors };
  }

  private storedPhones(phones: readonly ContactPhoneDto[]): StoredPhone[] {
    return phones.map((p) => ({
      number: p.number,
      type: p.type ?? null,
      ...storedPhoneKeys(p.number, this.config.phone.defaultCountry),
    }));
  }

  /** Our user id for a user id or a user's externalRef; null clears; unknown is a 400. */
  private async responsibleUser(ref: string | null | undefined): Promise<string | null> {
    if (ref === undefined || ref === null) return null;
    const user = await this.users.findByIdOrExternalRef(ref);
    if (!user) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, `No user ${ref}`, [
        { field: 'responsibleUserId', message: 'no user with this id or externalRef' },
      ]);
    }
    return user.id;
  }

  /** Each distinct reference resolved once (a CRM sync names few distinct users). */
  private async resolveUsers(refs: readonly (string | null | undefined)[]): Promise<Map<string, string>> {
    const distinct = [...new Set(refs.filter((r): r is string => !!r))];
    const out = new Map<string, string>();
    for (let i = 0; i < distinct.length; i += 16) {
      await Promise.all(
        distinct.slice(i, i + 16).map(async (ref) => {
          const user = await this.users.findByIdOrExternalRef(ref);
          if (user) out.set(ref, user.id);
        }),
      );
    }
    return out;
  }

  private async writing<T>(externalRef: string | null, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (e) {
      if (isUniqueViolation(e))
        throw AppError.conflict(`A contact with externalRef ${externalRef} already exists`);
      throw e;
    }
  }
}

function validateItem(raw: unknown): BulkContactItemDto | { details: ErrorDetail[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { details: [{ message: 'each contact must be an object' }] };
  }
  const dto = plainToInstance(BulkContactItemDto, raw);
  const errors = validateSync(dto, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  return errors.length > 0 ? { details: flatten(errors) } : dto;
}

function flatten(errors: ValidationError[], prefix = ''): ErrorDetail[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

function externalRefOf(raw: unknown): string | null {
  const ref = (raw as { externalRef?: unknown } | null)?.externalRef;
  return typeof ref === 'string' ? ref.slice(0, 128) : null;
}
