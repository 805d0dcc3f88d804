import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { contactsPortProviders } from './contacts-ports.binding.js';
import { ContactsController } from './contacts.controller.js';
import { ContactsRepository } from './contacts.repository.js';
import { ContactsService } from './contacts.service.js';

/**
 * Contacts and their numbers. Public service: ContactsService; also the calls module's
 * contact-matcher port over it (contacts-ports.binding.ts).
 */
@Module({
  imports: [UsersModule],
  controllers: [ContactsController],
  providers: [ContactsRepository, ContactsService, ...contactsPortProviders],
  exports: [ContactsService],
})
export class ContactsModule {}
