import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StringDecoder } from 'node:string_decoder';

/** One frame as asterisk-manager 0.2.x emits it on 'rawevent': lower-cased keys on a plain object. */
export type AsteriskManagerItem = Record<string, unknown>;

type Emitter = { emit(name: string, item: AsteriskManagerItem): void };
type ManagerReader = (this: Emitter, context: object, data: string) => void;

let reader: ManagerReader | undefined;

/**
 * asterisk-manager parses inside `ManagerReader(context, data)`, a private function of lib/ami.js bound
 * to the socket's 'data' event. To run exactly that code without a socket, lib/ami.js is evaluated
 * unchanged inside a wrapper that returns the function.
 */
export function loadAsteriskManagerReader(): ManagerReader {
  if (reader) return reader;
  const require = createRequire(import.meta.url);
  const path = require.resolve('asterisk-manager/lib/ami.js');
  const source = readFileSync(path, 'utf8');
  const factory = new Function('require', 'module', 'exports', `${source}\n;return ManagerReader;`) as (
    req: NodeJS.Require,
    module: { exports: unknown },
    exports: unknown,
  ) => ManagerReader;
  reader = factory(createRequire(path), { exports: {} }, {});
  return reader;
}

/**
 * asterisk-manager's parse path fed with Buffers: the socket it normally reads has
 * `setEncoding('utf-8')`, i.e. a StringDecoder in front of ManagerReader, so one is used here too.
 */
export class AsteriskManagerParser {
  private readonly read = loadAsteriskManagerReader();
  private readonly decoder = new StringDecoder('utf8');
  private readonly context = {};
  private readonly emitter: Emitter;

  constructor(onItem: (item: AsteriskManagerItem) => void) {
    this.emitter = {
      emit: (name, item) => {
        if (name === 'rawevent') onItem(item);
      },
    };
  }

  push(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    if (text.length > 0) this.read.call(this.emitter, this.context, text);
  }
}
