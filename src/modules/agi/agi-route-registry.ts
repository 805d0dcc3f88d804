import type { AgiRoute } from './agi-route.js';

/** Injection token of the list of routes (see AGI_ROUTE_CLASSES in agi.module.ts). */
export const AGI_ROUTES = Symbol.for('switchboard.agi.routes');

/** Route name (the script path of `agi://host:port/<name>?...`) -> its handler. */
export class AgiRouteRegistry {
  private readonly routes = new Map<string, AgiRoute>();

  constructor(routes: readonly AgiRoute[]) {
    for (const route of routes) {
      if (!/^[a-z0-9][a-z0-9-]*(\/[a-z0-9-]+)*$/.test(route.name)) {
        throw new Error(
          `AGI route name ${JSON.stringify(route.name)}: lowercase words, dashes and slashes only`,
        );
      }
      if (this.routes.has(route.name)) throw new Error(`AGI route ${route.name} is registered twice`);
      this.routes.set(route.name, route);
    }
  }

  get(name: string): AgiRoute | undefined {
    return this.routes.get(name);
  }

  get names(): string[] {
    return [...this.routes.keys()];
  }
}
