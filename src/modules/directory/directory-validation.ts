import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';

/** `TECH/resource`: `PJSIP/1001`, `Local/1001@phones/n`, `Custom:1001` is a state interface (see STATE_INTERFACE). */
export const DIAL_INTERFACE = /^[A-Za-z][A-Za-z0-9_-]*\/[^\s,|]+$/;
/** A dial interface or a custom device state (`Custom:1001`, `Queue:support_avail`...). */
export const STATE_INTERFACE = /^[A-Za-z][A-Za-z0-9_-]*[/:][^\s,|]+$/;
/** Dial-string template; `{number}` is replaced by the number dialled. */
export const TRUNK = /^[A-Za-z][A-Za-z0-9_-]*\/[^\s,|]+$/;
export const EXTENSION = /^[0-9A-Za-z*#+_.-]{1,32}$/;
/** A queues.conf section name. */
export const QUEUE_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** Printable text on one line: these values travel in AMI headers. */
export const ONE_LINE = /^[^\r\n\x00-\x1f]*$/;
/** `Name: value` on one line. */
export const SIP_HEADER = /^[A-Za-z0-9-]+:[^\r\n\x00-\x1f]+$/;
export const HTTP_URL_TEMPLATE = /^https?:\/\/[^\s]+$/;

export const PENALTY_MAX = 1000;

/** `?active=true|false` -> boolean; anything else stays a string for @IsBoolean to refuse. */
export const queryBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

/**
 * Optional, but not nullable: `null` is validated (and refused) like any other value. @IsOptional
 * lets null through, which for a NOT NULL column would end as a 500 instead of a 400.
 */
export const OptionalNotNull = () => ValidateIf((_o: object, v: unknown) => v !== undefined);

export class PageQueryDto {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @Max(500)
  @Min(1)
  @IsInt()
  limit?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @Min(0)
  @IsInt()
  offset?: number;
}

/**
 * The fields a PATCH body actually carried. DTO instances define every declared field (ES2022
 * class fields), so an absent one is an own property holding undefined; Object.assign would
 * copy it over the entity.
 */
export function definedOnly<T extends object>(dto: T): Partial<T> {
  return Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) as Partial<T>;
}
