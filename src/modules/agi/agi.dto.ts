import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class ResponsibleQueryDto {
  @ApiPropertyOptional({ description: "The caller's number, any format", example: '+79161234567' })
  @IsOptional()
  @Matches(/\d/, { message: 'number must contain at least one digit' })
  @MaxLength(64)
  @IsString()
  number?: string;

  @ApiPropertyOptional({ description: 'The dialled number (DID)', example: '74951234567' })
  @IsOptional()
  @MaxLength(32)
  @IsString()
  did?: string;

  @ApiPropertyOptional({ description: 'PBX id or name (default: the default PBX)' })
  @IsOptional()
  @MaxLength(64)
  @IsString()
  pbx?: string;

  @ApiPropertyOptional({ enum: ['json', 'text'], default: 'json', description: 'text: the extension alone' })
  @IsOptional()
  @IsIn(['json', 'text'])
  format?: 'json' | 'text';
}

export class ResponsibleAnswerDto {
  @ApiProperty({
    description: 'Extension to dial; empty when nobody (fall through to the queue)',
    example: '1003',
  })
  exten!: string;
  @ApiProperty({ example: 'Local/1003@phones/n' }) interface!: string;
  @ApiProperty() contactId!: string;
  @ApiProperty() contactName!: string;
  @ApiProperty({ description: "The DID's group queue, when the DID belongs to a group" }) queue!: string;
  @ApiProperty({
    description:
      'routed, unknown-caller, no-responsible, agent-unavailable, or deadline/error/overloaded (answered empty)',
  })
  outcome!: string;
}
