import type { Provider } from '@nestjs/common';
import { ContactsService } from './contacts.service.js';

/**
 * The calls module's contact-matcher port (src/modules/calls/ports/calls.ports.ts,
 * `matchNumbers(numbers) -> Map<number, contactId>`), bound here by its Symbol.for key so that
 * neither module imports the other's files; the calls module finds it at bootstrap.
 */
export const CALLS_CONTACT_MATCHER = Symbol.for('switchboard.calls.contact-matcher');

export const contactsPortProviders: Provider[] = [
  {
    provide: CALLS_CONTACT_MATCHER,
    inject: [ContactsService],
    useFactory: (contacts: ContactsService) => ({
      matchNumbers: (numbers: readonly string[]) => contacts.contactIdsByNumber(numbers),
    }),
  },
];
