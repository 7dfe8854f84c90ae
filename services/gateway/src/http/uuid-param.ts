import { Param, type PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { isUuid } from '@kanta/contracts';
import { ProblemError } from '@kanta/platform';
import { ApiProblems, DocumentedParameter } from './api-problems';

/** An id that cannot exist is simply not found: a 404, never a 400 or a database error. */
class UuidOrNotFound implements PipeTransform<string, string> {
  constructor(private readonly what: string) {}

  transform(value: string): string {
    if (!isUuid(value)) throw ProblemError.notFound(this.what);
    return value.toLowerCase();
  }
}

/**
 * The `:id` route parameter (or another, by name), which must be a UUID; documented as one, with
 * the 404 of a record that is not there (or not yours to see).
 */
export const UuidParam = (what: string, name = 'id'): ParameterDecorator =>
  DocumentedParameter(
    Param(name, new UuidOrNotFound(what)),
    ApiParam({ name, format: 'uuid', description: `The ${what.toLowerCase()}'s id` }),
    ApiProblems([404, `${what} not found, or not visible to you`]),
  );
