import type { AgiRequest } from '../../protocol/agi/agi-message.js';

/** What a route handler is given for one FastAGI request. */
export interface AgiRouteContext {
  readonly request: AgiRequest;
  /** The PBX the request came from (`pbx=` query parameter, the peer address, else the default). */
  readonly pbxId?: string;
  /** Aborted at the deadline: the answer will not be read any more. */
  readonly signal: AbortSignal;
}

/** Channel variables to set, in order, and the outcome to count (a small fixed set per route). */
export interface AgiAnswer {
  readonly outcome: string;
  readonly variables: readonly (readonly [name: string, value: string])[];
}

/**
 * One FastAGI route: `agi://host:port/<name>?...`. `handle` may use the database; when it is late
 * or fails, the server sends `fallback` instead (it must not do I/O) and closes, so that the
 * dialplan goes on as if nobody had answered.
 */
export interface AgiRoute {
  readonly name: string;
  handle(ctx: AgiRouteContext): Promise<AgiAnswer>;
  fallback(request: AgiRequest): readonly (readonly [name: string, value: string])[];
}

/** A request parameter: `?key=` of the script, else `agi_arg_<position>` (1-based), else undefined. */
export function param(request: AgiRequest, key: string, argPosition?: number): string | undefined {
  const fromQuery = request.query[key];
  if (fromQuery !== undefined && fromQuery !== '') return fromQuery;
  const fromArg = argPosition !== undefined ? request.args[argPosition - 1] : undefined;
  return fromArg !== undefined && fromArg !== '' ? fromArg : undefined;
}
