import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../config/app-config.js';
import { lookupKeys } from '../../contacts/contact-phone-keys.js';
import type { ContactMatcher } from './calls.ports.js';

/**
 * The contact matcher as one statement per batch. ContactsService.lookup answers one number per
 * query, which cost one round trip per distinct caller of every batch (the largest share of the
 * writer's queries under load); until ContactsService offers a batch lookup, this runs the same
 * match over contacts' tables: the keys come from contacts' own `lookupKeys` (DEFAULT_COUNTRY,
 * PHONE_MATCH_DIGITS) and the ranking is ContactsRepository's (same E.164, then the same digits,
 * then the same last digits; the most recently updated contact first). Move it into contacts then.
 */
@Injectable()
export class SqlContactMatcher implements ContactMatcher {
  constructor(
    private readonly ds: DataSource,
    private readonly config: AppConfig,
  ) {}

  async matchNumbers(numbers: readonly string[]): Promise<Map<string, string>> {
    const wanted: string[] = [];
    const e164: (string | null)[] = [];
    const digits: string[] = [];
    const reversed: string[] = [];
    const from: (string | null)[] = [];
    const to: (string | null)[] = [];
    for (const n of new Set(numbers)) {
      const k = lookupKeys(n, this.config.phone.defaultCountry, this.config.phone.matchDigits);
      if (!k) continue;
      wanted.push(n);
      e164.push(k.e164 ?? null);
      digits.push(k.digits);
      reversed.push(k.digitsReversed);
      from.push(k.suffixFrom ?? null);
      to.push(k.suffixTo ?? null);
    }
    const found = new Map<string, string>();
    if (wanted.length === 0) return found;
    const rows = (await this.ds.query(
      `SELECT DISTINCT ON (k.i) k.i, p.contact_id AS "contactId"
       FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[])
            WITH ORDINALITY AS k(e164, digits, reversed, suffix_from, suffix_to, i)
       JOIN contact_phones p ON p.e164 = k.e164
         OR (k.suffix_from IS NOT NULL AND p.digits_reversed >= k.suffix_from COLLATE "C"
             AND p.digits_reversed < k.suffix_to COLLATE "C")
         OR (k.suffix_from IS NULL AND p.digits_reversed = k.reversed COLLATE "C")
       JOIN contacts c ON c.id = p.contact_id
       ORDER BY k.i, CASE WHEN p.e164 = k.e164 THEN 0 WHEN p.digits = k.digits THEN 1 ELSE 2 END,
                c.updated_at DESC, c.id`,
      [e164, digits, reversed, from, to],
    )) as { i: string; contactId: string }[];
    for (const r of rows) found.set(wanted[Number(r.i) - 1], r.contactId);
    return found;
  }
}
