import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PbxController } from './pbx.controller.js';
import { Pbx } from './pbx.entity.js';
import { PbxService } from './pbx.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([Pbx])],
  controllers: [PbxController],
  providers: [PbxService],
  exports: [PbxService],
})
export class PbxModule {}
