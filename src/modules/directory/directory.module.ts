import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AmiModule } from '../ami/ami.module.js';
import { PbxModule } from '../pbx/pbx.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuditEntry } from './audit/audit-entry.entity.js';
import { AuditController } from './audit/audit.controller.js';
import { AuditService } from './audit/audit.service.js';
import { DirectoryAccess } from './directory-access.service.js';
import { DirectoryChanges } from './directory-changes.js';
import { directoryPortProviders, ROUTING_DIRECTORY } from './directory-ports.binding.js';
import { DirectoryService } from './directory.service.js';
import { GroupNumber } from './groups/group-number.entity.js';
import { Group } from './groups/group.entity.js';
import { GroupsController } from './groups/groups.controller.js';
import { GroupsService } from './groups/groups.service.js';
import { LiveStateLocator } from './live/live-state.locator.js';
import { MembersController } from './members/members.controller.js';
import { Membership } from './members/membership.entity.js';
import { MembershipsService } from './members/memberships.service.js';
import { Peer } from './peers/peer.entity.js';
import { PeersController } from './peers/peers.controller.js';
import { PeersService } from './peers/peers.service.js';
import { QueueRemoval } from './sync/queue-removal.entity.js';
import { QueueSyncService } from './sync/queue-sync.service.js';

/**
 * The call-center directory: peers (phones), groups (queues and their DIDs), memberships (agents),
 * the audit log of their changes (each also announced to every instance's caches: DirectoryChanges),
 * and the sync that makes Asterisk's queues follow them.
 * Public service: DirectoryService; it also provides the ports other modules read it through
 * (directory-ports.binding.ts: FastAGI routing, the calls module's agent directory and supervision,
 * the operator gateway's directory).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Peer, Group, GroupNumber, Membership, AuditEntry, QueueRemoval]),
    AmiModule,
    PbxModule,
    UsersModule,
  ],
  controllers: [PeersController, GroupsController, MembersController, AuditController],
  providers: [
    DirectoryService,
    DirectoryAccess,
    DirectoryChanges,
    AuditService,
    PeersService,
    GroupsService,
    MembershipsService,
    QueueSyncService,
    LiveStateLocator,
    ...directoryPortProviders,
  ],
  exports: [DirectoryService, ROUTING_DIRECTORY],
})
export class DirectoryModule {}
