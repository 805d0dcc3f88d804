import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator.js';
import { CreateUserDto, PageQueryDto, UpdateUserDto, UserPageDto, UserResponseDto } from './user.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiSecurity('api-key')
@ApiSecurity('bearer')
@Roles('admin')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'List users (admins)' })
  async list(@Query() q: PageQueryDto): Promise<UserPageDto> {
    const { items, total } = await this.users.list(q.limit, q.offset);
    return { items: items.map(UserResponseDto.from), total };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.get(id));
  }

  @Post()
  @ApiOperation({ summary: 'Create a user; answers 201 with its id' })
  async create(@Body() dto: CreateUserDto): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.create(dto));
  }

  @Patch(':id')
  async update(@Param('id') id: string, @Body() dto: UpdateUserDto): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.update(id, dto));
  }
}
