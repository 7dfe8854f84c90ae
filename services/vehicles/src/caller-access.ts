import { problemType, type CallerContext, type FieldError } from '@kanta/contracts';
import { RpcProblem, visibleStations } from '@kanta/platform';

export { canSee as seesAnyStation, requireTenant, visibleStations } from '@kanta/platform';

export function seesStation(context: CallerContext, stationId: string): boolean {
  const stations = visibleStations(context);
  return stations === null || stations.includes(stationId);
}

/**
 * The stations a list shows: the one asked for, if the caller may see it; without one, the
 * caller's own (null: every station, for an admin). Empty: nothing to show.
 */
export function listedStations(context: CallerContext, stationId?: string): string[] | null {
  const own = visibleStations(context);
  const asked = stationId ? [stationId] : null;
  return own ? (asked ?? own).filter((s) => own.includes(s)) : asked;
}

/** The station a visit or sale is recorded at: one the caller works at. */
export function stationProblem(context: CallerContext, stationId: string | null): FieldError[] {
  if (stationId === null) {
    return [{ field: 'stationId', reason: 'required', message: 'stationId is required' }];
  }
  if (!context.stationIds.includes(stationId)) {
    return [
      {
        field: 'stationId',
        reason: 'unknown_station',
        message: 'stationId must be a station you work at',
      },
    ];
  }
  return [];
}

export function notFound(what: string): RpcProblem {
  return RpcProblem.notFound(what);
}

/** A 409 for a value another record of the tenant already has. */
export function taken(slug: string, field: string, detail: string): RpcProblem {
  return RpcProblem.conflict(slug, 'Already in use', detail, [
    { field, reason: 'taken', message: detail },
  ]);
}

/** The 422 of a field's value that breaks a rule beyond its format. */
export function invalid(field: string, reason: string, message: string): RpcProblem {
  return RpcProblem.validation([{ field, reason, message }]);
}

export function invalidTransition(from: string, to: string): RpcProblem {
  return new RpcProblem({
    type: problemType('validation'),
    title: 'Validation failed',
    status: 422,
    detail: `A ${from} visit cannot become ${to}.`,
    errors: [
      {
        field: 'status',
        reason: 'invalid_transition',
        message: `status cannot change from ${from} to ${to}; only a booked visit can be completed, cancelled or marked a no-show`,
      },
    ],
  });
}
