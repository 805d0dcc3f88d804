import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator.js';
import {
  BulkUpsertContactsDto,
  BulkUpsertResultDto,
  ContactListQueryDto,
  ContactPageDto,
  ContactResponseDto,
  CreateContactDto,
  LookupCandidateDto,
  LookupQueryDto,
  LookupResponseDto,
  UpdateContactDto,
} from './contact.dto.js';
import { ContactsService } from './contacts.service.js';

/** Admins and the CRM's service keys manage contacts; supervisors and operators read them. */
@ApiTags('contacts')
@ApiSecurity('api-key')
@ApiSecurity('bearer')
@Controller('api/v1/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @Roles('admin', 'service', 'supervisor', 'operator')
  @ApiOperation({
    summary: 'List contacts by name, filtered by part of the name or company (q) or by number',
  })
  async list(@Query() q: ContactListQueryDto): Promise<ContactPageDto> {
    const { items, total } = await this.contacts.list(q);
    return { items: items.map(ContactResponseDto.from), total };
  }

  @Get('lookup')
  @Roles('admin', 'service', 'supervisor', 'operator')
  @ApiOperation({
    summary:
      'Every contact having this number, best match first (same E.164, same digits, same last N digits)',
  })
  async lookup(@Query() q: LookupQueryDto): Promise<LookupResponseDto> {
    const candidates = await this.contacts.lookup(q.number, { limit: q.limit });
    return {
      number: q.number,
      e164: this.contacts.keysOf(q.number)?.e164 ?? null,
      candidates: candidates.map(LookupCandidateDto.from),
    };
  }

  @Put('bulk')
  @HttpCode(200)
  @Roles('admin', 'service')
  @ApiOperation({
    summary:
      'Upsert up to 5,000 contacts by externalRef; bad items are reported in errors, the others written',
  })
  bulk(@Body() dto: BulkUpsertContactsDto): Promise<BulkUpsertResultDto> {
    return this.contacts.bulkUpsert(dto.contacts);
  }

  @Get(':id')
  @Roles('admin', 'service', 'supervisor', 'operator')
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<ContactResponseDto> {
    return ContactResponseDto.from(await this.contacts.get(id));
  }

  @Post()
  @Roles('admin', 'service')
  @ApiOperation({ summary: 'Create a contact; answers 201 with its id' })
  async create(@Body() dto: CreateContactDto): Promise<ContactResponseDto> {
    return ContactResponseDto.from(await this.contacts.create(dto));
  }

  @Patch(':id')
  @Roles('admin', 'service')
  @ApiOperation({ summary: 'Change a contact; phones, when given, replace its numbers; null clears a field' })
  async update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateContactDto,
  ): Promise<ContactResponseDto> {
    return ContactResponseDto.from(await this.contacts.update(id, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('admin', 'service')
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.contacts.remove(id);
  }
}
