import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PbxRegistry1795383226697 implements MigrationInterface {
  name = 'PbxRegistry1795383226697';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "pbxes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(64) NOT NULL, "ami_host" character varying(255) NOT NULL, "ami_port" integer NOT NULL DEFAULT '5038', "ami_username" character varying(128) NOT NULL, "ami_secret" character varying(255), "enabled" boolean NOT NULL DEFAULT true, "region" character varying(64), "default_trunk" character varying(255), "is_default" boolean NOT NULL DEFAULT false, "source" character varying(16) NOT NULL DEFAULT 'api', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e1f6418a49ee38f5a90ba446fa4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_pbxes_name" ON "pbxes"  ("name") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_pbxes_default" ON "pbxes"  ("is_default") WHERE "is_default"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_pbxes_default"`);
    await queryRunner.query(`DROP INDEX "public"."uq_pbxes_name"`);
    await queryRunner.query(`DROP TABLE "pbxes"`);
  }
}
