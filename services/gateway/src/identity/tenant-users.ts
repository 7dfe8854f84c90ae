import { Injectable } from '@nestjs/common';
import type { ReminderAssignee } from '@kanta/contracts';
import { ProblemError } from '@kanta/platform';
import type { Caller } from '../auth/auth.decorators';
import { UsersRepository } from './users.repository';

/**
 * Services keep user ids (whose regular customer, whom a reminder is for) but only the gateway
 * knows the users, so it checks that such an id is a user of the caller's tenant before the RPC.
 */
@Injectable()
export class TenantUsers {
  constructor(private readonly users: UsersRepository) {}

  /** `me` stands for the caller; any other value must be the id of a user of their tenant. */
  async resolve(caller: Caller, field: string, value: string): Promise<string> {
    return (await this.resolveWithStations(caller, field, value)).userId;
  }

  /**
   * The same, with the stations the user works at, so a service can tell whether they could see
   * a customer; null for an admin, who sees the whole tenant.
   */
  async resolveWithStations(
    caller: Caller,
    field: string,
    value: string,
  ): Promise<ReminderAssignee> {
    if (value === 'me') {
      const { userId, role, stationIds } = caller.context;
      return { userId, stationIds: role === 'worker' ? stationIds : null };
    }
    const tenantId = caller.context.tenant?.id ?? null;
    const id = value.toLowerCase();
    const found =
      tenantId !== null && /^[0-9a-f-]{36}$/.test(id) ? await this.users.find(id, tenantId) : null;
    if (!found) {
      throw ProblemError.field(field, 'unknown_user', `${field} must be a user of your tenant`);
    }
    return { userId: id, stationIds: found.user.role === 'worker' ? found.stationIds : null };
  }
}
