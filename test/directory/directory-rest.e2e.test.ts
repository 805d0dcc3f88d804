import type { Principal } from '../../src/modules/auth/principal.js';
import { DirectoryService } from '../../src/modules/directory/directory.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { badFields, call, type Person, person, unreachablePbx } from './directory-test-kit.js';

/**
 * The directory over HTTP with real Postgres: shapes, validation, conflicts and who may do what.
 * The PBX here is unreachable (a port that accepts and drops nothing: closed), so every change
 * that needs Asterisk answers `pending`; test/directory/directory-sync.e2e.test.ts covers a PBX.
 */
describe('call-center directory over REST (roles, validation, conflicts)', () => {
  let app: TestApp;
  let pbxId: string;
  let admin: Person; // a person with the admin role (the API key is admin too)
  let supA: Person; // supervises "support"
  let supB: Person; // supervises "sales" only
  let opA: Person; // in "support"
  let opB: Person; // in "support"
  let opC: Person; // in no group
  let support: { id: string };
  let sales: { id: string };
  let peerA: { id: string };

  beforeAll(async () => {
    app = await startTestApp();
    const pbx = await unreachablePbx(app, { defaultTrunk: 'PJSIP/{number}@trunk' });
    expect(pbx.status).toBe(201);
    pbxId = pbx.body.id;
    admin = await person(app, 'Ada Admin', 'admin');
    supA = await person(app, 'Sam Supervisor', 'supervisor');
    supB = await person(app, 'Sue Supervisor', 'supervisor');
    opA = await person(app, 'Alice Agent', 'operator');
    opB = await person(app, 'Bob Agent', 'operator');
    opC = await person(app, 'Carl Outsider', 'operator');
  });
  afterAll(() => app?.stop());

  describe('peers', () => {
    it('creates a peer (201 with its id), filling trunk and caller ID from the PBX and the extension', async () => {
      const res = await call(app, 'POST', '/api/v1/peers', {
        userId: opA.id,
        extension: '1001',
        dialInterface: 'Local/1001@phones/n',
        stateInterface: 'Custom:1001',
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        id: expect.any(String),
        pbxId,
        userId: opA.id,
        extension: '1001',
        dialInterface: 'Local/1001@phones/n',
        stateInterface: 'Custom:1001',
        trunk: 'PJSIP/{number}@trunk',
        callerId: '1001',
        autoAnswerHeader: null,
        active: true,
      });
      peerA = res.body;
      const explicit = await call(app, 'POST', '/api/v1/peers', {
        userId: opB.id,
        pbxId: 'lab', // by name
        extension: '1002',
        dialInterface: 'PJSIP/1002',
        trunk: 'PJSIP/out/{number}',
        callerId: '"Bob" <74951234567>',
        autoAnswerHeader: 'Call-Info: <sip:127.0.0.1>;answer-after=0',
      });
      expect(explicit.status).toBe(201);
      expect(explicit.body).toMatchObject({
        trunk: 'PJSIP/out/{number}',
        callerId: '"Bob" <74951234567>',
        stateInterface: null,
      });
      // a second phone for the same user
      const soft = await call(app, 'POST', '/api/v1/peers', {
        userId: opB.id,
        extension: '2002',
        dialInterface: 'PJSIP/2002',
      });
      expect(soft.status).toBe(201);
    });

    it('answers 409 for a duplicate extension or dial interface (any case) on the same PBX', async () => {
      const ext = await call(app, 'POST', '/api/v1/peers', {
        userId: opC.id,
        extension: '1001',
        dialInterface: 'PJSIP/9001',
      });
      expect(ext.status).toBe(409);
      expect(ext.body.error.message).toMatch(/Extension 1001 already exists on PBX lab/);
      const iface = await call(app, 'POST', '/api/v1/peers', {
        userId: opC.id,
        extension: '9001',
        dialInterface: 'LOCAL/1001@PHONES/n',
      });
      expect(iface.status).toBe(409);
      expect(iface.body.error.message).toMatch(/Dial interface/);
    });

    it('answers 400 naming every bad field, and 404 for an unknown user or PBX', async () => {
      const bad = await call(app, 'POST', '/api/v1/peers', {
        userId: '',
        extension: 'ten one',
        dialInterface: 'nope',
        stateInterface: 'x y',
        trunk: 5,
        callerId: 'a\r\nAction: Originate',
        autoAnswerHeader: 'no colon',
        active: 'yes',
        password: 'x',
      });
      expect(badFields(bad)).toEqual(
        [
          'active',
          'autoAnswerHeader',
          'callerId',
          'dialInterface',
          'extension',
          'password',
          'stateInterface',
          'trunk',
          'userId',
        ].sort(),
      );
      expect(badFields(await call(app, 'POST', '/api/v1/peers', {}))).toEqual([
        'dialInterface',
        'extension',
        'userId',
      ]);
      expect(
        badFields(
          await call(app, 'POST', '/api/v1/peers', {
            userId: opC.id,
            extension: '9',
            dialInterface: 'PJSIP/9',
            pbxId: null,
          }),
        ),
      ).toEqual(['pbxId']);
      const noUser = await call(app, 'POST', '/api/v1/peers', {
        userId: 'crm-nobody',
        extension: '9002',
        dialInterface: 'PJSIP/9002',
      });
      expect(noUser.status).toBe(404);
      const noPbx = await call(app, 'POST', '/api/v1/peers', {
        userId: opC.id,
        pbxId: 'nowhere',
        extension: '9002',
        dialInterface: 'PJSIP/9002',
      });
      expect(noPbx.status).toBe(404);
    });

    it('reads, patches (400 on null for a required field) and deletes; 404 for unknown ids, 400 for bad ids', async () => {
      const made = await call(app, 'POST', '/api/v1/peers', {
        userId: opC.id,
        extension: '3003',
        dialInterface: 'PJSIP/3003',
      });
      expect((await call(app, 'GET', `/api/v1/peers/${made.body.id}`)).body.extension).toBe('3003');
      const patched = await call(app, 'PATCH', `/api/v1/peers/${made.body.id}`, {
        callerId: null,
        stateInterface: 'Custom:3003',
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        callerId: null,
        stateInterface: 'Custom:3003',
        extension: '3003',
      });
      expect(
        badFields(
          await call(app, 'PATCH', `/api/v1/peers/${made.body.id}`, { extension: null, dialInterface: 'x' }),
        ),
      ).toEqual(['dialInterface', 'extension']);
      expect((await call(app, 'PATCH', `/api/v1/peers/${made.body.id}`, { extension: '1002' })).status).toBe(
        409,
      );
      expect((await call(app, 'DELETE', `/api/v1/peers/${made.body.id}`)).status).toBe(204);
      expect((await call(app, 'GET', `/api/v1/peers/${made.body.id}`)).status).toBe(404);
      expect((await call(app, 'GET', '/api/v1/peers/not-a-uuid')).status).toBe(400);
    });

    it('lists with filters and pagination', async () => {
      const all = await call(app, 'GET', '/api/v1/peers?limit=2');
      expect(all.body.items).toHaveLength(2);
      expect(all.body.total).toBe(3);
      const bobs = await call(app, 'GET', `/api/v1/peers?userId=${opB.id}`);
      expect(bobs.body.items.map((p: { extension: string }) => p.extension).sort()).toEqual(['1002', '2002']);
      expect((await call(app, 'GET', '/api/v1/peers?extension=1001&pbxId=lab')).body.total).toBe(1);
      expect((await call(app, 'GET', '/api/v1/peers?active=false')).body.total).toBe(0);
      expect(badFields(await call(app, 'GET', '/api/v1/peers?limit=0&active=maybe&userId=x'))).toEqual([
        'active',
        'limit',
        'userId',
      ]);
    });
  });

  describe('groups', () => {
    it('creates a group (201) with its DIDs normalised to digits', async () => {
      const res = await call(app, 'POST', '/api/v1/groups', {
        name: 'Support',
        queue: 'support',
        numbers: ['+7 (495) 123-45-67', '74951234568', '74951234567'],
        profileUrlTemplate: 'https://crm.example.com/contacts?phone={callerId}',
        popupSettings: { autoOpen: true },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        id: expect.any(String),
        name: 'Support',
        pbxId,
        queue: 'support',
        numbers: ['74951234567', '74951234568'],
        popupSettings: { autoOpen: true },
        active: true,
      });
      support = res.body;
      sales = (
        await call(app, 'POST', '/api/v1/groups', {
          name: 'Sales',
          pbxId,
          queue: 'sales',
          numbers: ['74957770000'],
        })
      ).body;
      expect(sales.id).toEqual(expect.any(String));
    });

    it('answers 409 for a queue or a DID another group of the PBX has', async () => {
      const queue = await call(app, 'POST', '/api/v1/groups', { name: 'Again', queue: 'support' });
      expect(queue.status).toBe(409);
      expect(queue.body.error.message).toMatch(/Queue support already belongs to group Support/);
      const did = await call(app, 'POST', '/api/v1/groups', {
        name: 'Billing',
        queue: 'billing',
        numbers: ['8-495-000-00-00', '+74951234568'],
      });
      expect(did.status).toBe(409);
      expect(did.body.error.message).toMatch(/74951234568/);
      const patchDid = await call(app, 'PATCH', `/api/v1/groups/${sales.id}`, { numbers: ['74951234567'] });
      expect(patchDid.status).toBe(409);
    });

    it('answers 400 naming every bad field', async () => {
      const bad = await call(app, 'POST', '/api/v1/groups', {
        name: '',
        pbxId: null,
        queue: 'bad queue',
        numbers: ['abc', '12'],
        profileUrlTemplate: 'javascript:alert(1)',
        popupSettings: 'open',
        colour: 'red',
      });
      expect(badFields(bad)).toEqual([
        'colour',
        'name',
        'numbers',
        'pbxId',
        'popupSettings',
        'profileUrlTemplate',
        'queue',
      ]);
      expect(
        badFields(
          await call(app, 'POST', '/api/v1/groups', { name: 'x', queue: 'x', numbers: '74951234567' }),
        ),
      ).toEqual(['numbers']);
      expect(
        badFields(
          await call(app, 'POST', '/api/v1/groups', {
            name: 'x',
            queue: 'x',
            popupSettings: { big: 'x'.repeat(9000) },
          }),
        ),
      ).toEqual(['popupSettings']);
      expect(
        badFields(await call(app, 'PATCH', `/api/v1/groups/${support.id}`, { name: null, active: 'no' })),
      ).toEqual(['active', 'name']);
      expect(
        (await call(app, 'POST', '/api/v1/groups', { name: 'x', queue: 'x', pbxId: 'nowhere' })).status,
      ).toBe(404);
    });

    it('finds a group by DID in any format, and filters by name and PBX', async () => {
      const byDid = await call(app, 'GET', `/api/v1/groups?number=${encodeURIComponent('+7 495 123-45-67')}`);
      expect(byDid.body.items.map((g: { id: string }) => g.id)).toEqual([support.id]);
      expect(
        (await call(app, 'GET', '/api/v1/groups?name=SAL')).body.items.map((g: { queue: string }) => g.queue),
      ).toEqual(['sales']);
      expect((await call(app, 'GET', '/api/v1/groups?pbxId=lab&limit=1')).body).toMatchObject({ total: 2 });
      expect(badFields(await call(app, 'GET', '/api/v1/groups?number=abc'))).toEqual(['number']);
      expect((await call(app, 'GET', '/api/v1/groups/00000000-0000-4000-8000-000000000000')).status).toBe(
        404,
      );
    });
  });

  describe('members', () => {
    it('adds members (201), refuses duplicates (409), operators as supervisors (400) and unknown users (404)', async () => {
      const sup = await call(app, 'POST', `/api/v1/groups/${support.id}/members`, {
        userId: supA.id,
        role: 'supervisor',
      });
      expect(sup.status).toBe(201);
      expect(sup.body).toMatchObject({
        id: expect.any(String),
        groupId: support.id,
        userId: supA.id,
        displayName: 'Sam Supervisor',
        role: 'supervisor',
        penalty: 0,
        loggedIn: false,
        paused: false,
        syncState: 'synced',
        live: null,
      });
      expect(
        (
          await call(app, 'POST', `/api/v1/groups/${sales.id}/members`, {
            userId: supB.id,
            role: 'supervisor',
          })
        ).status,
      ).toBe(201);
      const a = await call(app, 'POST', `/api/v1/groups/${support.id}/members`, { userId: opA.id });
      expect(a.body).toMatchObject({ role: 'member', penalty: 0 });
      const dup = await call(app, 'POST', `/api/v1/groups/${support.id}/members`, {
        userId: opA.id,
        penalty: 2,
      });
      expect(dup.status).toBe(409);
      const opSup = await call(app, 'POST', `/api/v1/groups/${support.id}/members`, {
        userId: opB.id,
        role: 'supervisor',
      });
      expect(badFields(opSup)).toEqual(['role']);
      expect(
        (await call(app, 'POST', `/api/v1/groups/${support.id}/members`, { userId: 'nobody' })).status,
      ).toBe(404);
      expect(
        (
          await call(app, 'POST', '/api/v1/groups/00000000-0000-4000-8000-000000000000/members', {
            userId: opA.id,
          })
        ).status,
      ).toBe(404);
    });

    it('answers 400 naming every bad field of member and agent-state bodies', async () => {
      expect(
        badFields(
          await call(app, 'POST', `/api/v1/groups/${support.id}/members`, {
            userId: 7,
            role: 'boss',
            penalty: -1,
            x: 1,
          }),
        ),
      ).toEqual(['penalty', 'role', 'userId', 'x']);
      expect(
        badFields(
          await call(app, 'POST', `/api/v1/groups/${support.id}/members`, { userId: opB.id, penalty: 1.5 }),
        ),
      ).toEqual(['penalty']);
      expect(
        badFields(
          await call(app, 'PATCH', `/api/v1/groups/${support.id}/members/${opA.id}`, {
            penalty: 5000,
            role: null,
          }),
        ),
      ).toEqual(['penalty', 'role']);
      expect(
        badFields(
          await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opA.id}/login`, {
            peerId: 'x',
            paused: 'yes',
            reason: 3,
          }),
        ),
      ).toEqual(['paused', 'peerId', 'reason']);
      expect(
        badFields(
          await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opA.id}/pause`, {
            reason: 'lunch\r\nAction: Logoff',
          }),
        ),
      ).toEqual(['reason']);
      expect(
        badFields(
          await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opA.id}/pause`, {
            reason: 'x'.repeat(129),
          }),
        ),
      ).toEqual(['reason']);
      expect(
        badFields(
          await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opA.id}/unpause`, { reason: 'x' }),
        ),
      ).toEqual(['reason']);
      expect((await call(app, 'POST', `/api/v1/groups/${support.id}/members/not-a-uuid/login`)).status).toBe(
        400,
      );
      expect(
        badFields(await call(app, 'GET', `/api/v1/groups/${support.id}/members?syncState=odd&loggedIn=1`)),
      ).toEqual(['loggedIn', 'syncState']);
    });

    it('refuses to pause a member who is not logged in (409), and a login without a phone (409) or with an ambiguous one (400)', async () => {
      expect(
        (await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opA.id}/pause`, { reason: 'lunch' }))
          .status,
      ).toBe(409);
      // the supervisor has no phone
      const noPhone = await call(app, 'POST', `/api/v1/groups/${support.id}/members/${supA.id}/login`);
      expect(noPhone.status).toBe(409);
      expect(noPhone.body.error.message).toMatch(/no active phone/);
      // Bob has two phones on the PBX
      await call(app, 'POST', `/api/v1/groups/${support.id}/members`, { userId: opB.id, penalty: 1 });
      const two = await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opB.id}/login`, {});
      expect(badFields(two)).toEqual(['peerId']);
      expect(two.body.error.details[0].message).toMatch(/2 phones on this PBX \(1002, 2002\)/);
      const notHis = await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opB.id}/login`, {
        peerId: peerA.id,
      });
      expect(badFields(notHis)).toEqual(['peerId']);
      // someone who is not a member: 404
      expect((await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opC.id}/login`)).status).toBe(
        404,
      );
    });

    it('keeps a change the PBX cannot take as pending, and says so', async () => {
      const res = await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opA.id}/login`, {}, opA);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        userId: opA.id,
        loggedIn: true,
        paused: false,
        peerId: peerA.id,
        interface: 'Local/1001@phones/n',
        syncState: 'pending',
        asterisk: {
          status: 'pending',
          action: 'QueueAdd',
          message: expect.stringMatching(/unavailable|no AMI link/i),
        },
      });
      expect(res.body.lastSyncError).toMatch(/applied when the link returns/);
      const paused = await call(
        app,
        'POST',
        `/api/v1/groups/${support.id}/members/${opA.id}/pause`,
        { reason: 'lunch' },
        opA,
      );
      expect(paused.body).toMatchObject({
        paused: true,
        pausedReason: 'lunch',
        syncState: 'pending',
        asterisk: { status: 'pending', action: 'QueuePause' },
      });
      const pending = await call(
        app,
        'GET',
        `/api/v1/groups/${support.id}/members?syncState=pending`,
        undefined,
        opA,
      );
      expect(pending.body.items.map((m: { userId: string }) => m.userId)).toEqual([opA.id]);
      // a member with a penalty change while logged off needs no Asterisk
      const pen = await call(app, 'PATCH', `/api/v1/groups/${support.id}/members/${opB.id}`, { penalty: 4 });
      expect(pen.body).toMatchObject({ penalty: 4, asterisk: null, syncState: 'synced' });
    });
  });

  describe('roles', () => {
    it('lets a supervisor manage their own group only', async () => {
      // supA supervises support
      expect(
        (await call(app, 'PATCH', `/api/v1/groups/${support.id}/members/${opB.id}`, { penalty: 2 }, supA))
          .status,
      ).toBe(200);
      expect(
        (
          await call(
            app,
            'PATCH',
            `/api/v1/groups/${support.id}`,
            { name: 'Support desk', popupSettings: { autoOpen: false } },
            supA,
          )
        ).status,
      ).toBe(200);
      const queue = await call(
        app,
        'PATCH',
        `/api/v1/groups/${support.id}`,
        { queue: 'other', numbers: [] },
        supA,
      );
      expect(queue.status).toBe(403);
      expect(queue.body.error.message).toMatch(/Only admins may change queue, numbers/);
      expect((await call(app, 'GET', `/api/v1/groups/${support.id}/drift`, undefined, supA)).status).toBe(
        200,
      );
      expect(
        (await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opA.id}/unpause`, undefined, supA))
          .status,
      ).toBe(200);
      expect(
        (
          await call(
            app,
            'POST',
            `/api/v1/groups/${support.id}/members/${opA.id}/pause`,
            { reason: 'coaching' },
            supA,
          )
        ).status,
      ).toBe(200);
      // but not another group, nor admin things
      expect(
        (await call(app, 'POST', `/api/v1/groups/${sales.id}/members`, { userId: opC.id }, supA)).status,
      ).toBe(403);
      expect((await call(app, 'PATCH', `/api/v1/groups/${sales.id}`, { name: 'Mine' }, supA)).status).toBe(
        403,
      );
      expect((await call(app, 'GET', `/api/v1/groups/${sales.id}`, undefined, supA)).status).toBe(403);
      expect((await call(app, 'POST', '/api/v1/groups', { name: 'New', queue: 'new' }, supA)).status).toBe(
        403,
      );
      expect((await call(app, 'DELETE', `/api/v1/groups/${support.id}`, undefined, supA)).status).toBe(403);
      expect(
        (
          await call(
            app,
            'POST',
            '/api/v1/peers',
            { userId: opC.id, extension: '5005', dialInterface: 'PJSIP/5005' },
            supA,
          )
        ).status,
      ).toBe(403);
      // supB supervises sales only: support is out of reach
      expect(
        (await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opA.id}/unpause`, undefined, supB))
          .status,
      ).toBe(403);
      expect(
        (await call(app, 'POST', `/api/v1/groups/${support.id}/members`, { userId: opC.id }, supB)).status,
      ).toBe(403);
      expect(
        (await call(app, 'DELETE', `/api/v1/groups/${support.id}/members/${opB.id}`, undefined, supB)).status,
      ).toBe(403);
      expect((await call(app, 'GET', `/api/v1/groups/${support.id}/drift`, undefined, supB)).status).toBe(
        403,
      );
      const listB = await call(app, 'GET', '/api/v1/groups', undefined, supB);
      expect(listB.body.items.map((g: { id: string }) => g.id)).toEqual([sales.id]);
    });

    it('lets a supervisor read the phones of their members, not others', async () => {
      const mine = await call(app, 'GET', '/api/v1/peers', undefined, supA);
      expect(mine.body.items.map((p: { extension: string }) => p.extension).sort()).toEqual([
        '1001',
        '1002',
        '2002',
      ]);
      expect((await call(app, 'GET', `/api/v1/peers/${peerA.id}`, undefined, supA)).status).toBe(200);
      expect((await call(app, 'GET', `/api/v1/peers/${peerA.id}`, undefined, supB)).status).toBe(403);
      expect((await call(app, 'GET', '/api/v1/peers', undefined, supB)).body.total).toBe(0);
    });

    it('lets an operator act on themselves and read their own groups and phones, nothing more', async () => {
      expect(
        (await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opA.id}/unpause`, undefined, opA))
          .status,
      ).toBe(200);
      expect(
        (
          await call(
            app,
            'POST',
            `/api/v1/groups/${support.id}/members/${opB.id}/pause`,
            { reason: 'x' },
            opA,
          )
        ).status,
      ).toBe(403);
      expect(
        (
          await call(
            app,
            'POST',
            `/api/v1/groups/${support.id}/members/${opB.id}/login`,
            { peerId: peerA.id },
            opA,
          )
        ).status,
      ).toBe(403);
      expect(
        (await call(app, 'PATCH', `/api/v1/groups/${support.id}/members/${opA.id}`, { penalty: 0 }, opA))
          .status,
      ).toBe(403);
      expect(
        (await call(app, 'POST', `/api/v1/groups/${support.id}/members`, { userId: opC.id }, opA)).status,
      ).toBe(403);
      expect(
        (await call(app, 'DELETE', `/api/v1/groups/${support.id}/members/${opA.id}`, undefined, opA)).status,
      ).toBe(403);
      expect((await call(app, 'PATCH', `/api/v1/groups/${support.id}`, { name: 'Mine' }, opA)).status).toBe(
        403,
      );
      expect((await call(app, 'GET', `/api/v1/groups/${support.id}/drift`, undefined, opA)).status).toBe(403);
      expect((await call(app, 'GET', '/api/v1/audit', undefined, opA)).status).toBe(403);
      expect((await call(app, 'GET', `/api/v1/groups/${sales.id}`, undefined, opA)).status).toBe(403);
      const groups = await call(app, 'GET', '/api/v1/groups', undefined, opA);
      expect(groups.body.items.map((g: { id: string }) => g.id)).toEqual([support.id]);
      const members = await call(app, 'GET', `/api/v1/groups/${support.id}/members`, undefined, opA);
      expect(members.status).toBe(200);
      expect(members.body.total).toBe(3);
      const phones = await call(app, 'GET', '/api/v1/peers', undefined, opA);
      expect(phones.body.items.map((p: { id: string }) => p.id)).toEqual([peerA.id]);
      expect(
        (await call(app, 'GET', `/api/v1/peers/${phones.body.items[0].id}`, undefined, opB)).status,
      ).toBe(403);
      // someone in no group sees none, and cannot act anywhere
      expect((await call(app, 'GET', '/api/v1/groups', undefined, opC)).body).toEqual({
        items: [],
        total: 0,
      });
      expect((await call(app, 'GET', `/api/v1/groups/${support.id}/members`, undefined, opC)).status).toBe(
        403,
      );
    });

    it('refuses service API keys and anonymous callers', async () => {
      const key = await call(app, 'POST', '/api/v1/api-keys', { name: 'CRM backend', role: 'service' });
      const service = { 'x-api-key': key.body.key as string };
      for (const path of [
        '/api/v1/groups',
        '/api/v1/peers',
        '/api/v1/audit',
        `/api/v1/groups/${support.id}/members`,
      ]) {
        expect((await call(app, 'GET', path, undefined, service)).status).toBe(403);
        expect((await fetch(app.url + path)).status).toBe(401);
      }
    });

    it('lets an admin person do everything an admin key does', async () => {
      const made = await call(app, 'POST', '/api/v1/groups', { name: 'Billing', queue: 'billing' }, admin);
      expect(made.status).toBe(201);
      expect((await call(app, 'DELETE', `/api/v1/groups/${made.body.id}`, undefined, admin)).status).toBe(
        204,
      );
      expect((await call(app, 'GET', `/api/v1/groups/${made.body.id}`, undefined, admin)).status).toBe(404);
    });
  });

  describe('audit log', () => {
    it('records who changed what, with before and after, newest first', async () => {
      const res = await call(
        app,
        'GET',
        `/api/v1/audit?entityType=membership&groupId=${support.id}&action=member.pause`,
      );
      expect(res.status).toBe(200);
      const [latest, first] = res.body.items;
      expect(latest).toMatchObject({
        actorKind: 'user',
        actorId: supA.id,
        actorRole: 'supervisor',
        actorName: 'Sam Supervisor',
        action: 'member.pause',
        entityType: 'membership',
        groupId: support.id,
        before: { paused: false, pausedReason: null, loggedIn: true },
        after: { paused: true, pausedReason: 'coaching' },
      });
      expect(first).toMatchObject({ actorId: opA.id, after: { pausedReason: 'lunch' } });
      expect(new Date(latest.at).getTime()).toBeGreaterThanOrEqual(new Date(first.at).getTime());
      const group = await call(app, 'GET', `/api/v1/audit?entityType=group&entityId=${support.id}`);
      expect(group.body.items.map((e: { action: string }) => e.action)).toEqual([
        'group.update',
        'group.create',
      ]);
      expect(group.body.items[0]).toMatchObject({
        actorKind: 'user',
        before: { name: 'Support' },
        after: { name: 'Support desk', popupSettings: { autoOpen: false } },
      });
      const byKey = await call(app, 'GET', '/api/v1/audit?entityType=peer&action=peer.create&limit=1');
      expect(byKey.body.items).toHaveLength(1);
      expect(byKey.body.total).toBe(4);
      expect(byKey.body.items[0]).toMatchObject({
        actorKind: 'api-key',
        actorRole: 'admin',
        actorName: null,
      });
      const deleted = await call(app, 'GET', '/api/v1/audit?action=group.');
      expect(deleted.body.items.map((e: { action: string }) => e.action)).toContain('group.delete');
    });

    it("shows a supervisor their groups' entries only", async () => {
      const a = await call(app, 'GET', '/api/v1/audit?limit=500', undefined, supA);
      expect(a.body.items.length).toBeGreaterThan(0);
      expect(new Set(a.body.items.map((e: { groupId: string }) => e.groupId))).toEqual(new Set([support.id]));
      const b = await call(app, 'GET', '/api/v1/audit?limit=500', undefined, supB);
      expect(new Set(b.body.items.map((e: { groupId: string }) => e.groupId))).toEqual(new Set([sales.id]));
      expect(
        badFields(await call(app, 'GET', '/api/v1/audit?since=yesterday&entityType=user&entityId=1')),
      ).toEqual(['entityId', 'entityType', 'since']);
      const future = await call(
        app,
        'GET',
        `/api/v1/audit?since=${new Date(Date.now() + 60_000).toISOString()}`,
      );
      expect(future.body).toEqual({ items: [], total: 0 });
    });
  });

  describe('DirectoryService (what AGI routing and the operator gateway use)', () => {
    it('answers queueForDid, availablePeerForUser, groupsOfUser and supervisorsOfUser', async () => {
      const dir = app.app.get(DirectoryService);
      expect(await dir.queueForDid('+7 495 123-45-67')).toMatchObject({
        groupId: support.id,
        queue: 'support',
        did: '74951234567',
        pbxId,
        profileUrlTemplate: 'https://crm.example.com/contacts?phone={callerId}',
      });
      expect(await dir.queueForDid('74957770000', 'lab')).toMatchObject({
        groupId: sales.id,
        queue: 'sales',
      });
      expect(await dir.queueForDid('74957770000', 'nowhere')).toBeNull();
      expect(await dir.queueForDid('70000000000')).toBeNull();

      // Alice is logged in (pending on the PBX) and unpaused: available; paused: not
      expect(await dir.availablePeerForUser(opA.id)).toMatchObject({ id: peerA.id });
      await call(
        app,
        'POST',
        `/api/v1/groups/${support.id}/members/${opA.id}/pause`,
        { reason: 'break' },
        opA,
      );
      expect(await dir.availablePeerForUser(opA.id)).toBeNull();
      await call(app, 'POST', `/api/v1/groups/${support.id}/members/${opA.id}/unpause`, undefined, opA);
      expect(await dir.availablePeerForUser(opA.id, pbxId)).toMatchObject({
        id: peerA.id,
        extension: '1001',
        dialInterface: 'Local/1001@phones/n',
        trunk: 'PJSIP/{number}@trunk',
        callerId: '1001',
      });
      expect(await dir.availablePeerForUser(opB.id)).toBeNull(); // logged off
      expect(await dir.availablePeerForUser(opA.id, 'nowhere')).toBeNull();

      expect(await dir.groupsOfUser(opA.id)).toEqual([
        expect.objectContaining({
          groupId: support.id,
          queue: 'support',
          role: 'member',
          loggedIn: true,
          paused: false,
        }),
      ]);
      expect(await dir.supervisorsOfUser(opA.id)).toEqual([
        { userId: supA.id, displayName: 'Sam Supervisor', groupIds: [support.id] },
      ]);
      expect(await dir.supervisorsOfUser(supA.id)).toEqual([]);

      // the FastAGI routing port, bound by the directory module
      const routing = app.app.get<
        symbol,
        {
          queueForDid(did: string, pbxId?: string): Promise<string | undefined>;
          availablePeerForUser(userId: string, pbxId?: string): Promise<unknown>;
        }
      >(Symbol.for('switchboard.agi.routing-directory'), { strict: false });
      expect(await routing.queueForDid('74957770000', pbxId)).toBe('sales');
      expect(await routing.queueForDid('70000000000')).toBeUndefined();
      expect(await routing.availablePeerForUser(opA.id)).toEqual({
        extension: '1001',
        dialInterface: 'Local/1001@phones/n',
      });
      expect(await routing.availablePeerForUser(opB.id)).toBeUndefined();
    });

    it('answers usersByExtension, groupsSupervisedBy, peerOfUser, groupOfQueue and setPausedEverywhere', async () => {
      const dir = app.app.get(DirectoryService);
      const admin: Principal = { kind: 'api-key', role: 'admin', keyId: 'directory-test' };
      const key = (ext: string) => `${pbxId}\n${ext}`;

      expect(
        await dir.usersByExtension(
          ['1001', '1002', '2002', '7777'].map((extension) => ({ pbxId, extension })),
        ),
      ).toEqual(
        new Map([
          [key('1001'), opA.id],
          [key('1002'), opB.id],
          [key('2002'), opB.id],
        ]),
      );

      // a supervisor: the group's queue and its members (themselves included); others: nothing
      const members = await call(app, 'GET', `/api/v1/groups/${support.id}/members?limit=100`);
      const supervised = await dir.groupsSupervisedBy(supA.id);
      expect(supervised.queues).toEqual([{ pbxId, queue: 'support' }]);
      expect([...supervised.userIds].sort()).toEqual(
        members.body.items.map((m: { userId: string }) => m.userId).sort(),
      );
      expect(supervised.userIds).toEqual(expect.arrayContaining([supA.id, opA.id, opB.id]));
      expect(await dir.groupsSupervisedBy(opA.id)).toEqual({ queues: [], userIds: [] });
      expect(await dir.groupsSupervisedBy('not-a-uuid')).toEqual({ queues: [], userIds: [] });

      // the group of a queue, by PBX id or name
      const group = await call(app, 'GET', `/api/v1/groups/${support.id}`);
      expect(await dir.groupOfQueue(pbxId, 'support')).toEqual({
        groupId: support.id,
        name: group.body.name,
      });
      expect(await dir.groupOfQueue('lab', 'sales')).toEqual({ groupId: sales.id, name: 'Sales' });
      expect(await dir.groupOfQueue(pbxId, 'nosuchqueue')).toBeNull();
      expect(await dir.groupOfQueue('nowhere', 'support')).toBeNull();

      // pause everywhere: the membership, Asterisk (pending here) and the audit log agree
      expect((await dir.availablePeerForUser(opA.id))?.id).toBe(peerA.id);
      await dir.setPausedEverywhere(admin, opA.id, true, 'training');
      const paused = await call(app, 'GET', `/api/v1/groups/${support.id}/members/${opA.id}`);
      expect(paused.body).toMatchObject({ loggedIn: true, paused: true, pausedReason: 'training' });
      const audit = await call(app, 'GET', `/api/v1/audit?actorId=directory-test&limit=1`);
      expect(audit.body.items[0]).toMatchObject({
        action: 'member.pause',
        actorId: 'directory-test',
        after: { paused: true, pausedReason: 'training' },
      });
      expect(await dir.availablePeerForUser(opA.id)).toBeNull();
      // paused, it is still their phone (click-to-call); Bob, logged off, has his first phone
      expect(await dir.peerOfUser(opA.id)).toMatchObject({ id: peerA.id, extension: '1001' });
      expect(await dir.peerOfUser(opB.id, 'lab')).toMatchObject({ userId: opB.id, extension: '1002' });
      expect(await dir.peerOfUser(opC.id)).toBeNull();
      expect(await dir.peerOfUser('not-a-uuid')).toBeNull();
      expect(await dir.peerOfUser(opA.id, 'nowhere')).toBeNull();
      await dir.setPausedEverywhere(admin, opA.id, false, undefined);
      expect((await call(app, 'GET', `/api/v1/groups/${support.id}/members/${opA.id}`)).body).toMatchObject({
        paused: false,
        pausedReason: null,
      });
      expect((await dir.peerOfUser(opA.id))?.id).toBe(peerA.id);
      // logged in nowhere
      await expect(dir.setPausedEverywhere(admin, opC.id, true, undefined)).rejects.toMatchObject({
        code: 'CONFLICT',
      });

      // the calls module's and the operator gateway's ports, bound by the directory module
      const port = <T>(name: string) => app.app.get<symbol, T>(Symbol.for(name), { strict: false });
      const agents = port<{ usersByExtension: typeof dir.usersByExtension }>(
        'switchboard.calls.agent-directory',
      );
      expect(await agents.usersByExtension([{ pbxId, extension: '1001' }])).toEqual(
        new Map([[key('1001'), opA.id]]),
      );
      const supervision = port<{ groupsSupervisedBy: typeof dir.groupsSupervisedBy }>(
        'switchboard.calls.supervision',
      );
      expect((await supervision.groupsSupervisedBy(supA.id)).queues).toEqual([{ pbxId, queue: 'support' }]);
      const operator = port<{
        peerOfUser(userId: string, pbxId?: string): Promise<unknown>;
        supervisorsOfUser(userId: string): Promise<string[]>;
        groupOfQueue(pbxId: string, queue: string): Promise<unknown>;
        setPaused(actor: Principal, userId: string, paused: boolean, reason?: string): Promise<void>;
      }>('switchboard.operator.directory');
      expect(await operator.peerOfUser(opA.id)).toEqual({
        pbxId,
        extension: '1001',
        dialInterface: 'Local/1001@phones/n',
        trunk: 'PJSIP/{number}@trunk',
        callerId: '1001',
      });
      expect(await operator.supervisorsOfUser(opA.id)).toEqual([supA.id]);
      expect(await operator.groupOfQueue(pbxId, 'sales')).toEqual({ groupId: sales.id, name: 'Sales' });
      await operator.setPaused(admin, opA.id, true, 'lunch');
      expect(await dir.availablePeerForUser(opA.id)).toBeNull();
      await operator.setPaused(admin, opA.id, false);
      expect((await dir.availablePeerForUser(opA.id))?.id).toBe(peerA.id);
    });
  });

  describe('deletions', () => {
    it('refuses to move or delete a phone in use (409), and owes the QueueRemove of a member deleted while the PBX is down', async () => {
      expect((await call(app, 'DELETE', `/api/v1/peers/${peerA.id}`)).status).toBe(409);
      expect(
        (await call(app, 'PATCH', `/api/v1/peers/${peerA.id}`, { dialInterface: 'PJSIP/1001' })).status,
      ).toBe(409);
      expect((await call(app, 'PATCH', `/api/v1/peers/${peerA.id}`, { callerId: 'Alice' })).status).toBe(200);
      const removed = await call(
        app,
        'DELETE',
        `/api/v1/groups/${support.id}/members/${opA.id}`,
        undefined,
        supA,
      );
      expect(removed.status).toBe(200);
      expect(removed.body).toMatchObject({
        userId: opA.id,
        removed: true,
        asterisk: { status: 'pending', action: 'QueueRemove' },
      });
      expect((await call(app, 'GET', `/api/v1/groups/${support.id}/members/${opA.id}`)).status).toBe(404);
      const health = (await (await fetch(`${app.url}/health`)).json()) as {
        components: Record<string, Record<string, unknown>>;
      };
      expect(health.components.directory).toMatchObject({ status: 'up', owedRemovals: 1 });
      // now the phone is free
      expect((await call(app, 'PATCH', `/api/v1/peers/${peerA.id}`, { active: false })).status).toBe(200);
    });
  });
});
