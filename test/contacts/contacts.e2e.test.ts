import { randomUUID } from 'node:crypto';
import { ContactsService } from '../../src/modules/contacts/contacts.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Contact {
  id: string;
  displayName: string;
  kind: string;
  company: string | null;
  externalRef: string | null;
  profileUrl: string | null;
  responsibleUserId: string | null;
  phones: { number: string; type: string | null; e164: string | null }[];
}
interface Candidate {
  match: string;
  contactId: string;
  displayName: string;
  phone: { number: string };
}
interface ErrorBody {
  error: { code: string; message: string; details?: { field?: string; message: string }[] };
}

describe('contacts REST (real Postgres)', () => {
  let app: TestApp;
  let agentId: string;
  let operatorToken: string;

  const post = (json: unknown) => app.api('/api/v1/contacts', { method: 'POST', json });
  const create = async (json: Record<string, unknown>): Promise<Contact> => {
    const res = await post(json);
    expect(res.status).toBe(201);
    return (await res.json()) as Contact;
  };
  const lookup = async (number: string): Promise<Candidate[]> => {
    const res = await app.api(`/api/v1/contacts/lookup?number=${encodeURIComponent(number)}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { candidates: Candidate[] }).candidates;
  };

  beforeAll(async () => {
    app = await startTestApp();
    const agent = await app.api('/api/v1/users', {
      method: 'POST',
      json: { externalRef: 'crm-agent-7', displayName: 'Alice Agent', role: 'operator' },
    });
    agentId = ((await agent.json()) as { id: string }).id;
    const tok = await app.api('/api/v1/auth/token', { method: 'POST', json: { userId: agentId } });
    operatorToken = ((await tok.json()) as { token: string }).token;
  });
  afterAll(() => app?.stop());

  it('creates a contact with normalised numbers and reads it back', async () => {
    const created = await create({
      displayName: 'Ivan Petrov',
      company: 'ACME',
      externalRef: 'crm-c-1',
      profileUrl: 'https://crm.example.com/contacts/1',
      responsibleUserId: 'crm-agent-7', // the user's externalRef works too
      phones: [{ number: '8 (916) 123-45-67', type: 'mobile' }, { number: 'доб. 1001' }],
    });
    expect(created).toMatchObject({
      displayName: 'Ivan Petrov',
      kind: 'person',
      responsibleUserId: agentId,
      phones: [
        { number: '8 (916) 123-45-67', type: 'mobile', e164: '+79161234567' },
        { number: 'доб. 1001', type: null, e164: null },
      ],
    });
    const res = await app.api(`/api/v1/contacts/${created.id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(created);
  });

  it.each([
    [{}, 'displayName'],
    [{ displayName: '' }, 'displayName'],
    [{ displayName: 'X', kind: 'alien' }, 'kind'],
    [{ displayName: 'X', phones: [{ number: 'no digits' }] }, 'phones.0.number'],
    [{ displayName: 'X', phones: [{ type: 'mobile' }] }, 'phones.0.number'],
    [{ displayName: 'X', profileUrl: 'javascript:alert(1)' }, 'profileUrl'],
    [{ displayName: 'X', colour: 'red' }, 'colour'],
    [{ displayName: 'X', phones: 'not a list' }, 'phones'],
    [{ displayName: 'X', responsibleUserId: 'nobody-by-that-ref' }, 'responsibleUserId'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const err = (await res.json()) as ErrorBody;
    expect(err.error.code).toBe('VALIDATION_FAILED');
    expect(err.error.details?.map((d) => d.field)).toContain(field);
  });

  it('answers 404 for a contact that does not exist and 400 for an id that is not one', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await app.api(`/api/v1/contacts/${randomUUID()}`, {
        method,
        json: method === 'PATCH' ? { company: 'X' } : undefined,
      });
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error.code).toBe('NOT_FOUND');
    }
    expect((await app.api('/api/v1/contacts/not-a-uuid')).status).toBe(400);
  });

  it('answers 409 for a duplicate externalRef, on create and on update', async () => {
    await create({ displayName: 'First', externalRef: 'dup-1' });
    const again = await post({ displayName: 'Second', externalRef: 'dup-1' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as ErrorBody).error.code).toBe('CONFLICT');
    const other = await create({ displayName: 'Other', externalRef: 'dup-2' });
    const patch = await app.api(`/api/v1/contacts/${other.id}`, {
      method: 'PATCH',
      json: { externalRef: 'dup-1' },
    });
    expect(patch.status).toBe(409);
  });

  it('patches fields, clears them with null, replaces the numbers, and deletes', async () => {
    const c = await create({
      displayName: 'Olga',
      company: 'Old Co',
      phones: [{ number: '+7 903 555-00-01' }],
    });
    const res = await app.api(`/api/v1/contacts/${c.id}`, {
      method: 'PATCH',
      json: { company: null, kind: 'lead', phones: [{ number: '8 903 555-00-02', type: 'work' }] },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      displayName: 'Olga',
      company: null,
      kind: 'lead',
      phones: [{ number: '8 903 555-00-02', type: 'work', e164: '+79035550002' }],
    });
    expect(await lookup('+79035550001')).toEqual([]);
    expect((await lookup('+79035550002')).map((x) => x.contactId)).toEqual([c.id]);
    const nulled = await app.api(`/api/v1/contacts/${c.id}`, {
      method: 'PATCH',
      json: { displayName: null },
    });
    expect(nulled.status).toBe(400);

    expect((await app.api(`/api/v1/contacts/${c.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await app.api(`/api/v1/contacts/${c.id}`)).status).toBe(404);
    expect(await lookup('+79035550002')).toEqual([]);
  });

  it('finds every candidate, the same E.164 before the same last 10 digits, whatever the format asked', async () => {
    const suffixOnly = await create({
      displayName: 'Munich office',
      phones: [{ number: '+49 89 031112233' }],
    });
    const exactOld = await create({ displayName: 'Olga Smirnova', phones: [{ number: '89031112233' }] });
    const exactNew = await create({
      displayName: 'Smirnov & Co',
      kind: 'organization',
      phones: [{ number: '+7 (495) 000-00-00' }, { number: '+7 903 111-22-33', type: 'reception' }],
    });
    await create({ displayName: 'Someone else', phones: [{ number: '+7 903 111-22-34' }] });

    for (const asked of ['89031112233', '+7 903 111-22-33', '9031112233', '8 (903) 111 22 33']) {
      const found = await lookup(asked);
      expect(found.map((c) => [c.displayName, c.match])).toEqual([
        ['Smirnov & Co', 'e164'], // most recently updated first among equals
        ['Olga Smirnova', 'e164'],
        ['Munich office', 'suffix'],
      ]);
      expect(found[0]).toMatchObject({ contactId: exactNew.id, phone: { number: '+7 903 111-22-33' } });
      expect(found[1].contactId).toBe(exactOld.id);
      expect(found[2].contactId).toBe(suffixOnly.id);
    }
    const body = (await (await app.api('/api/v1/contacts/lookup?number=89031112233')).json()) as {
      e164: string;
    };
    expect(body.e164).toBe('+79031112233');
    expect(await lookup('anonymous1')).toEqual([]); // one digit: matches on all its digits only
    expect((await app.api('/api/v1/contacts/lookup?number=anonymous')).status).toBe(400);
  });

  it('gives other modules the best contact of many numbers in one call', async () => {
    const best = await app.app
      .get(ContactsService)
      .bestMatches(['89031112233', '+7 903 111-22-33', '+79990000000', 'anonymous', '+49 89 031112233']);
    expect([...best.keys()].sort()).toEqual(['+49 89 031112233', '+7 903 111-22-33', '89031112233']);
    expect(best.get('89031112233')).toMatchObject({ displayName: 'Smirnov & Co', match: 'e164' }); // same order as lookup
    expect(best.get('+49 89 031112233')).toMatchObject({ displayName: 'Munich office', match: 'e164' });
  });

  it("binds the calls module's contact matcher: the best contact id of any number of numbers", async () => {
    const contacts = app.app.get(ContactsService);
    const best = await contacts.bestMatches(['89031112233', '+49 89 031112233']);
    // more than one statement's worth (MAX_BATCH_NUMBERS): the known ones sit in different chunks
    const unknown = Array.from({ length: 1_200 }, (_, i) => `+7 999 ${String(i).padStart(7, '0')}`);
    const numbers = ['89031112233', ...unknown, '+49 89 031112233', 'anonymous', '89031112233'];
    const expected = new Map([
      ['89031112233', best.get('89031112233')!.contactId],
      ['+49 89 031112233', best.get('+49 89 031112233')!.contactId],
    ]);
    expect(await contacts.contactIdsByNumber(numbers)).toEqual(expected);
    const matcher = app.app.get<
      symbol,
      { matchNumbers(numbers: readonly string[]): Promise<Map<string, string>> }
    >(Symbol.for('switchboard.calls.contact-matcher'), { strict: false });
    expect(await matcher.matchNumbers(numbers)).toEqual(expected);
    expect(await matcher.matchNumbers([])).toEqual(new Map());
  });

  it('matches an extension on all its digits, never as a suffix', async () => {
    const ext = await create({ displayName: 'Reception desk', phones: [{ number: '2233' }] });
    expect((await lookup('2233')).map((c) => c.contactId)).toEqual([ext.id]);
    expect((await lookup('+79031112233')).map((c) => c.contactId)).not.toContain(ext.id);
  });

  it('lists contacts by name with paging and filters by q and number', async () => {
    const page = await app.api('/api/v1/contacts?limit=2&offset=0');
    const body = (await page.json()) as { items: Contact[]; total: number };
    expect(body.items).toHaveLength(2);
    expect(body.total).toBeGreaterThan(5);
    const names = body.items.map((c) => c.displayName);
    expect([...names].sort()).toEqual(names);

    const byQ = (await (await app.api('/api/v1/contacts?q=smirn')).json()) as {
      items: Contact[];
      total: number;
    };
    expect(byQ.items.map((c) => c.displayName).sort()).toEqual(['Olga Smirnova', 'Smirnov & Co']);
    const literal = (await (await app.api('/api/v1/contacts?q=%25')).json()) as { total: number };
    expect(literal.total).toBe(0); // % is a character, not a wildcard

    const byNumber = (await (await app.api('/api/v1/contacts?number=%2B79031112233')).json()) as {
      items: Contact[];
      total: number;
    };
    expect(byNumber.total).toBe(3);
    expect(byNumber.items.find((c) => c.displayName === 'Smirnov & Co')?.phones).toHaveLength(2);
  });

  it('lets operators read and look up, not write; admins and service keys write', async () => {
    const auth = { authorization: `Bearer ${operatorToken}` };
    expect((await app.api('/api/v1/contacts/lookup?number=89031112233', { headers: auth })).status).toBe(200);
    expect((await app.api('/api/v1/contacts', { headers: auth })).status).toBe(200);
    expect(
      (await app.api('/api/v1/contacts', { method: 'POST', headers: auth, json: { displayName: 'X' } }))
        .status,
    ).toBe(403);
    expect(
      (await app.api('/api/v1/contacts/bulk', { method: 'PUT', headers: auth, json: { contacts: [{}] } }))
        .status,
    ).toBe(403);

    const key = await app.api('/api/v1/api-keys', { method: 'POST', json: { name: 'crm', role: 'service' } });
    const service = { 'x-api-key': ((await key.json()) as { key: string }).key };
    expect(
      (
        await app.api('/api/v1/contacts', {
          method: 'POST',
          headers: service,
          json: { displayName: 'By the CRM' },
        })
      ).status,
    ).toBe(201);
  });

  describe('PUT /contacts/bulk', () => {
    const bulk = (contacts: unknown[]) =>
      app.api('/api/v1/contacts/bulk', { method: 'PUT', json: { contacts } });

    it('upserts by externalRef, reporting bad items without failing the others', async () => {
      const res = await bulk([
        { externalRef: 'b-1', displayName: 'Bulk One', phones: [{ number: '+7 916 000-00-01' }] },
        { externalRef: 'b-2', displayName: '' }, // invalid
        { externalRef: 'b-3', displayName: 'Bulk Three', responsibleUserId: agentId },
        { externalRef: 'b-1', displayName: 'Bulk One again' }, // repeated in the request
        { externalRef: 'b-4', displayName: 'Bulk Four', responsibleUserId: 'no-such-user' },
        { displayName: 'No ref' }, // the upsert key is missing
        'not an object',
        { externalRef: 'b-5', displayName: 'Bulk Five', kind: 'organization', unknownField: 1 },
      ]);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        created: number;
        updated: number;
        failed: number;
        items: { index: number; externalRef: string; id: string; status: string }[];
        errors: { index: number; externalRef: string | null; code: string; details?: { field?: string }[] }[];
      };
      expect(body).toMatchObject({ created: 2, updated: 0, failed: 6 });
      expect(body.items.map((i) => [i.index, i.externalRef, i.status])).toEqual([
        [0, 'b-1', 'created'],
        [2, 'b-3', 'created'],
      ]);
      expect(body.errors.map((e) => [e.index, e.code, e.details?.[0]?.field])).toEqual([
        [1, 'VALIDATION_FAILED', 'displayName'],
        [3, 'CONFLICT', undefined],
        [4, 'VALIDATION_FAILED', 'responsibleUserId'],
        [5, 'VALIDATION_FAILED', 'externalRef'],
        [6, 'VALIDATION_FAILED', undefined],
        [7, 'VALIDATION_FAILED', 'unknownField'],
      ]);
      const one = (await (await app.api(`/api/v1/contacts/${body.items[0].id}`)).json()) as Contact;
      expect(one.phones).toEqual([{ number: '+7 916 000-00-01', type: null, e164: '+79160000001' }]);
      const three = (await (await app.api(`/api/v1/contacts/${body.items[1].id}`)).json()) as Contact;
      expect(three.responsibleUserId).toBe(agentId);

      // The same refs again: updated in place, numbers replaced, omitted fields cleared.
      const again = await bulk([
        { externalRef: 'b-1', displayName: 'Bulk One renamed', phones: [{ number: '+7 916 000-00-09' }] },
        { externalRef: 'b-3', displayName: 'Bulk Three' },
      ]);
      const body2 = (await again.json()) as typeof body;
      expect(body2).toMatchObject({ created: 0, updated: 2, failed: 0 });
      expect(body2.items.map((i) => i.id)).toEqual(body.items.map((i) => i.id));
      expect(await lookup('+79160000001')).toEqual([]);
      expect((await lookup('+79160000009')).map((c) => c.displayName)).toEqual(['Bulk One renamed']);
      const three2 = (await (await app.api(`/api/v1/contacts/${body.items[1].id}`)).json()) as Contact;
      expect(three2.responsibleUserId).toBeNull();
    });

    it('takes 5,000 contacts in one request (a few MB) and refuses 5,001', async () => {
      const many = Array.from({ length: 5000 }, (_, i) => ({
        externalRef: `many-${i}`,
        displayName: `Customer number ${i} with a reasonably long name`,
        company: 'Wholesale Customers Ltd',
        responsibleUserId: 'crm-agent-7',
        phones: [
          { number: `+7 917 ${String(i).padStart(7, '0')}`, type: 'mobile' },
          { number: `8 (495) ${String(i).padStart(7, '0')}`, type: 'work' },
        ],
      }));
      expect(JSON.stringify({ contacts: many }).length).toBeGreaterThan(1_000_000);
      const started = performance.now();
      const res = await bulk(many);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { created: number; failed: number };
      expect(body).toMatchObject({ created: 5000, failed: 0 });
      expect(performance.now() - started).toBeLessThan(20_000);
      expect((await lookup('+7 917 000 4999')).map((c) => c.displayName)).toEqual([
        'Customer number 4999 with a reasonably long name',
      ]);

      const tooMany = await bulk([...many, { externalRef: 'x', displayName: 'x' }]);
      expect(tooMany.status).toBe(400);
    });
  });
});
