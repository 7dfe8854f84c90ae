import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDetails } from '@kanta/contracts';
import { PROBLEM_CONTENT_TYPE } from '@kanta/platform';

/** What each error status means on this API, as the OpenAPI document says it. */
const MEANINGS = {
  400: 'The request is malformed (a body that is not JSON, a header of the wrong form)',
  401: 'No valid credentials',
  403: 'Your role or tenant may not do this',
  404: 'Not found, or not visible to you',
  405: 'The path does not take this method; Allow lists the ones it takes',
  409: 'Conflicts with existing data',
  410: 'It existed and was deleted since (a file whose days were over)',
  412: 'If-Match names a version that is not the current one: read the record again',
  413: 'The body is larger than the API accepts',
  415: 'The body is not application/json (or its encoding or charset is not supported)',
  422: 'Invalid fields: `errors` names each field and the reason',
  428: 'If-Match is required: send the ETag of the record you read',
  429: 'Too many requests: wait Retry-After seconds',
  503: 'A part of the system is not answering: try again shortly',
  504: 'The service did not answer in time: try again (a create with the same Idempotency-Key)',
} as const;

export type ProblemStatus = keyof typeof MEANINGS;

/**
 * The 409s of a write about a customer that is not one of its own any more: an erasure left it
 * as a shell, or a merge made it a duplicate of another (the answer's `survivorId` names that
 * one). One text for every route that can answer them.
 */
export const CUSTOMER_ERASED_OR_MERGED =
  'customer-erased: the customer is erased (its card cannot change); customer-merged: the ' +
  'customer was merged into another, `survivorId` names it (the end of a chain of merges): send ' +
  'the request about that customer instead';

/**
 * What a read of a customer's records (their vehicles, visits, consents…) answers for a
 * customer merged into another: the services that keep them follow the merge. One text for
 * every such route.
 */
export const READS_FOLLOW_MERGES =
  'A customer merged into another answers with the records of its survivor (the end of its ' +
  'chain of merges), which hold its history now; where the answer names a customer, it names ' +
  'the survivor.';

/** An error response as the document gives it: a problem document, described. */
export function problemResponse(description: string): {
  description: string;
  content: Record<string, { schema: { $ref: string } }>;
} {
  return {
    description,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetails) } } },
  };
}

export const problemMeaning = (status: ProblemStatus): string => MEANINGS[status];

/**
 * Documents the problem+json errors an operation (or every operation of a controller) can
 * answer: a status alone takes the API's general meaning, `[status, text]` says it for this one.
 */
export function ApiProblems(
  ...answers: (ProblemStatus | [ProblemStatus, string])[]
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetails),
    ...answers.map((answer) => {
      const [status, description] = Array.isArray(answer) ? answer : [answer, MEANINGS[answer]];
      return ApiResponse({ status, ...problemResponse(description) });
    }),
  );
}

/**
 * A handler parameter that also documents its operation (a header's form, the answers it
 * brings), so the two cannot be written apart.
 */
export function DocumentedParameter(
  parameter: ParameterDecorator,
  ...documentation: MethodDecorator[]
): ParameterDecorator {
  return (target, key, index) => {
    parameter(target, key, index);
    const method = key as string | symbol;
    const descriptor = Object.getOwnPropertyDescriptor(target, method)!;
    for (const decorate of documentation) decorate(target, method, descriptor);
  };
}
