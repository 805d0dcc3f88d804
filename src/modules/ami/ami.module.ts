import { Module } from '@nestjs/common';
import { PbxModule } from '../pbx/pbx.module.js';
import { AmiGatewayService } from './ami-gateway.service.js';
import { EmbeddedPbx } from './embedded-pbx.js';

@Module({
  imports: [PbxModule],
  providers: [AmiGatewayService, EmbeddedPbx],
  exports: [AmiGatewayService],
})
export class AmiModule {}
