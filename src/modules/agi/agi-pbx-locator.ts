import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PbxService } from '../pbx/pbx.service.js';

/** How long the PBX list is trusted before it is read again in the background. */
const REFRESH_MS = 30_000;

/**
 * Which PBX a FastAGI request comes from, without a database query on the hot path: the `pbx=`
 * parameter (id or name), else the PBX whose AMI host is the connection's peer address, else the
 * default PBX. The list is kept in memory, reloaded when the registry changes and every 30 s.
 */
@Injectable()
export class AgiPbxLocator implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AgiPbxLocator.name);
  private byIdOrName = new Map<string, string>();
  /** Peer address -> PBX id; null when two PBXes share the address (then it says nothing). */
  private byAddress = new Map<string, string | null>();
  private defaultId: string | undefined;
  private loadedAt = 0;
  private loading: Promise<void> | undefined;
  private readonly onChanged = () => void this.refresh();

  constructor(private readonly pbxes: PbxService) {}

  onModuleInit(): void {
    this.pbxes.on('changed', this.onChanged);
    void this.refresh();
  }

  onModuleDestroy(): void {
    this.pbxes.off('changed', this.onChanged);
  }

  /** The PBX id for a request; a `pbx=` value that is not known is passed on as given. */
  locate(pbxParam: string | undefined, remoteAddress: string | undefined): string | undefined {
    if (Date.now() - this.loadedAt > REFRESH_MS) void this.refresh();
    if (pbxParam) return this.byIdOrName.get(pbxParam) ?? pbxParam;
    const address = remoteAddress && normaliseAddress(remoteAddress);
    const byAddress = address ? this.byAddress.get(address) : undefined;
    return byAddress ?? this.defaultId;
  }

  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    try {
      const list = (await this.pbxes.list()).filter((p) => p.enabled);
      const byIdOrName = new Map<string, string>();
      const byAddress = new Map<string, string | null>();
      for (const p of list) {
        byIdOrName.set(p.id, p.id);
        byIdOrName.set(p.name, p.id);
        for (const address of await addressesOf(p.amiHost)) {
          byAddress.set(address, byAddress.has(address) && byAddress.get(address) !== p.id ? null : p.id);
        }
      }
      this.byIdOrName = byIdOrName;
      this.byAddress = byAddress;
      this.defaultId = list.find((p) => p.isDefault)?.id;
      this.loadedAt = Date.now();
    } catch (e) {
      // Keep the last list; the database may be down, and routing fails open anyway.
      this.loadedAt = Date.now();
      this.logger.warn({ err: (e as Error).message }, 'Could not reload the PBX list for FastAGI');
    }
  }
}

async function addressesOf(host: string): Promise<string[]> {
  if (isIP(host)) return [normaliseAddress(host)];
  try {
    return (await lookup(host, { all: true })).map((a) => normaliseAddress(a.address));
  } catch {
    return [];
  }
}

/** `::ffff:127.0.0.1` (IPv4 on a dual-stack socket) -> `127.0.0.1`. */
function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4
    ? address.slice(7)
    : address.toLowerCase();
}
