import { Param, type PipeTransform } from '@nestjs/common';
import { isUuid } from '@kanta/contracts';
import { ProblemError } from '@kanta/platform';

/** An id that cannot exist is simply not found: a 404, never a 400 or a database error. */
class UuidOrNotFound implements PipeTransform<string, string> {
  constructor(private readonly what: string) {}

  transform(value: string): string {
    if (!isUuid(value)) throw ProblemError.notFound(this.what);
    return value.toLowerCase();
  }
}

/** The `:id` route parameter (or another, by name), which must be a UUID. */
export const UuidParam = (what: string, name = 'id'): ParameterDecorator =>
  Param(name, new UuidOrNotFound(what));
