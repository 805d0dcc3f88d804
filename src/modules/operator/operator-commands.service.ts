import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AgentStatus, DialProgress } from '../../client/operator-protocol.js';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import { AppConfig } from '../../config/app-config.js';
import { AmiGatewayService } from '../ami/ami-gateway.service.js';
import type { Principal } from '../auth/principal.js';
import { isExtensionNumber } from '../calls/tracker/index.js';
import { PbxService } from '../pbx/pbx.service.js';
import { AgentStatusService } from './agent-status.service.js';
import { OperatorCommandForwarder } from './operator-command-forwarder.js';
import { DIAL_ID_VARIABLE, OperatorEventsService } from './operator-events.service.js';
import { parseCallId } from './operator-call-id.js';
import { OperatorPorts } from './ports/operator-ports.service.js';
import type { OperatorPeer } from './ports/operator-ports.js';
import { CALL_CLAIMS, type CallClaims } from './state/call-claims.js';
import { IDEMPOTENCY_STORE, type IdempotencyStore } from './state/idempotency-store.js';

/** An Answer holds the call this long at most while the Redirect is on its way. */
const CLAIM_TTL_MS = 30_000;
/** How long the operator's phone rings for a click-to-call. */
const ORIGINATE_RING_MS = 30_000;
/** Where a Local channel interface names its dialplan: `Local/1001@phones/n` -> phones. */
const LOCAL_INTERFACE = /^Local\/([^@/]+)@([^/]+)/i;

/** Who a command is for: the operator themselves, or a CRM back end acting for one (REST). */
export interface CommandActor {
  principal: Principal;
  /** The operator on whose phone the command acts. */
  userId: string;
  /** Prefix of idempotency keys: one user's keys never meet another's. */
  keyScope: string;
}

/** Characters a phone number may have once spaces, dashes, dots and brackets are dropped. */
export function cleanNumber(raw: string): string {
  const n = raw.replace(/[\s\-().]/g, '');
  if (!/^\+?[0-9*#]{2,32}$/.test(n)) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'Invalid request: number', [
      { field: 'number', message: 'a phone number: digits, optionally a leading +, * and #' },
    ]);
  }
  return n;
}

/**
 * The operator commands, behind both edges (the Socket.IO gateway and the REST controller):
 * answer a ringing queue call (AMI Redirect of the waiting caller to the operator's phone, one
 * winner), click-to-call (Originate: the operator's phone first, then the number), blind transfer
 * (Redirect of the other party), hang up, pause and unpause (through the directory). Every
 * command with an idempotency key runs once per key.
 */
@Injectable()
export class OperatorCommandsService {
  private readonly logger = new Logger(OperatorCommandsService.name);

  constructor(
    private readonly events: OperatorEventsService,
    private readonly agents: AgentStatusService,
    private readonly ports: OperatorPorts,
    private readonly gateway: AmiGatewayService,
    private readonly pbxes: PbxService,
    private readonly config: AppConfig,
    @Inject(IDEMPOTENCY_STORE) private readonly idempotency: IdempotencyStore,
    @Inject(CALL_CLAIMS) private readonly claims: CallClaims,
    readonly forwarder: OperatorCommandForwarder,
  ) {
    // Commands forwarded by other instances for a PBX this one ingests.
    forwarder.serve((op, actor, args) => {
      const a = args as [string, string?];
      if (op === 'answer') return this.answer(actor, a[0]);
      if (op === 'dial') return this.dial(actor, a[0], a[1]);
      if (op === 'transfer') return this.transfer(actor, a[0], a[1] ?? '');
      return this.hangup(actor, a[0]);
    });
  }

  /** Runs a command once per (actor, key); without a key (REST without one), just runs it. */
  once<T>(
    actor: CommandActor,
    key: string | undefined,
    fingerprint: string,
    run: () => Promise<T>,
  ): Promise<T> {
    if (!key) return run();
    return this.idempotency.once(`${actor.keyScope}\n${key}`, fingerprint, run);
  }

  async answer(actor: CommandActor, callId: string): Promise<{ callId: string; extension: string }> {
    const { pbxId, linkedid } = parseCallId(callId);
    if (this.forwarder.elsewhere(pbxId)) return this.forwarder.forward(pbxId, 'answer', actor, [callId]);
    const { userId } = actor;
    const extension = this.events.offers.extensionOf(callId, userId);
    if (!extension) {
      throw AppError.notFound('Ringing call', `${callId} (not offered to you, or no longer ringing)`);
    }
    const holder = await this.claims.claim(callId, userId, CLAIM_TTL_MS);
    if (holder !== userId) throw AppError.conflict('Another operator is already taking this call');
    try {
      const channels = this.events.channelsOf(pbxId);
      const caller = channels.queueCaller(linkedid) ?? channels.counterpart(linkedid, extension);
      if (!caller) throw AppError.notFound('Waiting caller', `of call ${callId} (the caller is gone)`);
      const peer = await this.peer(userId, pbxId);
      await this.gateway.action(pbxId, 'Redirect', {
        Channel: caller,
        Context: this.phonesContext(peer),
        Exten: peer?.extension ?? extension,
        Priority: '1',
      });
    } catch (e) {
      await this.claims.release(callId, userId);
      throw e;
    }
    this.events.offers.end(callId, userId);
    await this.events.retractOthers(callId, userId, { extension, name: null });
    this.logger.log(
      { pbx: pbxId, linkedid, userId, extension },
      'Call answered from the console: caller redirected',
    );
    return { callId, extension };
  }

  async dial(actor: CommandActor, rawNumber: string, pbxRef?: string): Promise<DialProgress> {
    const number = cleanNumber(rawNumber);
    const pbxId = pbxRef ? (await this.pbxes.resolve(pbxRef)).id : undefined;
    const peer = await this.peer(actor.userId, pbxId);
    if (!peer) {
      throw AppError.conflict(
        'You have no phone to call from: ask for a peer, or log in to a group with one',
      );
    }
    // Its progress comes from the PBX's events: run it where they are ingested.
    if (this.forwarder.elsewhere(peer.pbxId))
      return this.forwarder.forward(peer.pbxId, 'dial', actor, [rawNumber, peer.pbxId]);
    const pbx = await this.pbxes.get(peer.pbxId);
    const trunk = peer.trunk ?? pbx.defaultTrunk;
    const dialId = randomUUID();
    const progress = this.events.dials.start(dialId, actor.userId, peer.pbxId, number);
    const target =
      trunk && trunk.includes('{number}')
        ? { Application: 'Dial', Data: trunk.replaceAll('{number}', number) }
        : { Context: this.config.operator.outboundContext, Exten: number, Priority: '1' };
    const variables = [`${DIAL_ID_VARIABLE}=${dialId}`, `CRM_USER_ID=${actor.userId}`];
    if (this.config.operator.recordOutCalls) variables.push('CRM_RECORD=1');
    try {
      const result = await this.gateway.action(peer.pbxId, 'Originate', {
        Channel: peer.dialInterface,
        ...target,
        CallerID: peer.callerId ?? peer.extension,
        Timeout: String(ORIGINATE_RING_MS),
        Variable: variables,
      });
      this.events.dials.accepted(dialId, result.actionId);
      this.logger.log(
        {
          pbx: peer.pbxId,
          userId: actor.userId,
          dialId,
          actionId: result.actionId,
          extension: peer.extension,
        },
        'Click-to-call originated',
      );
    } catch (e) {
      this.events.advanceDial(dialId, 'failed', {
        cause: null,
        causeText: e instanceof AppError ? e.message : 'Originate failed',
      });
      throw e;
    }
    return this.events.dials.get(dialId)?.progress ?? progress;
  }

  async transfer(
    actor: CommandActor,
    callId: string,
    rawTo: string,
  ): Promise<{ callId: string; to: string }> {
    const { pbxId, linkedid } = parseCallId(callId);
    if (this.forwarder.elsewhere(pbxId))
      return this.forwarder.forward(pbxId, 'transfer', actor, [callId, rawTo]);
    const to = cleanNumber(rawTo);
    const peer = await this.onCall(actor, pbxId, linkedid, callId);
    const other = this.events.channelsOf(pbxId).counterpart(linkedid, peer.extension);
    if (!other) throw AppError.notFound('Other party', `of call ${callId}`);
    const internal = isExtensionNumber(to);
    await this.gateway.action(pbxId, 'Redirect', {
      Channel: other,
      Context: internal ? this.phonesContext(peer) : this.config.operator.outboundContext,
      Exten: to,
      Priority: '1',
    });
    return { callId, to };
  }

  async hangup(actor: CommandActor, callId: string): Promise<{ callId: string }> {
    const { pbxId, linkedid } = parseCallId(callId);
    if (this.forwarder.elsewhere(pbxId)) return this.forwarder.forward(pbxId, 'hangup', actor, [callId]);
    const peer = await this.onCall(actor, pbxId, linkedid, callId);
    const channels = this.events.channelsOf(pbxId);
    const other = channels.counterpart(linkedid, peer.extension);
    const targets = other ? [other] : channels.agentChannels(linkedid, peer.extension);
    if (targets.length === 0) throw AppError.notFound('Call', `${callId} (already over)`);
    for (const channel of targets)
      await this.gateway.action(pbxId, 'Hangup', { Channel: channel, Cause: '16' });
    return { callId };
  }

  async setPaused(
    actor: CommandActor,
    paused: boolean,
    reason: string | undefined,
  ): Promise<{ agent: AgentStatus }> {
    await this.ports.directory.setPaused(actor.principal, actor.userId, paused, reason);
    this.agents.forget(actor.userId);
    this.events.agentStatusChanged(actor.userId);
    return { agent: await this.agents.status(actor.userId) };
  }

  /** The operator's phone on the call's PBX, when the operator is on the call. */
  private async onCall(
    actor: CommandActor,
    pbxId: string,
    linkedid: string,
    callId: string,
  ): Promise<OperatorPeer> {
    const peer = await this.peer(actor.userId, pbxId);
    // On it: the agent who took it (or placed it), or the operator whose click-to-call it is; a
    // phone that only rang is not. And one of the phone's channels is still in the call.
    const call = this.ports.calls
      ?.trackerOf(pbxId)
      ?.liveCalls()
      .find((c) => c.linkedid === linkedid);
    const theirs =
      call !== undefined &&
      peer !== null &&
      (call.agentExtension === peer.extension || call.variables.CRM_USER_ID === actor.userId);
    if (theirs && this.events.channelsOf(pbxId).agentChannels(linkedid, peer.extension).length > 0)
      return peer;
    // Not (or no longer) on it: the same answer whether the call exists or not.
    throw AppError.notFound('Call', `${callId} (you are not on it)`);
  }

  private async peer(userId: string, pbxId: string | undefined): Promise<OperatorPeer | null> {
    return this.ports.directory.peerOfUser(userId, pbxId);
  }

  /** The context the operator's extension is dialled in: from a Local interface, else PHONES_CONTEXT. */
  private phonesContext(peer: OperatorPeer | null): string {
    const m = peer ? LOCAL_INTERFACE.exec(peer.dialInterface) : null;
    return m?.[2] ?? this.config.operator.phonesContext;
  }
}
