/**
 * The PBX the recordings were made on (test/fixtures/asterisk-22/lab-config/): its queues and the
 * contexts of its dialplan, as plain data. The simulator boots into this state.
 */
export interface QueueMemberConfig {
  readonly interface: string;
  readonly name: string;
  readonly stateInterface: string;
  readonly penalty: number;
}

export interface QueueConfig {
  readonly name: string;
  readonly strategy: string;
  /** queues.conf `ringinuse` (no in the lab). */
  readonly ringinuse: boolean;
  readonly members: readonly QueueMemberConfig[];
}

export interface PbxConfig {
  readonly queues: readonly QueueConfig[];
  /** context -> extension patterns (`_10XX`, `_X.`, `s`, `h`). */
  readonly dialplan: Readonly<Record<string, readonly string[]>>;
  /** DID dialled to reach a queue when it is not the default one (extensions.conf [incoming]). */
  readonly queueDids: Readonly<Record<string, string>>;
}

export const LAB_PBX: PbxConfig = {
  queues: [
    {
      name: 'support',
      strategy: 'ringall',
      ringinuse: false,
      members: [
        { interface: 'Local/1001@phones/n', name: 'Alice Agent', stateInterface: 'Custom:1001', penalty: 0 },
        { interface: 'Local/1002@phones/n', name: 'Bob Agent', stateInterface: 'Custom:1002', penalty: 0 },
      ],
    },
    {
      name: 'sales',
      strategy: 'rrmemory',
      ringinuse: false,
      members: [
        { interface: 'Local/1003@phones/n', name: 'Carol Agent', stateInterface: 'Custom:1003', penalty: 0 },
      ],
    },
  ],
  dialplan: {
    phones: ['_10XX', 'h'],
    incoming: ['_X.'],
    customer: ['s'],
    outbound: ['_X.'],
  },
  queueDids: { sales: '74957770000' },
};

/** Asterisk extension pattern (`_NXX.`, `_[1-3]X!`) or literal, as a RegExp. */
function patternRegex(pattern: string): RegExp {
  if (!pattern.startsWith('_')) return new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  let re = '^';
  const p = pattern.slice(1);
  for (let i = 0; i < p.length; i++) {
    const c = p[i].toUpperCase();
    if (c === 'X') re += '[0-9]';
    else if (c === 'Z') re += '[1-9]';
    else if (c === 'N') re += '[2-9]';
    else if (c === '.') re += '.+';
    else if (c === '!') re += '.*';
    else if (c === '[') {
      const end = p.indexOf(']', i);
      if (end === -1) return /$^/;
      re += `[${p.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

export function extensionExists(config: PbxConfig, context: string, exten: string): boolean {
  const patterns = config.dialplan[context];
  return patterns !== undefined && patterns.some((p) => patternRegex(p).test(exten));
}
