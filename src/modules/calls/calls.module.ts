import { Module } from '@nestjs/common';
import { AmiModule } from '../ami/ami.module.js';
import { DIRECTORY_LIVE_STATE } from '../directory/live/live-agent-state.port.js';
import { trackerLiveState } from '../directory/live/tracker-live-state.js';
import { CallEventsBus } from './call-events.bus.js';
import { CallsService } from './calls.service.js';
import { CommEventWriter } from './comm-events/comm-event-writer.js';
import { CommEventsController } from './comm-events/comm-events.controller.js';
import { CommEventsRepository } from './comm-events/comm-events.repository.js';
import { CommEventsService } from './comm-events/comm-events.service.js';
import { LiveController } from './live/live.controller.js';
import { LiveService } from './live/live.service.js';
import { CallsPorts } from './ports/calls-ports.js';
import { RecordingStore } from './recordings/recording-store.js';

/**
 * Calls: one call tracker per PBX fed by the AMI gateway (CallsService), its domain events on the
 * CallEventsBus, their persistence as CommEvents (CommEventWriter), and the REST read side
 * (/api/v1/comm-events, /api/v1/live). Public: CallsService and CallEventsBus. Agent users,
 * contacts and supervision come through ports (ports/calls.ports.ts) the directory and contacts
 * modules provide; CallsPorts finds them at bootstrap.
 */
@Module({
  imports: [AmiModule],
  controllers: [CommEventsController, LiveController],
  providers: [
    CallEventsBus,
    CallsService,
    CallsPorts,
    CommEventsRepository,
    CommEventWriter,
    CommEventsService,
    RecordingStore,
    LiveService,
    // The directory's live agent state (GET /api/v1/groups/:id/members), from the trackers.
    {
      provide: DIRECTORY_LIVE_STATE,
      inject: [CallsService],
      useFactory: (calls: CallsService) => trackerLiveState((pbxId) => calls.trackerOf(pbxId)),
    },
  ],
  exports: [CallsService, CallEventsBus],
})
export class CallsModule {}
