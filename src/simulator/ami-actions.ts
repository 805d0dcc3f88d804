import { createHash, randomInt } from 'node:crypto';

import { header, type AmiMessage } from '../protocol/ami/ami-message.js';
import { AmiProtocolErrorCode, type AmiProtocolError } from '../protocol/ami/ami-protocol-error.js';
import {
  actionIdField,
  eventCategory,
  eventTv,
  formatFrame,
  isTrue,
  parseEventMask,
  type AmiFields,
} from './ami-frame.js';
import type { AmiSession } from './ami-session.js';
import { extensionExists, type PbxConfig } from './lab-config.js';
import { PbxModel, type ModelChannel } from './pbx-model.js';

/** What the action handlers need from the simulator. */
export interface ActionContext {
  readonly model: PbxModel;
  readonly config: PbxConfig;
  readonly username: string;
  readonly secret: string;
  readonly authFailDelayMs: number;
  /** Send to every session that wants it (event mask, filters). */
  broadcast(text: string, category: number): void;
  loggedIn(session: AmiSession, ok: boolean): void;
  /** The session turned its events on with the Events action (after a login with Events: off). */
  eventsEnabled(session: AmiSession): void;
  /** Place an Originate that passed validation (runs asynchronously, ends with OriginateResponse). */
  originate(request: OriginateRequest): void;
}

export interface OriginateRequest {
  readonly channel: string;
  readonly context: string;
  readonly exten: string;
  readonly application: string;
  readonly callerNum: string;
  readonly callerName: string;
  readonly actionId?: string;
  readonly variables: [string, string][];
}

const SYSTEM_CLASS = eventCategory('system');
const SECURITY_CLASS = eventCategory('security');

const actionId = (msg: AmiMessage): string | undefined => header(msg, 'actionid');

function reply(s: AmiSession, fields: AmiFields): void {
  s.send(formatFrame(fields));
}

/** astman_send_ack / astman_send_error: Response, ActionID, Message. */
function respond(s: AmiSession, msg: AmiMessage, response: 'Success' | 'Error', message: string): void {
  reply(s, [['Response', response], ...actionIdField(actionId(msg)), ['Message', message]]);
}
const ack = (s: AmiSession, msg: AmiMessage, message: string): void => respond(s, msg, 'Success', message);
const fail = (s: AmiSession, msg: AmiMessage, message: string): void => respond(s, msg, 'Error', message);

/** An event list: `EventList: start` response, the items, the `...Complete` event with ListItems. */
function sendList(
  s: AmiSession,
  msg: AmiMessage,
  message: string,
  items: string[],
  completeEvent: string,
  extra: AmiFields = [],
): void {
  const id = actionIdField(actionId(msg));
  reply(s, [['Response', 'Success'], ...id, ['EventList', 'start'], ['Message', message]]);
  for (const item of items) s.send(item);
  reply(s, [
    ['Event', completeEvent],
    ...id,
    ['EventList', 'Complete'],
    ['ListItems', String(items.length)],
    ...extra,
  ]);
}

function securityFields(s: AmiSession, nowMs: number): AmiFields {
  return [
    ['EventTV', eventTv(nowMs)],
    ['Severity', 'Informational'],
    ['Service', 'AMI'],
    ['EventVersion', '1'],
    ['AccountID', s.username],
    ['SessionID', s.hexId],
    ['LocalAddress', `IPV4/TCP/${s.localAddress}/${s.localPort}`],
    ['RemoteAddress', `IPV4/TCP/${s.remoteAddress}/${s.remotePort}`],
  ];
}

/** `System uptime: 2 minutes, 55 seconds` as Asterisk's CLI prints durations. */
export function formatDuration(totalSec: number): string {
  const units: [number, string][] = [
    [365 * 86_400, 'year'],
    [7 * 86_400, 'week'],
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(totalSec));
  for (const [size, name] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
  }
  return parts.length > 0 ? parts.join(', ') : '0 seconds';
}

/** `"Alice Agent" <1001>`, `Alice <1001>`, `1001` -> [name, number]. */
export function parseCallerId(value: string): [string, string] {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(value);
  if (m) return [m[1].trim(), m[2].trim()];
  return /^[+\d*#]+$/.test(value.trim()) ? ['', value.trim()] : [value.trim(), ''];
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

const durationOf = (ch: ModelChannel, nowMs: number): string => {
  const sec = Math.max(0, Math.floor((nowMs - ch.createdAtMs) / 1000));
  return `${pad2(Math.floor(sec / 3600))}:${pad2(Math.floor((sec % 3600) / 60))}:${pad2(sec % 60)}`;
};

/**
 * Answers one action as Asterisk 22 does (main/manager.c, apps/app_queue.c; response texts as in
 * test/fixtures/asterisk-22/queue-admin.ami). Returns a promise only when the session must wait
 * (the failed-login delay).
 */
export function handleAction(ctx: ActionContext, s: AmiSession, msg: AmiMessage): void | Promise<void> {
  const action = header(msg, 'action');
  if (action === undefined || action === '') {
    fail(s, msg, 'Missing action in request');
    return;
  }
  const name = action.toLowerCase();
  if (!s.authenticated && name !== 'login' && name !== 'logoff' && name !== 'challenge') {
    fail(s, msg, 'Permission denied');
    return;
  }
  const handler = HANDLERS[name];
  if (handler === undefined) {
    fail(s, msg, `Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`);
    const now = Date.now();
    ctx.broadcast(
      formatFrame([
        ['Event', 'RequestBadFormat'],
        ['Privilege', 'security,all'],
        ...securityFields(s, now)
          .filter(([k]) => k !== 'AccountID')
          .map(([k, v]): [string, string] => (k === 'Severity' ? [k, 'Error'] : [k, v])),
        ['RequestType', `Action: ${action}`],
        ['SessionTV', eventTv(s.openedAtMs)],
        ['AccountID', s.username],
      ]),
      SECURITY_CLASS,
    );
    return;
  }
  return handler(ctx, s, msg);
}

type Handler = (ctx: ActionContext, s: AmiSession, msg: AmiMessage) => void | Promise<void>;

/** Pending MD5 challenges, per session (one short string each, dropped with the session). */
const challenges = new WeakMap<AmiSession, string>();

const HANDLERS: Readonly<Record<string, Handler>> = {
  login(ctx, s, msg) {
    if (s.authenticated) {
      ack(s, msg, 'Already authenticated');
      return;
    }
    const username = header(msg, 'username') ?? '';
    let ok = username.toLowerCase() === ctx.username.toLowerCase();
    if (ok && (header(msg, 'authtype') ?? '').toLowerCase() === 'md5') {
      const challenge = challenges.get(s);
      const key = createHash('md5')
        .update(`${challenge ?? ''}${ctx.secret}`)
        .digest('hex');
      ok = challenge !== undefined && (header(msg, 'key') ?? '').toLowerCase() === key;
    } else if (ok) {
      ok = header(msg, 'secret') === ctx.secret;
    }
    if (!ok) {
      // manager.c: sleep(1), "Authentication failed", then the session ends
      return new Promise<void>((resolve) => {
        setTimeout(() => {
          fail(s, msg, 'Authentication failed');
          s.end();
          ctx.loggedIn(s, false);
          resolve();
        }, ctx.authFailDelayMs).unref();
      });
    }
    s.authenticated = true;
    s.username = username;
    const mask = parseEventMask(header(msg, 'events'));
    if (mask !== undefined) s.eventMask = mask;
    ack(s, msg, 'Authentication accepted');
    if ((s.eventMask & SYSTEM_CLASS) !== 0) {
      const up = String(ctx.model.uptimeSec);
      reply(s, [
        ['Event', 'FullyBooted'],
        ['Privilege', 'system,all'],
        ['Uptime', up],
        ['LastReload', up],
        ['Status', 'Fully Booted'],
      ]);
    }
    ctx.broadcast(
      formatFrame([
        ['Event', 'SuccessfulAuth'],
        ['Privilege', 'security,all'],
        ...securityFields(s, Date.now()),
        ['UsingPassword', '0'],
        ['SessionTV', eventTv(s.openedAtMs)],
      ]),
      SECURITY_CLASS,
    );
    ctx.loggedIn(s, true);
  },

  challenge(_ctx, s, msg) {
    if ((header(msg, 'authtype') ?? '').toLowerCase() !== 'md5') {
      fail(s, msg, 'Must specify AuthType');
      return;
    }
    let challenge = challenges.get(s);
    if (challenge === undefined) {
      challenge = String(randomInt(1, 2 ** 31));
      challenges.set(s, challenge);
    }
    reply(s, [['Response', 'Success'], ...actionIdField(actionId(msg)), ['Challenge', challenge]]);
  },

  logoff(_ctx, s, msg) {
    reply(s, [
      ['Response', 'Goodbye'],
      ...actionIdField(actionId(msg)),
      ['Message', 'Thanks for all the fish.'],
    ]);
    s.end();
  },

  ping(_ctx, s, msg) {
    const now = Date.now();
    reply(s, [
      ['Response', 'Success'],
      ...actionIdField(actionId(msg)),
      ['Ping', 'Pong'],
      ['Timestamp', `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')}`],
    ]);
  },

  events(_ctx, s, msg) {
    const mask = parseEventMask(header(msg, 'eventmask'));
    if (mask === undefined) {
      fail(s, msg, 'Invalid event mask');
      return;
    }
    s.eventMask = mask;
    reply(s, [
      ['Response', 'Success'],
      ...actionIdField(actionId(msg)),
      ['Events', mask === 0 ? 'Off' : 'On'],
    ]);
    if (mask !== 0) _ctx.eventsEnabled(s);
  },

  filter(_ctx, s, msg) {
    if ((header(msg, 'operation') ?? '').toLowerCase() !== 'add') {
      fail(s, msg, 'Unknown operation');
      return;
    }
    if (!s.addFilter(header(msg, 'filter') ?? '')) {
      fail(s, msg, 'Filter did not compile.  Check the syntax of the filter given.');
      return;
    }
    ack(s, msg, 'Success');
  },

  queueadd(ctx, s, msg) {
    const queue = header(msg, 'queue');
    const iface = header(msg, 'interface');
    if (!queue) return fail(s, msg, "'Queue' not specified.");
    if (!iface) return fail(s, msg, "'Interface' not specified.");
    const penalty = Number.parseInt(header(msg, 'penalty') ?? '0', 10);
    const change = ctx.model.addMember(
      queue,
      iface,
      header(msg, 'membername'),
      header(msg, 'stateinterface'),
      Number.isNaN(penalty) || penalty < 0 ? 0 : penalty,
      isTrue(header(msg, 'paused')),
      header(msg, 'reason') ?? '',
    );
    finish(ctx, s, msg, change, 'Added interface to queue');
  },

  queueremove(ctx, s, msg) {
    const queue = header(msg, 'queue');
    const iface = header(msg, 'interface');
    if (!queue || !iface) return fail(s, msg, "Need 'Queue' and 'Interface' parameters.");
    finish(ctx, s, msg, ctx.model.removeMember(queue, iface), 'Removed interface from queue');
  },

  queuepause(ctx, s, msg) {
    const iface = header(msg, 'interface');
    const pausedRaw = header(msg, 'paused');
    if (!iface || !pausedRaw) return fail(s, msg, "Need 'Interface' and 'Paused' parameters.");
    const paused = isTrue(pausedRaw);
    const change = ctx.model.pauseMember(
      header(msg, 'queue') || undefined,
      iface,
      paused,
      header(msg, 'reason') ?? '',
    );
    finish(ctx, s, msg, change, paused ? 'Interface paused successfully' : 'Interface unpaused successfully');
  },

  queuepenalty(ctx, s, msg) {
    const iface = header(msg, 'interface');
    const penalty = header(msg, 'penalty');
    if (!iface || !penalty) return fail(s, msg, "Need 'Interface' and 'Penalty' parameters.");
    const change = ctx.model.setPenalty(header(msg, 'queue') || undefined, iface, Number(penalty));
    finish(ctx, s, msg, change, 'Interface penalty set successfully');
  },

  queuestatus(ctx, s, msg) {
    const items = ctx.model.queueStatusItems(
      header(msg, 'queue') || undefined,
      header(msg, 'member') || undefined,
      actionId(msg),
    );
    sendList(s, msg, 'Queue status will follow', items, 'QueueStatusComplete');
  },

  queuesummary(ctx, s, msg) {
    sendList(
      s,
      msg,
      'Queue summary will follow',
      ctx.model.queueSummaryItems(header(msg, 'queue') || undefined, actionId(msg)),
      'QueueSummaryComplete',
    );
  },

  extensionstatelist(_ctx, s, msg) {
    // the lab dialplan has no hints, so Asterisk lists none (queue-admin.ami)
    sendList(s, msg, 'Extension Statuses will follow', [], 'ExtensionStateListComplete');
  },

  devicestatelist(ctx, s, msg) {
    const id = actionIdField(actionId(msg));
    const items = ctx.model
      .listDevices()
      .map(([device, state]) =>
        formatFrame([['Event', 'DeviceStateChange'], ...id, ['Device', device], ['State', state]]),
      );
    sendList(s, msg, 'Device State Changes will follow', items, 'DeviceStateListComplete');
  },

  coreshowchannels(ctx, s, msg) {
    const id = actionIdField(actionId(msg));
    const now = Date.now();
    const items = ctx.model
      .listChannels()
      .map((ch) =>
        formatFrame([
          ['Event', 'CoreShowChannel'],
          ...id,
          ...ctx.model.channelFields(ch),
          ['Application', ch.application],
          ['ApplicationData', ch.appData],
          ['Duration', durationOf(ch, now)],
          ['BridgeId', ch.bridgeId],
        ]),
      );
    sendList(s, msg, 'Channels will follow', items, 'CoreShowChannelsComplete');
  },

  status(ctx, s, msg) {
    const wanted = header(msg, 'channel');
    let channels = ctx.model.listChannels();
    if (wanted) {
      const ch = ctx.model.findChannel(wanted);
      if (!ch) return fail(s, msg, 'No such channel');
      channels = [ch];
    }
    const id = actionIdField(actionId(msg));
    const now = Date.now();
    const items = channels.map((ch) =>
      formatFrame([
        ['Event', 'Status'],
        ['Privilege', 'Call'],
        ...ctx.model.channelFields(ch),
        ['Type', ch.name.slice(0, Math.max(0, ch.name.indexOf('/')))],
        ['DNID', ''],
        ['EffectiveConnectedLineNum', ch.connectedNum],
        ['EffectiveConnectedLineName', ch.connectedName],
        ['TimeToHangup', '0'],
        ['BridgeID', ch.bridgeId],
        ['Application', ch.application],
        ['Data', ch.appData],
        ['Nativeformats', '(slin)'],
        ['Readformat', 'slin'],
        ['Readtrans', ''],
        ['Writeformat', 'slin'],
        ['Writetrans', ''],
        ['Callgroup', '0'],
        ['Pickupgroup', '0'],
        ['Seconds', String(Math.max(0, Math.floor((now - ch.createdAtMs) / 1000)))],
        ...id,
      ]),
    );
    sendList(s, msg, 'Channel status will follow', items, 'StatusComplete', [
      ['Items', String(items.length)],
    ]);
  },

  command(ctx, s, msg) {
    const cmd = (header(msg, 'command') ?? '').trim().replace(/\s+/g, ' ');
    if (cmd === '') return fail(s, msg, 'No command provided');
    const output = cliCommand(ctx, cmd);
    reply(s, [
      ['Response', output === undefined ? 'Error' : 'Success'],
      ...actionIdField(actionId(msg)),
      ['Message', 'Command output follows'],
      ...(
        output ?? [`No such command '${cmd}' (type 'core show help ${cmd}' for other possible commands)`]
      ).map((line): [string, string] => ['Output', line]),
    ]);
  },

  corestatus(ctx, s, msg) {
    const boot = new Date(Date.now() - ctx.model.uptimeSec * 1000);
    const date = `${boot.getFullYear()}-${pad2(boot.getMonth() + 1)}-${pad2(boot.getDate())}`;
    const time = `${pad2(boot.getHours())}:${pad2(boot.getMinutes())}:${pad2(boot.getSeconds())}`;
    reply(s, [
      ['Response', 'Success'],
      ...actionIdField(actionId(msg)),
      ['CoreStartupDate', date],
      ['CoreStartupTime', time],
      ['CoreReloadDate', date],
      ['CoreReloadTime', time],
      ['CoreCurrentCalls', String(ctx.model.channelCount)],
    ]);
  },

  originate(ctx, s, msg) {
    const channel = header(msg, 'channel') ?? '';
    const exten = header(msg, 'exten') ?? '';
    const context = header(msg, 'context') ?? '';
    const priority = header(msg, 'priority') ?? '';
    const timeout = header(msg, 'timeout') ?? '';
    const application = header(msg, 'application') ?? '';
    if (channel === '') return fail(s, msg, 'Channel not specified');
    if (priority !== '' && !/^\d+$/.test(priority)) return fail(s, msg, 'Invalid priority');
    if (timeout !== '' && !/^-?\d+$/.test(timeout)) return fail(s, msg, 'Invalid timeout');
    if (!channel.includes('/')) return fail(s, msg, 'Invalid channel');
    if (application === '') {
      if (exten === '' || context === '')
        return fail(s, msg, "Originate with 'Exten' requires 'Context' and 'Priority'");
      if (!extensionExists(ctx.config, context, exten)) return fail(s, msg, 'Extension does not exist.');
    }
    const [callerName, callerNum] = parseCallerId(header(msg, 'callerid') ?? '');
    // Asterisk 22 answers every Originate the same way; the outcome arrives as OriginateResponse
    ack(s, msg, 'Originate successfully queued');
    ctx.originate({
      channel,
      context,
      exten,
      application,
      callerNum,
      callerName,
      actionId: actionId(msg),
      variables: PbxModel.variables(msg),
    });
  },

  redirect(ctx, s, msg) {
    const name = header(msg, 'channel') ?? '';
    const context = header(msg, 'context') ?? '';
    const exten = header(msg, 'exten') ?? '';
    const priority = header(msg, 'priority') ?? '';
    if (name === '') return fail(s, msg, 'Channel not specified');
    if (context === '') return fail(s, msg, 'Context not specified');
    if (exten === '') return fail(s, msg, 'Exten not specified');
    if (priority === '') return fail(s, msg, 'Priority not specified');
    if (!/^\d+$/.test(priority) || Number(priority) < 1) return fail(s, msg, 'Priority is invalid');
    const ch = ctx.model.findChannel(name);
    if (!ch) return fail(s, msg, `Channel does not exist: ${name}`);
    const extraName = header(msg, 'extrachannel') ?? '';
    const extra = extraName === '' ? undefined : ctx.model.findChannel(extraName);
    if (extraName !== '' && !extra) return fail(s, msg, `ExtraChannel does not exist: ${extraName}`);
    for (const c of extra ? [ch, extra] : [ch]) {
      c.context = c === extra ? header(msg, 'extracontext') || context : context;
      c.exten = c === extra ? header(msg, 'extraexten') || exten : exten;
      c.priority = c === extra ? header(msg, 'extrapriority') || priority : priority;
    }
    ack(s, msg, extra ? 'Dual Redirect successful' : 'Redirect successful');
  },

  hangup(ctx, s, msg) {
    const target = header(msg, 'channel') ?? '';
    if (target === '') return fail(s, msg, 'No channel specified');
    const causeRaw = Number(header(msg, 'cause') ?? '');
    const cause = Number.isInteger(causeRaw) && causeRaw > 0 && causeRaw <= 127 ? causeRaw : 16;
    if (!target.startsWith('/')) {
      if (!ctx.model.findChannel(target)) return fail(s, msg, 'No such channel');
      ack(s, msg, 'Channel Hungup');
      for (const ev of ctx.model.hangup(target, cause)) ctx.broadcast(ev, eventCategory('call'));
      return;
    }
    const m = /^\/(.*)\/$/.exec(target);
    let re: RegExp;
    try {
      if (!m) throw new Error('not /regex/');
      re = new RegExp(m[1]);
    } catch {
      return fail(
        s,
        msg,
        m ? `Regex compile failed on: ${target}` : 'Regex format invalid, Channel param should be /regex/',
      );
    }
    const id = actionIdField(actionId(msg));
    const hung = ctx.model.listChannels().filter((ch) => re.test(ch.name));
    const items = hung.map((ch) => formatFrame([['Event', 'ChannelHungup'], ['Channel', ch.name], ...id]));
    sendList(s, msg, 'Channels hung up will follow', items, 'ChannelsHungupListComplete');
    for (const ch of hung)
      for (const ev of ctx.model.hangup(ch.name, cause)) ctx.broadcast(ev, eventCategory('call'));
  },

  getvar(ctx, s, msg) {
    const variable = header(msg, 'variable') ?? '';
    if (variable === '') return fail(s, msg, 'No variable specified');
    const name = header(msg, 'channel') ?? '';
    let ch: ModelChannel | undefined;
    if (name !== '') {
      ch = ctx.model.findChannel(name);
      if (!ch) return fail(s, msg, 'No such channel');
    }
    reply(s, [
      ['Response', 'Success'],
      ...actionIdField(actionId(msg)),
      ['Variable', variable],
      ['Value', readVariable(ctx, ch, variable)],
    ]);
  },

  /** app_mixmonitor.c manager_mixmonitor: Success without a Message, then the channel's events. */
  mixmonitor(ctx, s, msg) {
    const name = header(msg, 'channel') ?? '';
    if (name === '') return fail(s, msg, 'No channel specified');
    const ch = ctx.model.findChannel(name);
    if (!ch) return fail(s, msg, 'No such channel');
    const file = header(msg, 'file') ?? '';
    // mixmonitor_exec refuses to run without a file (the r()/t() options aside, not simulated)
    if (file === '') return fail(s, msg, 'Could not start monitoring channel');
    reply(s, [['Response', 'Success'], ...actionIdField(actionId(msg))]);
    const { varSet, started } = ctx.model.startMixMonitor(ch, file);
    ctx.broadcast(varSet, eventCategory('dialplan'));
    ctx.broadcast(started, eventCategory('call'));
  },

  setvar(ctx, s, msg) {
    const variable = header(msg, 'variable') ?? '';
    if (variable === '') return fail(s, msg, 'No variable specified');
    const value = header(msg, 'value') ?? '';
    const name = header(msg, 'channel') ?? '';
    if (name === '') {
      ctx.model.setGlobal(variable, value);
      ack(s, msg, 'Variable Set');
      return;
    }
    const ch = ctx.model.findChannel(name);
    if (!ch) return fail(s, msg, 'No such channel');
    ack(s, msg, 'Variable Set');
    ctx.broadcast(ctx.model.setChannelVar(ch, variable, value), eventCategory('dialplan'));
  },
};

function finish(
  ctx: ActionContext,
  s: AmiSession,
  msg: AmiMessage,
  change: { error?: string; events: string[] },
  okMessage: string,
): void {
  if (change.error !== undefined) {
    fail(s, msg, change.error);
    return;
  }
  ack(s, msg, okMessage);
  for (const ev of change.events) ctx.broadcast(ev, eventPrivilege(ev));
}

/** Class bits of an event text we built (its Privilege line). */
function eventPrivilege(text: string): number {
  const m = /\r\nPrivilege: ([^\r]*)\r\n/.exec(text);
  return eventCategory(m?.[1]);
}

function readVariable(ctx: ActionContext, ch: ModelChannel | undefined, variable: string): string {
  const fn = /^(\w+)\((.*)\)$/.exec(variable);
  if (fn && ch) {
    const [, func, arg] = fn;
    if (func.toUpperCase() === 'CALLERID') {
      if (arg === 'num') return ch.callerIdNum;
      if (arg === 'name') return ch.callerIdName;
      return `"${ch.callerIdName}" <${ch.callerIdNum}>`;
    }
    if (func.toUpperCase() === 'CHANNEL' && arg === 'name') return ch.name;
  }
  if (ch) {
    switch (variable) {
      case 'UNIQUEID':
        return ch.uniqueid;
      case 'CHANNEL':
        return ch.name;
      case 'CONTEXT':
        return ch.context;
      case 'EXTEN':
        return ch.exten;
    }
    const v = ch.vars.get(variable);
    if (v !== undefined) return v;
  }
  return ctx.model.getGlobal(variable) ?? '';
}

/** The few CLI commands a CRM sends; undefined: unknown command. */
function cliCommand(ctx: ActionContext, cmd: string): string[] | undefined {
  const lower = cmd.toLowerCase();
  if (lower === 'core show uptime' || lower === 'core show uptime seconds') {
    const up = ctx.model.uptimeSec;
    return lower.endsWith('seconds')
      ? [`System uptime: ${up}`, `Last reload: ${up}`]
      : [`System uptime: ${formatDuration(up)}`, `Last reload: ${formatDuration(up)}`];
  }
  if (lower === 'core show version') {
    return ['Asterisk 22.10.1 built by switchboard @ simulator on a x86_64 running Linux'];
  }
  if (lower === 'core show channels' || lower === 'core show channels count') {
    const channels = ctx.model.listChannels();
    const calls = new Set(channels.map((c) => c.linkedid)).size;
    return [
      `${channels.length} active channel${channels.length === 1 ? '' : 's'}`,
      `${calls} active call${calls === 1 ? '' : 's'}`,
    ];
  }
  return undefined;
}

/** A parse error on a client's frame: answered as Asterisk answers an unusable request. */
export function parseErrorResponse(s: AmiSession, err: AmiProtocolError): void {
  const message =
    err.code === AmiProtocolErrorCode.TOO_MANY_HEADERS
      ? 'Too many lines in message or allocation failure'
      : err.code === AmiProtocolErrorCode.MALFORMED_LINE
        ? 'Missing action in request'
        : 'Failed to parse message: line too long';
  reply(s, [
    ['Response', 'Error'],
    ['Message', message],
  ]);
}
