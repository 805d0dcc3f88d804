import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { DirectoryService } from '../directory/directory.service.js';
import type { RoutingDirectory, RoutingPeer } from './routing-directory.port.js';
import { UUID_PATTERN as UUID } from '../../common/uuid.js';

/**
 * DirectoryService.availablePeerForUser as one prepared statement on the directory's tables (the
 * same conditions: active peer and user, a membership logged in with that peer, not paused). It
 * runs on most FastAGI requests; the service's query builder cost more CPU than the whole
 * contact lookup. If the directory changes what "available" means, change both (the FastAGI e2e
 * tests pause, log off and log in agents through the directory's REST API).
 */
const AVAILABLE_PEER = `SELECT p.extension, p.dial_interface
FROM directory_peers p
JOIN directory_memberships m ON m.peer_id = p.id AND m.user_id = p.user_id
JOIN users u ON u.id = p.user_id
WHERE p.user_id = $1 AND p.active AND u.active AND m.logged_in AND NOT m.paused
  AND ($2::uuid IS NULL OR p.pbx_id = $2::uuid)
ORDER BY m.updated_at DESC
LIMIT 1`;

/** The routing port over the directory: availability by SQL, the DID's queue by DirectoryService. */
@Injectable()
export class DirectoryRoutingRepository implements RoutingDirectory {
  constructor(
    private readonly ds: DataSource,
    private readonly directory: DirectoryService,
  ) {}

  async availablePeerForUser(userId: string, pbxId?: string): Promise<RoutingPeer | undefined> {
    if (!UUID.test(userId)) return undefined;
    if (pbxId !== undefined && !UUID.test(pbxId)) {
      // a PBX named by the dialplan (`pbx=lab`) that the locator did not know: let the directory resolve it
      const peer = await this.directory.availablePeerForUser(userId, pbxId);
      return peer ? { extension: peer.extension, dialInterface: peer.dialInterface } : undefined;
    }
    const pool = (this.ds.driver as unknown as { master: pg.Pool }).master;
    const { rows } = await pool.query<{ extension: string; dial_interface: string }>({
      name: 'agi-available-peer',
      text: AVAILABLE_PEER,
      values: [userId, pbxId ?? null],
    });
    return rows[0] ? { extension: rows[0].extension, dialInterface: rows[0].dial_interface } : undefined;
  }

  async queueForDid(did: string, pbxId?: string): Promise<string | undefined> {
    return (await this.directory.queueForDid(did, pbxId))?.queue;
  }
}
