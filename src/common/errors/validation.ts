import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppError, ErrorCode, type ErrorDetail } from './app-error.js';

function flatten(errors: ValidationError[], prefix = ''): ErrorDetail[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Whitelist, forbid unknown fields, transform; a bad body answers 400 naming each bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      const fields = [...new Set(details.map((d) => d.field))].join(', ');
      return new AppError(ErrorCode.VALIDATION_FAILED, `Invalid request: ${fields}`, details);
    },
  });
}
