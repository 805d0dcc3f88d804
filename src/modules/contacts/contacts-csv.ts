/**
 * The CSV layout `npm run contacts:import` reads: one contact per row, a header row naming the
 * columns (any case; `_`, `-` and spaces ignored):
 *
 *   externalRef (required), displayName or name (required), kind, company, profileUrl,
 *   responsibleUser (a user id or a user's externalRef; also responsibleUserId),
 *   phone / phones (several numbers separated by `;`), phone:<type> (e.g. `phone:mobile`).
 *
 * Empty cells are left out (the bulk upsert then clears those fields). Unknown columns are an
 * error, so that a typo does not silently drop data.
 */
export interface ContactCsvColumns {
  readonly fields: readonly { readonly index: number; readonly field: string }[];
  readonly phones: readonly { readonly index: number; readonly type?: string }[];
}

const FIELDS: Record<string, string> = {
  externalref: 'externalRef',
  displayname: 'displayName',
  name: 'displayName',
  kind: 'kind',
  company: 'company',
  profileurl: 'profileUrl',
  responsibleuser: 'responsibleUserId',
  responsibleuserid: 'responsibleUserId',
};

export function contactCsvColumns(header: readonly string[]): ContactCsvColumns {
  const fields: { index: number; field: string }[] = [];
  const phones: { index: number; type?: string }[] = [];
  const unknown: string[] = [];
  header.forEach((raw, index) => {
    const key = raw
      .trim()
      .toLowerCase()
      .replace(/[\s_-]/g, '');
    const phone = /^phones?(?::(.+))?$/.exec(key);
    if (phone) {
      const type = raw.slice(raw.indexOf(':') + 1).trim();
      phones.push(phone[1] ? { index, type } : { index });
    } else if (FIELDS[key]) {
      if (fields.some((f) => f.field === FIELDS[key])) throw new Error(`column ${raw} appears twice`);
      fields.push({ index, field: FIELDS[key] });
    } else if (key !== '') {
      unknown.push(raw);
    }
  });
  if (unknown.length > 0) {
    throw new Error(
      `unknown columns: ${unknown.join(', ')} (known: externalRef, displayName, kind, company, profileUrl, responsibleUser, phone, phone:<type>)`,
    );
  }
  for (const required of ['externalRef', 'displayName']) {
    if (!fields.some((f) => f.field === required)) throw new Error(`the header has no ${required} column`);
  }
  return { fields, phones };
}

/** One row as an item of `PUT /api/v1/contacts/bulk` (validated there). */
export function contactFromCsvRow(
  columns: ContactCsvColumns,
  row: readonly string[],
): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const { index, field } of columns.fields) {
    const value = (row[index] ?? '').trim();
    if (value !== '') item[field] = value;
  }
  const phones: { number: string; type?: string }[] = [];
  for (const { index, type } of columns.phones) {
    for (const number of (row[index] ?? '').split(';')) {
      if (number.trim() !== '')
        phones.push(type ? { number: number.trim(), type } : { number: number.trim() });
    }
  }
  if (phones.length > 0) item.phones = phones;
  return item;
}
