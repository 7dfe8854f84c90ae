import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CallerContext, CustomerDataExport } from '@kanta/contracts';
import { allPages, requireTenant } from '@kanta/platform';
import { RemindersService } from '../reminders/reminders.service';
import { CustomerCards } from './customer-cards';

/**
 * This service's part of a data hand-over (privacy, issue #14): the card as an admin sees it
 * (birthday and documents in clear: the file is for the person), every reminder about them and
 * their current marketing flags. Read through the same paths as the API's reads, so it shows
 * what they show; the privacy service asks as the admin who requested the export.
 */
@Injectable()
export class CustomerDataExports {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cards: CustomerCards,
    private readonly reminders: RemindersService,
  ) {}

  async export(context: CallerContext, customerId: string): Promise<CustomerDataExport> {
    const tenant = requireTenant(context);
    const customer = await this.cards.get(context, customerId);
    const reminders = await allPages((cursor) =>
      this.reminders.list(context, { customerId: customer.id, limit: 100, cursor }),
    );
    const marketingConsents = await this.dataSource.query<{ purpose: string; granted: boolean }[]>(
      `SELECT purpose, granted FROM customers.customer_marketing_consents
        WHERE tenant_id = $1 AND customer_id = $2 ORDER BY purpose`,
      [tenant.id, customer.id],
    );
    return { customer, reminders, marketingConsents };
  }
}
