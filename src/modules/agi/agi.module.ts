import { Module, type Type } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { ContactsModule } from '../contacts/contacts.module.js';
import { DirectoryModule } from '../directory/directory.module.js';
import { PbxModule } from '../pbx/pbx.module.js';
import { AgiController } from './agi.controller.js';
import { AgiPbxLocator } from './agi-pbx-locator.js';
import type { AgiRoute } from './agi-route.js';
import { AGI_ROUTES, AgiRouteRegistry } from './agi-route-registry.js';
import { AGI_FAIL_OPEN, AgiServer } from './agi-server.js';
import { FailOpenRunner } from './fail-open.js';
import { ResponsibleRouting } from './responsible-routing.service.js';
import { CallerNameAgiRoute } from './routes/caller-name.agi-route.js';
import { ResponsibleAgiRoute } from './routes/responsible.agi-route.js';

/** Every FastAGI route. To add one: write an AgiRoute class in routes/ and list it here. */
const AGI_ROUTE_CLASSES: Type<AgiRoute>[] = [ResponsibleAgiRoute, CallerNameAgiRoute];

/**
 * FastAGI routing: the TCP server Asterisk asks, and the same lookups over HTTP. The routing port
 * (ROUTING_DIRECTORY, routing-directory.port.ts) comes from DirectoryModule; contacts from
 * ContactsModule.
 */
@Module({
  imports: [ContactsModule, DirectoryModule, PbxModule],
  controllers: [AgiController],
  providers: [
    ...AGI_ROUTE_CLASSES,
    { provide: AGI_ROUTES, useFactory: (...routes: AgiRoute[]) => routes, inject: AGI_ROUTE_CLASSES },
    {
      provide: AgiRouteRegistry,
      useFactory: (routes: AgiRoute[]) => new AgiRouteRegistry(routes),
      inject: [AGI_ROUTES],
    },
    // Lookups still running (late ones included) are bounded like the connections.
    {
      provide: AGI_FAIL_OPEN,
      useFactory: (config: AppConfig) => new FailOpenRunner(config.agi.maxConnections),
      inject: [AppConfig],
    },
    ResponsibleRouting,
    AgiPbxLocator,
    AgiServer,
  ],
  exports: [AgiServer],
})
export class AgiModule {}
