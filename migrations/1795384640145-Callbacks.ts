import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Callbacks1795384640145 implements MigrationInterface {
  name = 'Callbacks1795384640145';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "callbacks" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "status" character varying(8) NOT NULL DEFAULT 'open', "number" character varying(64) NOT NULL, "match_digits" character varying(15) NOT NULL, "contact_id" uuid, "contact_name" character varying(200), "assignee_user_id" uuid, "group_id" uuid, "reason" character varying(16) NOT NULL, "pbx_id" uuid NOT NULL, "linkedid" character varying(150) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "closed_at" TIMESTAMP WITH TIME ZONE, "closed_reason" character varying(16), "closed_by" character varying(200), CONSTRAINT "PK_8090fb14d5629af03bc043429d0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_callbacks_group" ON "callbacks"  ("group_id", "status", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_callbacks_assignee" ON "callbacks"  ("assignee_user_id", "status", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_callbacks_open_number" ON "callbacks"  ("match_digits") WHERE "status" = 'open'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_callbacks_pbx_linkedid" ON "callbacks"  ("pbx_id", "linkedid") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_callbacks_pbx_linkedid"`);
    await queryRunner.query(`DROP INDEX "public"."ix_callbacks_open_number"`);
    await queryRunner.query(`DROP INDEX "public"."ix_callbacks_assignee"`);
    await queryRunner.query(`DROP INDEX "public"."ix_callbacks_group"`);
    await queryRunner.query(`DROP TABLE "callbacks"`);
  }
}
