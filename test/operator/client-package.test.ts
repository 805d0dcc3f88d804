import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * The typed client as a CRM front end gets it: `import ... from 'switchboard/client'` through the
 * package's "exports" (run by Node, type-checked by tsc against the emitted declarations). The
 * consumers live under dist/ so that the package resolves itself by name.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const CONSUMERS = join(ROOT, 'dist', 'client-package-test');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const run = promisify(execFile);

/** tsc on one consumer file, with a browser app's settings (DOM, no Node types). */
function typeCheck(file: string): Promise<{ ok: boolean; output: string }> {
  const config = `${file}.tsconfig.json`;
  const compilerOptions = { noEmit: true, strict: true, module: 'nodenext', moduleResolution: 'nodenext' };
  Object.assign(compilerOptions, { target: 'ES2022', lib: ['ES2023', 'DOM'], types: [], skipLibCheck: true });
  writeFileSync(config, JSON.stringify({ compilerOptions, files: [file] }));
  return run(process.execPath, [TSC, '-p', config], { cwd: ROOT }).then(
    (r) => ({ ok: true, output: r.stdout + r.stderr }),
    (e: { stdout?: string; stderr?: string }) => ({
      ok: false,
      output: `${e.stdout ?? ''}${e.stderr ?? ''}`,
    }),
  );
}

describe("the operator client package ('switchboard/client')", () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/src/client/operator-client.d.ts'))) {
      throw new Error('dist/ has no client declarations: run `npm run build` first (npm test does it)');
    }
    mkdirSync(CONSUMERS, { recursive: true });
  });
  afterAll(() => rmSync(CONSUMERS, { recursive: true, force: true }));

  it('loads by its package name in Node, with the client class and the protocol constants', async () => {
    const script = `const m = await import('switchboard/client');
console.log(JSON.stringify({ client: typeof m.OperatorClient, error: typeof m.OperatorCommandError, ns: m.OPERATOR_NAMESPACE }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    expect(JSON.parse(stdout)).toEqual({ client: 'function', error: 'function', ns: '/operator' });
  });

  it('gives a TypeScript consumer the event and command types, and refuses misuse', async () => {
    const good = join(CONSUMERS, 'good.ts');
    writeFileSync(
      good,
      `import { OperatorClient, type CallOffered } from 'switchboard/client';
const client = new OperatorClient({ url: 'http://localhost:3000', token: () => 'jwt', autoConnect: false });
client.on('call:offered', (call: CallOffered) => {
  const caller: string | null = call.callerNumber;
  void caller;
  void client.answer(call.callId);
});
export {};
`,
    );
    const bad = join(CONSUMERS, 'bad.ts');
    writeFileSync(
      bad,
      `import { OperatorClient } from 'switchboard/client';
const client = new OperatorClient({ url: 'http://localhost:3000', token: 'jwt', autoConnect: false });
client.on('call:offered', (call) => {
  const wait: string = call.waitSeconds; // a number: tsc must refuse this
  void wait;
});
export {};
`,
    );
    const ok = await typeCheck(good);
    expect(ok).toEqual({ ok: true, output: '' });
    const refused = await typeCheck(bad);
    expect(refused.ok).toBe(false);
    expect(refused.output).toMatch(
      /bad\.ts\(4,9\): error TS2322: Type 'number' is not assignable to type 'string'/,
    );
  }, 60_000);
});
