import { Injectable } from '@nestjs/common';
import { ContactsService } from '../../contacts/contacts.service.js';
import type { ContactMatcher } from './calls.ports.js';

/** At most this many lookups at once, so that one batch does not take the whole pool. */
const CONCURRENCY = 4;

/**
 * The contact matcher over ContactsService.lookup (best candidate per number). ContactsService
 * has no batch lookup yet, so this runs one indexed query per distinct number of the batch; a
 * `lookupMany` there would make it one query per batch.
 */
@Injectable()
export class ContactsContactMatcher implements ContactMatcher {
  constructor(private readonly contacts: ContactsService) {}

  async matchNumbers(numbers: readonly string[]): Promise<Map<string, string>> {
    const distinct = [...new Set(numbers)];
    const found = new Map<string, string>();
    for (let i = 0; i < distinct.length; i += CONCURRENCY) {
      await Promise.all(
        distinct.slice(i, i + CONCURRENCY).map(async (n) => {
          const [best] = await this.contacts.lookup(n, { limit: 1 });
          if (best) found.set(n, best.contactId);
        }),
      );
    }
    return found;
  }
}
