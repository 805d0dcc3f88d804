import { createReadStream, appendFileSync, mkdirSync } from 'node:fs';
import { appendFile, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type CommEventDraft, reviveDraft } from './comm-event-draft.js';

const ACTIVE = 'comm-events.jsonl';
const REPLAYING = 'comm-events.replaying.jsonl';
const REJECTED = 'comm-events.rejected.jsonl';

/**
 * The local append-only journal (JSON lines) that holds CommEvent drafts the database could not
 * take: the writer spills its buffer here when it would overflow, and at shutdown when the
 * database is gone. Replay renames the file first, so spills during a replay go to a fresh file
 * and nothing is read twice or lost; a replaying file left by a crash is replayed again (the
 * upsert is idempotent). Appends and renames are serialised.
 */
export class CommEventJournal {
  private readonly active: string;
  private readonly replaying: string;
  private readonly rejected: string;
  private tail: Promise<unknown> = Promise.resolve();
  private activeRecords = 0;
  /** Handed to append() and not yet on disk. */
  private queuedRecords = 0;
  private replayRecords = 0;
  private dirReady = false;

  constructor(readonly dir: string) {
    this.active = join(dir, ACTIVE);
    this.replaying = join(dir, REPLAYING);
    this.rejected = join(dir, REJECTED);
  }

  /** Drafts in the journal, not yet replayed. */
  get records(): number {
    return this.queuedRecords + this.activeRecords + this.replayRecords;
  }

  /** Counts what an earlier run left. */
  async init(): Promise<void> {
    this.activeRecords = await countLines(this.active);
    this.replayRecords = await countLines(this.replaying);
  }

  /** Appends `count` drafts, produced when the journal's turn comes (counted as journaled at once). */
  append(count: number, produce: () => readonly CommEventDraft[]): Promise<void> {
    if (count === 0) return Promise.resolve();
    this.queuedRecords += count;
    return this.serial(async () => {
      try {
        const drafts = produce();
        await this.ensureDir();
        await appendFile(this.active, lines(drafts), { mode: 0o600 });
        this.activeRecords += drafts.length;
      } finally {
        this.queuedRecords -= count;
      }
    });
  }

  /** Resolves once every append and rename asked so far is done. */
  settled(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  /** At shutdown, when there is no later turn to wait for. */
  appendSync(drafts: readonly CommEventDraft[]): void {
    if (drafts.length === 0) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    appendFileSync(this.active, lines(drafts), { mode: 0o600 });
    this.activeRecords += drafts.length;
  }

  /** Drafts the database refused for what they hold (not for being down): kept for a person to look at. */
  reject(draft: CommEventDraft, reason: string): Promise<void> {
    return this.serial(async () => {
      await this.ensureDir();
      await appendFile(this.rejected, `${JSON.stringify({ reason, draft })}\n`, { mode: 0o600 });
    });
  }

  /** Makes the journal's content the replaying file; false when there is nothing to replay. */
  openReplay(): Promise<boolean> {
    return this.serial(async () => {
      if (this.replayRecords > 0 || (await exists(this.replaying))) return true;
      if (this.activeRecords === 0 && !(await exists(this.active))) return false;
      await rename(this.active, this.replaying);
      this.replayRecords = this.activeRecords;
      this.activeRecords = 0;
      return true;
    }) as Promise<boolean>;
  }

  /** The replaying file in chunks of at most `size` drafts (torn or foreign lines are skipped). */
  async *chunks(size: number): AsyncGenerator<CommEventDraft[]> {
    const rl = createInterface({
      input: createReadStream(this.replaying, { encoding: 'utf8' }),
      crlfDelay: Infinity,
    });
    let chunk: CommEventDraft[] = [];
    try {
      for await (const line of rl) {
        if (line.length === 0) continue;
        const draft = reviveDraft(line);
        if (draft === undefined) continue;
        chunk.push(draft);
        if (chunk.length >= size) {
          yield chunk;
          chunk = [];
        }
      }
      if (chunk.length > 0) yield chunk;
    } finally {
      rl.close();
    }
  }

  /** Every draft of the replaying file is in the database: the file goes. */
  finishReplay(): Promise<void> {
    return this.serial(async () => {
      await unlink(this.replaying).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      this.replayRecords = 0;
    });
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.tail.then(op, op);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async ensureDir(): Promise<void> {
    if (this.dirReady) return;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.dirReady = true;
  }
}

function lines(drafts: readonly CommEventDraft[]): string {
  let text = '';
  for (const d of drafts) text += `${JSON.stringify(d)}\n`;
  return text;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function countLines(path: string): Promise<number> {
  if (!(await exists(path))) return 0;
  let n = 0;
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) if (line.length > 0) n++;
  return n;
}
