import { isUuid } from '@kanta/contracts';
import { Injectable } from '@nestjs/common';
import type { CallerContext, CustomerView } from '@kanta/contracts';
import { canSee, requireTenant } from '@kanta/platform';
import { customerNotFound } from './card-rules';
import { toCustomerView } from './customer-view';
import { CustomersRepository } from './customers.repository';

/** One customer's card, as the caller may see it: another station's customer is not found. */
@Injectable()
export class CustomerCards {
  constructor(private readonly repository: CustomersRepository) {}

  async get(context: CallerContext, id: string): Promise<CustomerView> {
    const tenant = requireTenant(context);
    const row = isUuid(id) ? await this.repository.findById(tenant.id, id) : null;
    if (!row || !canSee(context, row.station_ids)) throw customerNotFound();
    return toCustomerView(row, context);
  }
}
