import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { USER_ROLES, type User, type UserRole } from './user.entity.js';

export class CreateUserDto {
  @ApiPropertyOptional({ description: "The CRM's own id for this user", example: 'crm-user-17' })
  @IsOptional()
  @MaxLength(128)
  @IsString()
  externalRef?: string;

  @ApiProperty({ example: 'Alice Agent' })
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  displayName!: string;

  @ApiProperty({ enum: USER_ROLES })
  @IsIn(USER_ROLES)
  role!: UserRole;
}

export class UpdateUserDto {
  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(128)
  @IsString()
  externalRef?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  displayName?: string;

  @ApiPropertyOptional({ enum: USER_ROLES })
  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class PageQueryDto {
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @Max(500)
  @Min(1)
  @IsInt()
  limit?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @Min(0)
  @IsInt()
  offset?: number;
}

export class UserResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty({ nullable: true, type: String }) externalRef!: string | null;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: USER_ROLES }) role!: UserRole;
  @ApiProperty() active!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(u: User): UserResponseDto {
    return {
      id: u.id,
      externalRef: u.externalRef,
      displayName: u.displayName,
      role: u.role,
      active: u.active,
      createdAt: u.createdAt.toISOString(),
      updatedAt: u.updatedAt.toISOString(),
    };
  }
}

export class UserPageDto {
  @ApiProperty({ type: [UserResponseDto] }) items!: UserResponseDto[];
  @ApiProperty() total!: number;
}
