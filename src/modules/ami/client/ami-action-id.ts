import { randomBytes } from 'node:crypto';

/**
 * ActionIDs `<random prefix>-<counter>`: unique per client instance without relying on the clock
 * (two actions in the same millisecond, or a clock step back, must never share an id), and
 * distinct between the clients of several PBXes or several processes on one AMI user.
 */
export class ActionIdGenerator {
  readonly prefix: string;
  private counter = 0;

  constructor(prefix: string = randomBytes(6).toString('hex')) {
    if (!/^[A-Za-z0-9_.]+$/.test(prefix)) throw new Error(`invalid ActionID prefix: ${prefix}`);
    this.prefix = prefix;
  }

  next(): string {
    this.counter = this.counter >= Number.MAX_SAFE_INTEGER ? 1 : this.counter + 1;
    return `${this.prefix}-${this.counter}`;
  }
}
