import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CallEventsBus } from '../../calls/call-events.bus.js';
import { CallsService } from '../../calls/calls.service.js';
import { CommEventsService } from '../../calls/comm-events/comm-events.service.js';
import { type AgentDirectory, CALLS_AGENT_DIRECTORY } from '../../calls/ports/calls.ports.js';
import { CommEventsOperatorAdapter } from './comm-events-adapter.js';
import { DirectoryOperatorAdapter } from './directory-adapter.js';
import {
  OPERATOR_COMM_EVENTS,
  OPERATOR_DIRECTORY,
  type OperatorCommEvents,
  type OperatorDirectory,
} from './operator-ports.js';

/** Until the calls module answers these, popups show no history and call:ended no CommEvent id. */
const NO_COMM_EVENTS: OperatorCommEvents = {
  idOf: () => Promise.resolve(null),
  previousCalls: () => Promise.resolve([]),
};

/**
 * Binds the gateway's ports once the app is built (the same pattern as the calls module's
 * CallsPorts): a provider of the token anywhere in the app wins; otherwise the directory is read
 * through its services (DirectoryOperatorAdapter) and the history port stays empty. The calls
 * module's service and bus are found the same way, so the operator module does not depend on
 * the calls module being loaded (a bare gateway still authenticates and answers commands).
 */
@Injectable()
export class OperatorPorts implements OnApplicationBootstrap {
  private readonly logger = new Logger(OperatorPorts.name);
  directory!: OperatorDirectory;
  commEvents: OperatorCommEvents = NO_COMM_EVENTS;
  calls: CallsService | undefined;
  bus: CallEventsBus | undefined;
  private readonly bootstrapHooks: (() => void)[] = [];

  constructor(private readonly moduleRef: ModuleRef) {}

  /** Runs `fn` once the ports are bound (subscribers to the bus register here). */
  whenBound(fn: () => void): void {
    this.bootstrapHooks.push(fn);
  }

  onApplicationBootstrap(): void {
    this.directory =
      this.find<OperatorDirectory>(OPERATOR_DIRECTORY) ??
      new DirectoryOperatorAdapter(this.moduleRef, this.find<AgentDirectory>(CALLS_AGENT_DIRECTORY));
    const history = this.find(CommEventsService);
    this.commEvents =
      this.find<OperatorCommEvents>(OPERATOR_COMM_EVENTS) ??
      (history ? new CommEventsOperatorAdapter(history) : NO_COMM_EVENTS);
    this.calls = this.find(CallsService);
    this.bus = this.find(CallEventsBus);
    const missing = [
      this.calls && this.bus ? undefined : 'calls (no popups, no call events)',
      this.commEvents === NO_COMM_EVENTS
        ? 'comm events (no call history in popups, call:ended without CommEvent id)'
        : undefined,
    ].filter((m) => m !== undefined);
    if (missing.length > 0) this.logger.warn({ missing }, 'Operator gateway: some ports have no provider');
    for (const fn of this.bootstrapHooks) fn();
  }

  private find<T>(token: symbol | (abstract new (...args: never[]) => T)): T | undefined {
    try {
      return this.moduleRef.get<T>(token as never, { strict: false });
    } catch {
      return undefined;
    }
  }
}
