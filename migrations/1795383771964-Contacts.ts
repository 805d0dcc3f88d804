import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Contacts1795383771964 implements MigrationInterface {
  name = 'Contacts1795383771964';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "contacts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "display_name" character varying(200) NOT NULL, "company" character varying(200), "kind" character varying(16) NOT NULL DEFAULT 'person', "external_ref" character varying(128), "profile_url" character varying(2048), "responsible_user_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b99cd40cfd66a99f1571f4f72e6" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_contacts_external_ref" ON "contacts"  ("external_ref") WHERE "external_ref" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_contacts_responsible_user" ON "contacts"  ("responsible_user_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "contact_phones" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "contact_id" uuid NOT NULL, "position" smallint NOT NULL DEFAULT '0', "number" character varying(64) NOT NULL, "type" character varying(32), "e164" character varying(16), "digits" character varying(64) NOT NULL, "digits_reversed" character varying(64) COLLATE "C" NOT NULL, CONSTRAINT "PK_3263d07aba7c4dd305ee995148f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_contact_phones_contact" ON "contact_phones"  ("contact_id", "position") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_contact_phones_digits_reversed" ON "contact_phones"  ("digits_reversed") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_contact_phones_e164" ON "contact_phones"  ("e164") WHERE "e164" IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "contacts" ADD CONSTRAINT "fk_contacts_responsible_user" FOREIGN KEY ("responsible_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "contact_phones" ADD CONSTRAINT "fk_contact_phones_contact" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "contact_phones" DROP CONSTRAINT "fk_contact_phones_contact"`);
    await queryRunner.query(`ALTER TABLE "contacts" DROP CONSTRAINT "fk_contacts_responsible_user"`);
    await queryRunner.query(`DROP INDEX "public"."ix_contact_phones_e164"`);
    await queryRunner.query(`DROP INDEX "public"."ix_contact_phones_digits_reversed"`);
    await queryRunner.query(`DROP INDEX "public"."ix_contact_phones_contact"`);
    await queryRunner.query(`DROP TABLE "contact_phones"`);
    await queryRunner.query(`DROP INDEX "public"."ix_contacts_responsible_user"`);
    await queryRunner.query(`DROP INDEX "public"."uq_contacts_external_ref"`);
    await queryRunner.query(`DROP TABLE "contacts"`);
  }
}
