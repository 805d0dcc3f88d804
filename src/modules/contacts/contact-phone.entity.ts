import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Contact } from './contact.entity.js';

/**
 * One phone number of a contact, kept as given and with its matching keys (contact-phone-keys.ts).
 *
 * Indexes, for a lookup that is one indexed query at any table size:
 * - `e164` (partial, set rows only): the exact match.
 * - `digits_reversed` (collation "C", so byte order): the last-N-digit match is a prefix of the
 *   reversed digits, i.e. a btree range scan, for any N: PHONE_MATCH_DIGITS can change without
 *   rewriting a row, and a short number (an extension) matches on equality in the same index.
 */
@Entity('contact_phones')
@Index('ix_contact_phones_e164', ['e164'], { where: '"e164" IS NOT NULL' })
@Index('ix_contact_phones_digits_reversed', ['digitsReversed'])
@Index('ix_contact_phones_contact', ['contactId', 'position'])
export class ContactPhone {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'contact_id', type: 'uuid' })
  contactId!: string;

  @ManyToOne(() => Contact, (c) => c.phones, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'contact_id', foreignKeyConstraintName: 'fk_contact_phones_contact' })
  contact?: Contact;

  /** Order in the contact's list, from 0. */
  @Column({ type: 'smallint', default: 0 })
  position!: number;

  /** As given by the CRM: `8 (903) 111-22-33`. */
  @Column({ type: 'varchar', length: 64 })
  number!: string;

  /** Free label from the CRM: `mobile`, `work`, `home`, `fax`... */
  @Column({ type: 'varchar', length: 32, nullable: true })
  type!: string | null;

  /** `+79031112233`; null when the number cannot be parsed under DEFAULT_COUNTRY. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  e164!: string | null;

  /** The E.164 digits without `+`, else the ASCII digits of `number`. */
  @Column({ type: 'varchar', length: 64 })
  digits!: string;

  /** `digits` reversed: `33221113097` for `79031112233`. */
  @Column({ name: 'digits_reversed', type: 'varchar', length: 64, collation: 'C' })
  digitsReversed!: string;
}
