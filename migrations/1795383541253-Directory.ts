import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Directory1795383541253 implements MigrationInterface {
  name = 'Directory1795383541253';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "directory_audit_log" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor_kind" character varying(16) NOT NULL, "actor_id" character varying(64) NOT NULL, "actor_role" character varying(16) NOT NULL, "actor_name" character varying(200), "action" character varying(64) NOT NULL, "entity_type" character varying(32) NOT NULL, "entity_id" uuid NOT NULL, "group_id" uuid, "before" jsonb, "after" jsonb, CONSTRAINT "PK_a6ed669f22f8cc1b99efab92991" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_directory_audit_log_entity" ON "directory_audit_log"  ("entity_type", "entity_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_directory_audit_log_group_at" ON "directory_audit_log"  ("group_id", "at") `,
    );
    await queryRunner.query(`CREATE INDEX "ix_directory_audit_log_at" ON "directory_audit_log"  ("at") `);
    await queryRunner.query(
      `CREATE TABLE "directory_groups" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(200) NOT NULL, "pbx_id" uuid NOT NULL, "queue" character varying(128) NOT NULL, "profile_url_template" character varying(2000), "popup_settings" jsonb NOT NULL DEFAULT '{}', "active" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_34a75856664c507e0fd364b9c76" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_directory_groups_queue" ON "directory_groups"  ("pbx_id", "queue") `,
    );
    await queryRunner.query(
      `CREATE TABLE "directory_group_numbers" ("pbx_id" uuid NOT NULL, "number" character varying(32) NOT NULL, "group_id" uuid NOT NULL, CONSTRAINT "PK_b45620685a72560075c9e441bdd" PRIMARY KEY ("pbx_id", "number"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_directory_group_numbers_group" ON "directory_group_numbers"  ("group_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "directory_peers" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "pbx_id" uuid NOT NULL, "user_id" uuid NOT NULL, "extension" character varying(32) NOT NULL, "dial_interface" character varying(255) NOT NULL, "state_interface" character varying(255), "trunk" character varying(255), "caller_id" character varying(128), "auto_answer_header" character varying(255), "active" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0fcdca0e336b2750eff0c251a6d" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_directory_peers_user" ON "directory_peers"  ("user_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_directory_peers_dial_interface" ON "directory_peers"  ("pbx_id", "dial_interface") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_directory_peers_extension" ON "directory_peers"  ("pbx_id", "extension") `,
    );
    await queryRunner.query(
      `CREATE TABLE "directory_memberships" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "group_id" uuid NOT NULL, "user_id" uuid NOT NULL, "role" character varying(16) NOT NULL DEFAULT 'member', "penalty" integer NOT NULL DEFAULT '0', "paused" boolean NOT NULL DEFAULT false, "paused_reason" character varying(128), "logged_in" boolean NOT NULL DEFAULT false, "peer_id" uuid, "sync_state" character varying(8) NOT NULL DEFAULT 'synced', "last_sync_error" character varying(1000), "last_synced_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c2d7edc7a439db036f6adfb2288" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_directory_memberships_user" ON "directory_memberships"  ("user_id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_directory_memberships_group_user" ON "directory_memberships"  ("group_id", "user_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "directory_queue_removals" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "pbx_id" uuid NOT NULL, "queue" character varying(128) NOT NULL, "interface" character varying(255) NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "last_error" character varying(1000), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_07d8961fbb22ecc42bea7bf94dc" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_directory_queue_removals" ON "directory_queue_removals"  ("pbx_id", "queue", "interface") `,
    );
    await queryRunner.query(
      `ALTER TABLE "directory_groups" ADD CONSTRAINT "FK_4a927ec9e562e3018fde03ff6c0" FOREIGN KEY ("pbx_id") REFERENCES "pbxes"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "directory_group_numbers" ADD CONSTRAINT "FK_d0866d6f3f6ae02c0d05a0b803a" FOREIGN KEY ("group_id") REFERENCES "directory_groups"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "directory_peers" ADD CONSTRAINT "FK_d0858efb73eba7c27e98b493924" FOREIGN KEY ("pbx_id") REFERENCES "pbxes"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "directory_peers" ADD CONSTRAINT "FK_6cf00b35dd1407931e60a714edf" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "directory_memberships" ADD CONSTRAINT "FK_68936424a336d42cab516dfbef1" FOREIGN KEY ("group_id") REFERENCES "directory_groups"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "directory_memberships" ADD CONSTRAINT "FK_ffcb1f53a0a1f4b998d5d206595" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "directory_memberships" ADD CONSTRAINT "FK_46ac192672e28e5949a32f85117" FOREIGN KEY ("peer_id") REFERENCES "directory_peers"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "directory_queue_removals" ADD CONSTRAINT "FK_acc974ad7786cff0c5a81c907b0" FOREIGN KEY ("pbx_id") REFERENCES "pbxes"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "directory_queue_removals" DROP CONSTRAINT "FK_acc974ad7786cff0c5a81c907b0"`,
    );
    await queryRunner.query(
      `ALTER TABLE "directory_memberships" DROP CONSTRAINT "FK_46ac192672e28e5949a32f85117"`,
    );
    await queryRunner.query(
      `ALTER TABLE "directory_memberships" DROP CONSTRAINT "FK_ffcb1f53a0a1f4b998d5d206595"`,
    );
    await queryRunner.query(
      `ALTER TABLE "directory_memberships" DROP CONSTRAINT "FK_68936424a336d42cab516dfbef1"`,
    );
    await queryRunner.query(`ALTER TABLE "directory_peers" DROP CONSTRAINT "FK_6cf00b35dd1407931e60a714edf"`);
    await queryRunner.query(`ALTER TABLE "directory_peers" DROP CONSTRAINT "FK_d0858efb73eba7c27e98b493924"`);
    await queryRunner.query(
      `ALTER TABLE "directory_group_numbers" DROP CONSTRAINT "FK_d0866d6f3f6ae02c0d05a0b803a"`,
    );
    await queryRunner.query(
      `ALTER TABLE "directory_groups" DROP CONSTRAINT "FK_4a927ec9e562e3018fde03ff6c0"`,
    );
    await queryRunner.query(`DROP INDEX "public"."uq_directory_queue_removals"`);
    await queryRunner.query(`DROP TABLE "directory_queue_removals"`);
    await queryRunner.query(`DROP INDEX "public"."uq_directory_memberships_group_user"`);
    await queryRunner.query(`DROP INDEX "public"."ix_directory_memberships_user"`);
    await queryRunner.query(`DROP TABLE "directory_memberships"`);
    await queryRunner.query(`DROP INDEX "public"."uq_directory_peers_extension"`);
    await queryRunner.query(`DROP INDEX "public"."uq_directory_peers_dial_interface"`);
    await queryRunner.query(`DROP INDEX "public"."ix_directory_peers_user"`);
    await queryRunner.query(`DROP TABLE "directory_peers"`);
    await queryRunner.query(`DROP INDEX "public"."ix_directory_group_numbers_group"`);
    await queryRunner.query(`DROP TABLE "directory_group_numbers"`);
    await queryRunner.query(`DROP INDEX "public"."uq_directory_groups_queue"`);
    await queryRunner.query(`DROP TABLE "directory_groups"`);
    await queryRunner.query(`DROP INDEX "public"."ix_directory_audit_log_at"`);
    await queryRunner.query(`DROP INDEX "public"."ix_directory_audit_log_group_at"`);
    await queryRunner.query(`DROP INDEX "public"."ix_directory_audit_log_entity"`);
    await queryRunner.query(`DROP TABLE "directory_audit_log"`);
  }
}
