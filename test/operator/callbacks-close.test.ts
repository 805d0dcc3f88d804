import { randomUUID } from 'node:crypto';
import { CallbacksRepository } from '../../src/modules/operator/callbacks/callbacks.repository.js';
import { CallbacksService } from '../../src/modules/operator/callbacks/callbacks.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Answered calls close the call-back tasks of their number; the numbers of calls answered close
 * together go to PostgreSQL in one statement (CallbacksService.closeCalledBack): each caller still
 * gets exactly the tasks its call closed.
 */
describe('closing call-back tasks when a number is called back (batched)', () => {
  let app: TestApp;
  let service: CallbacksService;
  let repo: CallbacksRepository;
  const pbxId = randomUUID();

  const task = (number: string, linkedid: string) =>
    repo.insertOnce({
      number,
      matchDigits: service.matchDigits(number)!,
      contactId: null,
      contactName: null,
      assigneeUserId: randomUUID(),
      groupId: null,
      reason: 'abandoned',
      pbxId,
      linkedid,
    });

  beforeAll(async () => {
    app = await startTestApp({ DEFAULT_COUNTRY: 'RU' });
    service = app.app.get(CallbacksService);
    repo = app.app.get(CallbacksRepository);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('closes each number by its own call, once, whatever else is in the batch', async () => {
    const olga1 = await task('89031112233', 'missed.1');
    const olga2 = await task('+7 903 111-22-33', 'missed.2'); // the same number spelled otherwise
    const ivan = await task('+79161234567', 'missed.3');
    const untouched = await task('+79990000000', 'missed.4');
    const [first, second, ivanClosed, nobody] = await Promise.all([
      service.closeCalledBack('+79031112233', pbxId, 'back.1'),
      service.closeCalledBack('89031112233', pbxId, 'back.2'), // same number, same batch
      service.closeCalledBack('89161234567', pbxId, 'back.3'),
      service.closeCalledBack('+15550001111', pbxId, 'back.4'),
    ]);
    expect(first.map((t) => t.id).sort()).toEqual([olga1!.id, olga2!.id].sort());
    expect(second).toEqual([]);
    expect(ivanClosed.map((t) => t.id)).toEqual([ivan!.id]);
    expect(nobody).toEqual([]);
    expect(first.every((t) => t.status === 'closed')).toBe(true);
    const rows = await Promise.all([olga1, olga2, ivan, untouched].map((t) => repo.findById(t!.id)));
    expect(rows.map((r) => [r!.status, r!.closedReason, r!.closedBy])).toEqual([
      ['closed', 'called-back', `${pbxId}:back.1`],
      ['closed', 'called-back', `${pbxId}:back.1`],
      ['closed', 'called-back', `${pbxId}:back.3`],
      ['open', null, null],
    ]);
    // a later call of the same number finds nothing open any more
    expect(await service.closeCalledBack('89031112233', pbxId, 'back.5')).toEqual([]);
  });

  it('answers a number without digits at once, without the database', async () => {
    await expect(service.closeCalledBack(null, pbxId, 'x')).resolves.toEqual([]);
    await expect(service.closeCalledBack('anonymous', pbxId, 'y')).resolves.toEqual([]);
  });
});
