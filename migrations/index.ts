import type { MigrationInterface } from 'typeorm';
import { CommEvents1795384792261 } from './1795384792261-CommEvents.js';
import { Callbacks1795384640145 } from './1795384640145-Callbacks.js';
import { Contacts1795383771964 } from './1795383771964-Contacts.js';
import { Directory1795383541253 } from './1795383541253-Directory.js';
import { Initial1795382857309 } from './1795382857309-Initial.js';
import { PbxRegistry1795383226697 } from './1795383226697-PbxRegistry.js';

/** Every migration, in order. Generated with `npm run migration:generate`, never edited once landed. */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
  Initial1795382857309,
  PbxRegistry1795383226697,
  Directory1795383541253,
  Contacts1795383771964,
  Callbacks1795384640145,
  CommEvents1795384792261,
];
