import { type BeforeApplicationShutdown, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Counter, Gauge } from 'prom-client';
import { type EntityManager, type Repository } from 'typeorm';
import { AppError, ErrorCode } from '../../../common/errors/app-error.js';
import { AppConfig } from '../../../config/app-config.js';
import { header } from '../../../protocol/ami/ami-message.js';
import { AmiGatewayService } from '../../ami/ami-gateway.service.js';
import { HealthService } from '../../health/health.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { PbxService } from '../../pbx/pbx.service.js';
import { interfaceKey } from '../did.util.js';
import { Group } from '../groups/group.entity.js';
import { KeyedSerializer } from '../keyed-serializer.js';
import { Membership, type SyncState } from '../members/membership.entity.js';
import type { Peer } from '../peers/peer.entity.js';
import { type AsteriskOutcome, worstOutcome } from './asterisk-outcome.js';
import type { DriftItemDto, DriftReportDto } from './drift-report.dto.js';
import {
  DRIFT_KINDS,
  type DirectoryQueueMember,
  parseQueueStatus,
  planReconciliation,
  queueAddFields,
  type ReconcileAction,
} from './queue-reconcile.js';
import { QueueRemoval } from './queue-removal.entity.js';

/** Asterisk answers these when the queue already is as asked: the change holds. */
const ALREADY_THERE = /already there/i;
const NOT_THERE = /not there/i;
/** QueuePause / QueuePenalty of an interface the queue lacks ("Interface not found"). */
const MEMBER_ABSENT = /not there|not found/i;
/** How often pending changes are retried while their PBX is up (an action that timed out, say). */
const RETRY_INTERVAL_MS = 30_000;
/** Drift reports kept (one per group); the oldest goes first beyond this. */
const MAX_REPORTS = 10_000;
const SHUTDOWN_WAIT_MS = 5_000;

/** A membership with what QueueAdd needs: its phone and its user's display name. */
export interface MemberTarget {
  membership: Membership;
  peer: Peer;
  displayName: string;
}

/**
 * Makes Asterisk follow the directory. REST changes send one action each (QueueAdd, QueueRemove,
 * QueuePause, QueuePenalty) and report Asterisk's answer; a change that cannot reach the PBX stays
 * `pending`. On every 'ready' of a PBX's AMI link (start and each reconnect), owed QueueRemoves are
 * sent, then each group's queue is reconciled from QueueStatus, which also applies what is pending.
 * All Asterisk work of one group is serialised (REST changes and reconciliation never interleave).
 */
@Injectable()
export class QueueSyncService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(QueueSyncService.name);
  private readonly serial = new KeyedSerializer();
  private readonly reports = new Map<string, DriftReportDto>();
  private readonly pbxRuns = new Map<string, { again: boolean; running: Promise<void> }>();
  private readonly pbxNames = new Map<string, string>();
  private readonly actions: Counter<'pbx' | 'action' | 'outcome'>;
  private readonly driftGauge: Gauge<'pbx' | 'queue' | 'kind'>;
  private readonly reconciliations: Counter<'pbx' | 'outcome'>;
  private retryTimer?: ReturnType<typeof setInterval>;
  private stopping = false;

  constructor(
    @InjectRepository(Group) private readonly groups: Repository<Group>,
    @InjectRepository(Membership) private readonly memberships: Repository<Membership>,
    @InjectRepository(QueueRemoval) private readonly removals: Repository<QueueRemoval>,
    private readonly gateway: AmiGatewayService,
    private readonly pbxes: PbxService,
    private readonly config: AppConfig,
    private readonly health: HealthService,
    metrics: MetricsService,
  ) {
    this.actions = metrics.counter({
      name: 'switchboard_directory_queue_actions_total',
      help: 'Queue actions the directory sent to Asterisk, by outcome (applied, rejected, pending)',
      labelNames: ['pbx', 'action', 'outcome'],
    });
    this.driftGauge = metrics.gauge({
      name: 'switchboard_directory_drift_members',
      help: 'Queue members found out of step with the directory at the last reconciliation, by kind',
      labelNames: ['pbx', 'queue', 'kind'],
    });
    this.reconciliations = metrics.counter({
      name: 'switchboard_directory_reconciliations_total',
      help: 'Queue reconciliations with Asterisk, by outcome (in-step, drift, unavailable, error)',
      labelNames: ['pbx', 'outcome'],
    });
  }

  onModuleInit(): void {
    this.gateway.on('ready', (pbxId) => {
      void this.reconcilePbx(pbxId, 'reconnect');
    });
    this.pbxes.on('changed', (pbxId) => this.pbxNames.delete(pbxId));
    this.retryTimer = setInterval(() => void this.retryPending(), RETRY_INTERVAL_MS);
    this.retryTimer.unref();
    this.health.register('directory', () => this.healthCheck());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.retryTimer);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([this.serial.idle(), ...[...this.pbxRuns.values()].map((r) => r.running)]),
      new Promise((r) => (timer = setTimeout(r, SHUTDOWN_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  /** Runs a change of a group's memberships without interleaving with its other Asterisk work. */
  exclusive<T>(groupId: string, work: () => Promise<T>): Promise<T> {
    return this.serial.run(groupId, work);
  }

  // ---- one change, answered to the REST caller ------------------------------------------------

  /** QueueAdd for a member who logs in. "Already there" holds: a reconciliation then aligns pause and penalty. */
  async login(group: Group, t: MemberTarget): Promise<AsteriskOutcome> {
    await this.dropOwedRemoval(group.pbxId, group.queue, t.peer.dialInterface);
    const fields = queueAddFields(group.queue, this.target(t));
    const outcome = await this.send(group.pbxId, 'QueueAdd', { ...fields }, ALREADY_THERE);
    if (outcome.status === 'applied' && ALREADY_THERE.test(outcome.message ?? '')) {
      void this.reconcileGroup(group.id, 'login');
    }
    await this.settle(t.membership.id, [outcome]);
    return outcome;
  }

  /** QueueRemove for a member who logs off; "Not there" means it already is. */
  async logoff(group: Group, t: MemberTarget): Promise<AsteriskOutcome> {
    const outcome = await this.send(
      group.pbxId,
      'QueueRemove',
      { Queue: group.queue, Interface: t.peer.dialInterface },
      NOT_THERE,
    );
    await this.settle(t.membership.id, [outcome]);
    return outcome;
  }

  async pause(group: Group, t: MemberTarget): Promise<AsteriskOutcome> {
    const m = t.membership;
    const outcome = await this.send(group.pbxId, 'QueuePause', {
      Queue: group.queue,
      Interface: t.peer.dialInterface,
      Paused: m.paused,
      Reason: m.paused ? (m.pausedReason ?? undefined) : undefined,
    });
    if (outcome.status === 'rejected' && MEMBER_ABSENT.test(outcome.message ?? '')) {
      void this.reconcileGroup(group.id, 'member missing from the queue'); // re-adds it, paused as asked
    }
    await this.settle(m.id, [outcome]);
    return outcome;
  }

  async penalty(group: Group, t: MemberTarget): Promise<AsteriskOutcome> {
    const outcome = await this.send(group.pbxId, 'QueuePenalty', {
      Queue: group.queue,
      Interface: t.peer.dialInterface,
      Penalty: t.membership.penalty,
    });
    if (outcome.status === 'rejected' && MEMBER_ABSENT.test(outcome.message ?? '')) {
      void this.reconcileGroup(group.id, 'member missing from the queue');
    }
    await this.settle(t.membership.id, [outcome]);
    return outcome;
  }

  /**
   * QueueRemove for an interface whose membership (or group) is going away. When the PBX cannot be
   * reached, the removal is kept in the database and sent when the link returns.
   */
  async removeInterface(pbxId: string, queue: string, iface: string): Promise<AsteriskOutcome> {
    const outcome = await this.send(pbxId, 'QueueRemove', { Queue: queue, Interface: iface }, NOT_THERE);
    if (outcome.status === 'pending') await this.oweRemoval(pbxId, queue, iface, outcome.message ?? null);
    return outcome;
  }

  /**
   * Records, in the caller's transaction, QueueRemoves owed for these interfaces (a group deleted
   * with members logged in); sendOwedRemovalsSoon() after the commit sends them.
   */
  async oweRemovals(
    m: EntityManager,
    pbxId: string,
    queue: string,
    interfaces: readonly string[],
  ): Promise<void> {
    for (const iface of interfaces) await this.oweRemoval(pbxId, queue, iface, null, m);
  }

  sendOwedRemovalsSoon(pbxId: string): void {
    if (this.gateway.isReady(pbxId)) void this.sendOwedRemovals(pbxId);
  }

  // ---- reconciliation --------------------------------------------------------------------------

  /** The last report for a group; `not-checked` before its first reconciliation. */
  report(group: Group): DriftReportDto {
    return (
      this.reports.get(group.id) ?? {
        groupId: group.id,
        pbxId: group.pbxId,
        queue: group.queue,
        status: 'not-checked',
        checkedAt: null,
        reason: 'none yet',
        queueExists: true,
        drift: [],
        staticMembers: [],
      }
    );
  }

  forget(groupId: string): void {
    this.reports.delete(groupId);
  }

  /**
   * Sends what is owed, then reconciles every group of the PBX. Runs once at a time per PBX; a
   * request arriving meanwhile makes it run once more afterwards.
   */
  reconcilePbx(pbxId: string, reason: string): Promise<void> {
    const run = this.pbxRuns.get(pbxId);
    if (run) {
      run.again = true;
      return run.running;
    }
    const state = { again: false, running: Promise.resolve() };
    state.running = (async () => {
      do {
        state.again = false;
        try {
          await this.sendOwedRemovals(pbxId);
          const groups = await this.groups.find({ select: { id: true }, where: { pbxId } });
          for (const g of groups) {
            if (this.stopping || !this.gateway.isReady(pbxId)) break;
            await this.reconcileGroup(g.id, reason);
          }
        } catch (e) {
          this.logger.error({ err: e, pbxId }, 'Reconciliation of the PBX failed');
        }
      } while (state.again && !this.stopping);
    })().finally(() => this.pbxRuns.delete(pbxId));
    this.pbxRuns.set(pbxId, state);
    return state.running;
  }

  /** QueueStatus for the group's queue, then whatever makes Asterisk match the directory. */
  reconcileGroup(groupId: string, reason: string): Promise<DriftReportDto | undefined> {
    return this.exclusive(groupId, async () => {
      const group = await this.groups.findOneBy({ id: groupId });
      if (!group) return undefined;
      const report = await this.reconcileLocked(group, reason);
      this.store(report);
      return report;
    });
  }

  private async reconcileLocked(group: Group, reason: string): Promise<DriftReportDto> {
    const pbx = await this.pbxName(group.pbxId);
    const base = this.report(group);
    const report: DriftReportDto = {
      ...base,
      queue: group.queue,
      reason,
      checkedAt: new Date().toISOString(),
    };
    let status;
    try {
      status = await this.gateway.action(group.pbxId, 'QueueStatus', { Queue: group.queue });
    } catch (e) {
      const unavailable = !(e instanceof AppError) || e.code !== ErrorCode.PBX_REJECTED;
      this.reconciliations.inc({ pbx, outcome: unavailable ? 'unavailable' : 'error' });
      return { ...report, status: unavailable ? 'unavailable' : 'error', error: (e as Error).message };
    }
    const asterisk = parseQueueStatus(group.queue, status.events);
    const members = await this.directoryMembers(group.id);
    const plan = planReconciliation(group.queue, members, asterisk.members, {
      removeUnknown: this.config.directory.removeUnknownMembers,
    });

    const perMembership = new Map<string, AsteriskOutcome[]>();
    const outcomeOf = new Map<ReconcileAction, AsteriskOutcome>();
    for (const action of plan.actions) {
      const outcome = await this.run(group, action);
      outcomeOf.set(action, outcome);
      const id = 'membershipId' in action ? action.membershipId : undefined;
      if (id) perMembership.set(id, [...(perMembership.get(id) ?? []), outcome]);
    }
    for (const id of plan.inStep) if (!perMembership.has(id)) perMembership.set(id, []);
    for (const [id, outcomes] of perMembership) await this.settle(id, outcomes);

    const drift: DriftItemDto[] = plan.drift.map((d) => {
      const done = plan.actions.filter((a) =>
        a.kind === 'add'
          ? interfaceKey(a.fields.Interface) === interfaceKey(d.interface)
          : interfaceKey(a.interface) === interfaceKey(d.interface),
      );
      const outcome = worstOutcome(done.map((a) => outcomeOf.get(a)!));
      return { ...d, outcome: outcome?.status ?? 'not-sent', message: outcome?.message };
    });
    for (const kind of DRIFT_KINDS) {
      this.driftGauge.set({ pbx, queue: group.queue, kind }, drift.filter((d) => d.kind === kind).length);
    }
    const result: DriftReportDto = {
      ...report,
      status: drift.length > 0 || !asterisk.queueExists ? 'drift' : 'in-step',
      queueExists: asterisk.queueExists,
      drift,
      staticMembers: plan.staticMembers,
      error: asterisk.queueExists ? undefined : `Asterisk has no queue ${group.queue}`,
    };
    this.reconciliations.inc({ pbx, outcome: result.status });
    if (drift.length > 0 || !asterisk.queueExists) {
      this.logger.warn(
        {
          pbx,
          queue: group.queue,
          groupId: group.id,
          reason,
          queueExists: asterisk.queueExists,
          drift: drift.map((d) => `${d.kind} ${d.interface} -> ${d.action} ${d.outcome}`),
        },
        'Queue out of step with the directory',
      );
    } else {
      this.logger.log(
        { pbx, queue: group.queue, groupId: group.id, reason },
        'Queue in step with the directory',
      );
    }
    return result;
  }

  private run(group: Group, a: ReconcileAction): Promise<AsteriskOutcome> {
    switch (a.kind) {
      case 'add':
        return this.send(group.pbxId, 'QueueAdd', { ...a.fields }, ALREADY_THERE);
      case 'remove':
        return this.send(
          group.pbxId,
          'QueueRemove',
          { Queue: group.queue, Interface: a.interface },
          NOT_THERE,
        );
      case 'pause':
        return this.send(group.pbxId, 'QueuePause', {
          Queue: group.queue,
          Interface: a.interface,
          Paused: a.paused,
          Reason: a.paused && a.reason ? a.reason : undefined,
        });
      case 'penalty':
        return this.send(group.pbxId, 'QueuePenalty', {
          Queue: group.queue,
          Interface: a.interface,
          Penalty: a.penalty,
        });
    }
  }

  private async directoryMembers(groupId: string): Promise<DirectoryQueueMember[]> {
    const rows = await this.memberships
      .createQueryBuilder('m')
      .leftJoinAndSelect('m.peer', 'peer')
      .innerJoinAndSelect('m.user', 'user')
      .where('m.groupId = :groupId', { groupId })
      .getMany();
    return rows.map((m) => ({
      membershipId: m.id,
      userId: m.userId,
      displayName: m.user!.displayName,
      loggedIn: m.loggedIn,
      paused: m.paused,
      pausedReason: m.pausedReason,
      penalty: m.penalty,
      syncState: m.syncState,
      dialInterface: m.peer?.dialInterface ?? null,
      stateInterface: m.peer?.stateInterface ?? null,
    }));
  }

  // ---- QueueRemoves owed -----------------------------------------------------------------------

  private async oweRemoval(
    pbxId: string,
    queue: string,
    iface: string,
    error: string | null,
    m: EntityManager = this.removals.manager,
  ): Promise<void> {
    await m
      .createQueryBuilder()
      .insert()
      .into(QueueRemoval)
      .values({ pbxId, queue, interface: iface, attempts: 1, lastError: error })
      .orUpdate(['attempts', 'last_error'], ['pbx_id', 'queue', 'interface'])
      .execute();
  }

  /** A member logs in again with an interface whose removal is still owed: the login supersedes it. */
  private async dropOwedRemoval(pbxId: string, queue: string, iface: string): Promise<void> {
    await this.removals
      .createQueryBuilder()
      .delete()
      .where('pbx_id = :pbxId AND queue = :queue AND LOWER(interface) = LOWER(:iface)', {
        pbxId,
        queue,
        iface,
      })
      .execute();
  }

  private sendOwedRemovals(pbxId: string): Promise<void> {
    return this.serial.run(`removals:${pbxId}`, async () => {
      const owed = await this.removals.find({ where: { pbxId }, order: { createdAt: 'ASC' } });
      for (const r of owed) {
        if (this.stopping) return;
        // re-read: a login may have superseded it meanwhile
        if (!(await this.removals.existsBy({ id: r.id }))) continue;
        const outcome = await this.send(
          pbxId,
          'QueueRemove',
          { Queue: r.queue, Interface: r.interface },
          NOT_THERE,
        );
        if (outcome.status === 'pending') {
          await this.removals.update(
            { id: r.id },
            { attempts: r.attempts + 1, lastError: outcome.message ?? null },
          );
          return; // the link is down again: the next 'ready' resumes
        }
        if (outcome.status === 'rejected') {
          this.logger.warn(
            { pbxId, queue: r.queue, interface: r.interface, message: outcome.message },
            'Asterisk refused an owed QueueRemove; dropping it',
          );
        }
        await this.removals.delete({ id: r.id });
      }
    });
  }

  // ---- plumbing --------------------------------------------------------------------------------

  /** Sends one action and turns its fate into an outcome; `benign` rejections mean the change holds. */
  private async send(
    pbxId: string,
    action: string,
    fields: Record<string, string | number | boolean | undefined>,
    benign?: RegExp,
  ): Promise<AsteriskOutcome> {
    const pbx = await this.pbxName(pbxId);
    let outcome: AsteriskOutcome;
    try {
      const result = await this.gateway.action(pbxId, action, fields);
      outcome = { status: 'applied', action, message: header(result.response, 'message') };
    } catch (e) {
      if (e instanceof AppError && e.code === ErrorCode.PBX_REJECTED) {
        outcome = { status: benign?.test(e.message) ? 'applied' : 'rejected', action, message: e.message };
      } else {
        const why = e instanceof AppError ? e.message : `PBX ${pbx} did not answer`;
        if (!(e instanceof AppError))
          this.logger.warn({ err: e, pbx, action }, 'Queue action failed unexpectedly');
        outcome = { status: 'pending', action, message: `${why}: kept, applied when the link returns` };
      }
    }
    this.actions.inc({ pbx, action, outcome: outcome.status });
    this.logger.debug({ pbx, interface: fields.Interface, queue: fields.Queue, ...outcome }, 'Queue action');
    return outcome;
  }

  /** Stores the membership's sync state from what Asterisk answered to its actions. */
  private async settle(membershipId: string, outcomes: readonly AsteriskOutcome[]): Promise<void> {
    const worst = worstOutcome(outcomes);
    const state: SyncState =
      worst?.status === 'rejected' ? 'failed' : worst?.status === 'pending' ? 'pending' : 'synced';
    await this.memberships.update(
      { id: membershipId },
      {
        syncState: state,
        lastSyncError: state === 'synced' ? null : (worst?.message?.slice(0, 1000) ?? null),
        ...(state === 'synced' ? { lastSyncedAt: new Date() } : {}),
      },
    );
  }

  private target(t: MemberTarget): DirectoryQueueMember {
    return {
      membershipId: t.membership.id,
      userId: t.membership.userId,
      displayName: t.displayName,
      loggedIn: t.membership.loggedIn,
      paused: t.membership.paused,
      pausedReason: t.membership.pausedReason,
      penalty: t.membership.penalty,
      syncState: t.membership.syncState,
      dialInterface: t.peer.dialInterface,
      stateInterface: t.peer.stateInterface,
    };
  }

  private store(report: DriftReportDto): void {
    this.reports.delete(report.groupId);
    this.reports.set(report.groupId, report);
    if (this.reports.size > MAX_REPORTS) this.reports.delete(this.reports.keys().next().value!);
  }

  private async pbxName(pbxId: string): Promise<string> {
    let name = this.pbxNames.get(pbxId);
    if (!name) {
      name = await this.pbxes.get(pbxId).then(
        (p) => p.name,
        () => pbxId,
      );
      this.pbxNames.set(pbxId, name);
    }
    return name;
  }

  /** Retries what is pending on PBXes whose link is up (a timed-out action, say). */
  private async retryPending(): Promise<void> {
    if (this.stopping) return;
    try {
      const rows: { pbx_id: string }[] = await this.memberships.query(
        `SELECT DISTINCT g.pbx_id FROM directory_memberships m JOIN directory_groups g ON g.id = m.group_id
          WHERE m.sync_state = 'pending'
         UNION SELECT DISTINCT pbx_id FROM directory_queue_removals`,
      );
      for (const { pbx_id } of rows)
        if (this.gateway.isReady(pbx_id)) void this.reconcilePbx(pbx_id, 'retry');
    } catch (e) {
      this.logger.warn({ err: e }, 'Could not look for pending directory changes');
    }
  }

  private async healthCheck() {
    const [counts] = (await this.memberships.query(
      `SELECT count(*) FILTER (WHERE sync_state = 'pending')::int AS pending,
              count(*) FILTER (WHERE sync_state = 'failed')::int AS failed,
              (SELECT count(*)::int FROM directory_queue_removals) AS "owedRemovals"
         FROM directory_memberships`,
    )) as { pending: number; failed: number; owedRemovals: number }[];
    const drifting = [...this.reports.values()].filter((r) => r.status === 'drift').length;
    return {
      status: counts.failed > 0 ? ('degraded' as const) : ('up' as const),
      pendingMemberships: counts.pending,
      failedMemberships: counts.failed,
      owedRemovals: counts.owedRemovals,
      groupsWithDrift: drifting,
    };
  }
}
