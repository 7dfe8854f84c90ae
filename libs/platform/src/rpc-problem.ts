import { RpcException } from '@nestjs/microservices';
import { problemType, type FieldError, type ProblemDetails } from '@kanta/contracts';

/**
 * A failure a service answers over RPC. It carries a full problem document so the gateway can
 * answer it as it is, with the same status, type and field errors.
 */
export class RpcProblem extends RpcException {
  constructor(readonly problem: ProblemDetails) {
    super(problem);
  }

  static notFound(what: string, detail?: string): RpcProblem {
    return new RpcProblem({
      type: problemType('not-found'),
      title: `${what} not found`,
      status: 404,
      detail,
    });
  }

  static validation(errors: FieldError[], detail = 'The request has invalid fields.'): RpcProblem {
    return new RpcProblem({
      type: problemType('validation'),
      title: 'Validation failed',
      status: 422,
      detail,
      errors,
    });
  }

  static conflict(slug: string, title: string, detail: string, errors?: FieldError[]): RpcProblem {
    return new RpcProblem({ type: problemType(slug), title, status: 409, detail, errors });
  }

  static preconditionFailed(detail: string): RpcProblem {
    return new RpcProblem({
      type: problemType('precondition-failed'),
      title: 'The resource has changed',
      status: 412,
      detail,
    });
  }

  static forbidden(detail: string): RpcProblem {
    return new RpcProblem({
      type: problemType('forbidden'),
      title: 'Forbidden',
      status: 403,
      detail,
    });
  }
}

/** True when a value that came back over the wire is a problem document. */
export function isProblemDetails(value: unknown): value is ProblemDetails {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ProblemDetails).status === 'number' &&
    typeof (value as ProblemDetails).title === 'string' &&
    typeof (value as ProblemDetails).type === 'string'
  );
}

/**
 * A write about an erased customer (issue #14), wherever it is refused: the shell keeps no
 * personal data and nothing new is recorded for it. A new customer is made instead.
 */
export function customerErased(): RpcProblem {
  return RpcProblem.conflict(
    'customer-erased',
    'Customer erased',
    'The customer was erased: its card keeps no personal data, nothing can be changed or added ' +
      'for it. Create a new customer instead.',
  );
}

/**
 * A write about a customer merged into another (issue #14): it goes to the survivor, which the
 * problem names (`survivorId`, the end of the chain), so a client can send it there.
 */
export function customerMerged(survivorId: string): RpcProblem {
  return new RpcProblem({
    type: problemType('customer-merged'),
    title: 'Customer merged',
    status: 409,
    detail: `The customer was merged into customer ${survivorId}: make the change there.`,
    survivorId,
  });
}
