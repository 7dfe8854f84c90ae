import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsUUID } from 'class-validator';

/** An optional id field (`stationId`, `customerId`, …): a UUID, lower-cased at the edge. */
export function OptionalId(field: string, what: string, description?: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ format: 'uuid', description }),
    IsOptional(),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.toLowerCase() : value,
    ),
    IsUUID('all', { message: `${field} must be a ${what} id (UUID)` }),
  );
}
