import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CommEvents1795384792261 implements MigrationInterface {
  name = 'CommEvents1795384792261';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "comm_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "pbx_id" uuid NOT NULL, "linkedid" character varying(150) NOT NULL, "direction" character varying(16) NOT NULL, "status" character varying(16) NOT NULL, "outcome" character varying(16), "from_number" character varying(128), "from_e164" character varying(32), "from_name" character varying(256), "to_number" character varying(128), "to_e164" character varying(32), "queue" character varying(128), "agent_user_id" uuid, "agent_extension" character varying(32), "agent_name" character varying(256), "contact_id" uuid, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "answered_at" TIMESTAMP WITH TIME ZONE, "ended_at" TIMESTAMP WITH TIME ZONE, "wait_seconds" integer, "talk_seconds" integer, "hangup_cause" integer, "hangup_cause_text" character varying(128), "recording_path" character varying(1024), "transfers" jsonb NOT NULL DEFAULT '[]', "legs" jsonb NOT NULL DEFAULT '[]', "legs_dropped" integer NOT NULL DEFAULT '0', "variables" jsonb NOT NULL DEFAULT '{}', "originate_action_id" character varying(128), "note" character varying(512), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a97fa19b5d21f623ac5bbb84e46" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_comm_events_open" ON "comm_events"  ("pbx_id", "started_at") WHERE "status" <> 'complete'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_comm_events_to_e164" ON "comm_events"  ("to_e164", "started_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_comm_events_from_e164" ON "comm_events"  ("from_e164", "started_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_comm_events_queue" ON "comm_events"  ("queue", "started_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_comm_events_contact" ON "comm_events"  ("contact_id", "started_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_comm_events_agent_user" ON "comm_events"  ("agent_user_id", "started_at", "id") `,
    );
    await queryRunner.query(`CREATE INDEX "ix_comm_events_started" ON "comm_events"  ("started_at", "id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_comm_events_pbx_linkedid" ON "comm_events"  ("pbx_id", "linkedid") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_comm_events_pbx_linkedid"`);
    await queryRunner.query(`DROP INDEX "public"."ix_comm_events_started"`);
    await queryRunner.query(`DROP INDEX "public"."ix_comm_events_agent_user"`);
    await queryRunner.query(`DROP INDEX "public"."ix_comm_events_contact"`);
    await queryRunner.query(`DROP INDEX "public"."ix_comm_events_queue"`);
    await queryRunner.query(`DROP INDEX "public"."ix_comm_events_from_e164"`);
    await queryRunner.query(`DROP INDEX "public"."ix_comm_events_to_e164"`);
    await queryRunner.query(`DROP INDEX "public"."ix_comm_events_open"`);
    await queryRunner.query(`DROP TABLE "comm_events"`);
  }
}
