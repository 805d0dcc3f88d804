import { Injectable } from '@nestjs/common';
import type { AgiRequest } from '../../../protocol/agi/agi-message.js';
import { ContactsService } from '../../contacts/contacts.service.js';
import { param, type AgiAnswer, type AgiRoute, type AgiRouteContext } from '../agi-route.js';

/**
 * `AGI(agi://crm:4573/caller-name)`: sets CALLERID(name) to the best contact's name, so phones
 * show who calls. Parameter `number` (else agi_arg_1, else the caller id). Sets nothing when the
 * caller is unknown or the lookup is late: the name Asterisk had stays.
 */
@Injectable()
export class CallerNameAgiRoute implements AgiRoute {
  readonly name = 'caller-name';

  constructor(private readonly contacts: ContactsService) {}

  async handle({ request }: AgiRouteContext): Promise<AgiAnswer> {
    const number = param(request, 'number', 1) ?? request.callerId;
    const [best] = number ? await this.contacts.lookup(number, { limit: 1 }) : [];
    return best
      ? { outcome: 'matched', variables: [['CALLERID(name)', best.displayName]] }
      : { outcome: 'unknown-caller', variables: [] };
  }

  fallback(_request: AgiRequest): AgiAnswer['variables'] {
    return [];
  }
}
