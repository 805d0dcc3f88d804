/**
 * Writing AMI frames as Asterisk does (`Key: Value` CR LF lines, then an empty line), and the
 * event classes (`Privilege:`) that decide which session receives which event.
 */

/** Ordered `[key, value]` pairs: AMI clients and humans read key order, so it is kept. */
export type AmiFields = ReadonlyArray<readonly [string, string]>;

const LINE_BREAK = /[\r\n]/g;

/** One frame, terminated by the blank line. CR and LF inside values are dropped (they would end the frame). */
export function formatFrame(fields: AmiFields): string {
  let out = '';
  for (const [key, value] of fields) {
    out += `${key}: ${value.includes('\r') || value.includes('\n') ? value.replace(LINE_BREAK, '') : value}\r\n`;
  }
  return `${out}\r\n`;
}

/** `ActionID` header to echo, or nothing when the action had none (Asterisk omits the line). */
export function actionIdField(actionId: string | undefined): AmiFields {
  return actionId === undefined || actionId === '' ? [] : [['ActionID', actionId]];
}

/** Asterisk's event classes (main/manager.c `perms[]`), as bits. */
const CLASS_BITS: Readonly<Record<string, number>> = {
  system: 1 << 0,
  call: 1 << 1,
  log: 1 << 2,
  verbose: 1 << 3,
  command: 1 << 4,
  agent: 1 << 5,
  user: 1 << 6,
  config: 1 << 7,
  dtmf: 1 << 8,
  reporting: 1 << 9,
  cdr: 1 << 10,
  dialplan: 1 << 11,
  originate: 1 << 12,
  agi: 1 << 13,
  cc: 1 << 14,
  aoc: 1 << 15,
  test: 1 << 16,
  security: 1 << 17,
  message: 1 << 18,
};

export const ALL_EVENT_CLASSES = Object.values(CLASS_BITS).reduce((a, b) => a | b, 0);

/** Category bits of an event from its `Privilege:` value (`call,all` -> call). No privilege: 0. */
export function eventCategory(privilege: string | undefined): number {
  if (privilege === undefined || privilege === '') return 0;
  let bits = 0;
  for (const word of privilege.split(',')) bits |= CLASS_BITS[word.trim().toLowerCase()] ?? 0;
  return bits;
}

const TRUE_WORDS = new Set(['yes', 'true', 'y', 't', '1', 'on']);
const FALSE_WORDS = new Set(['no', 'false', 'n', 'f', '0', 'off']);

/**
 * The session event mask for an `Events:` value, as Asterisk's strings_to_mask: digits are a raw
 * mask, a true word is every class, a false word none, otherwise a comma list of class names
 * (unknown names count for nothing). Empty: undefined ("Invalid event mask").
 */
export function parseEventMask(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) & ALL_EVENT_CLASSES;
  const lower = v.toLowerCase();
  if (FALSE_WORDS.has(lower)) return 0;
  if (TRUE_WORDS.has(lower)) return ALL_EVENT_CLASSES;
  let bits = 0;
  for (const word of lower.split(',')) {
    const w = word.trim();
    bits |= w === 'all' ? ALL_EVENT_CLASSES : (CLASS_BITS[w] ?? 0);
  }
  return bits;
}

/** Asterisk's ast_true: yes/true/y/t/1/on. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && TRUE_WORDS.has(value.trim().toLowerCase());
}

/** EventTV / SessionTV as Asterisk prints them: `2026-11-22T20:57:21.031+0000`. */
export function eventTv(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
