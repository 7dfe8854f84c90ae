import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type {
  CallerContext,
  ContactChannel,
  ContactPurpose,
  ContactabilityReason,
  ContactabilityView,
} from '@kanta/contracts';
import { requireTenant } from '@kanta/platform';
import type { KnownCustomer } from '@kanta/messaging';
import { CustomerDirectory } from '../customers/customer-directory';
import { ConsentLedgerRepository } from '../ledger/consent-ledger.repository';
import { CommunicationPreferences } from '../preferences/communication-preferences.service';

/**
 * The consent purpose that marketing on each channel needs. Marketing by phone calls falls
 * under the consent to commercial information (the Polish "informacje handlowe", which covers
 * telephone marketing; elsewhere the tenant's text for that purpose says so).
 */
export const MARKETING_PURPOSE: Record<ContactChannel, string> = {
  email: 'marketing_email',
  sms: 'marketing_sms',
  phone: 'commercial_info',
};

/**
 * May the business contact this customer, for this purpose, on this channel — and if not, every
 * reason why. Service messages (booking confirmations, reminders) need no consent, only an
 * address, notifications on and no block; marketing also needs the channel's consent granted
 * against the text now in force. An erased customer never: `erased` is then the one reason.
 */
@Injectable()
export class Contactability {
  constructor(
    private readonly dataSource: DataSource,
    private readonly customers: CustomerDirectory,
    private readonly ledger: ConsentLedgerRepository,
    private readonly preferences: CommunicationPreferences,
  ) {}

  async check(
    context: CallerContext,
    customerId: string,
    purpose: ContactPurpose,
    channel: ContactChannel,
  ): Promise<ContactabilityView> {
    const tenant = requireTenant(context);
    // A merged duplicate is reached as its survivor: the survivor's addresses, consents, block.
    const customer = await this.customers.requireCurrent(context, tenant.id, customerId);
    const consentPurpose = purpose === 'service' ? null : MARKETING_PURPOSE[channel];
    if (customer.status === 'erased') {
      // Nobody to contact: no address, no preferences, whatever the kept decisions say.
      return {
        customerId: customer.customerId,
        purpose,
        channel,
        allowed: false,
        reasons: ['erased'],
        consentPurpose,
        preferredChannel: 'none',
      };
    }
    const preferences = await this.preferences.find(
      this.dataSource.manager,
      tenant.id,
      customer.customerId,
    );
    const reasons: ContactabilityReason[] = [];
    if (preferences?.blocked) reasons.push('blocked');
    if (!hasAddress(customer, channel)) reasons.push('no_address');
    if (consentPurpose === null) {
      if (preferences && !preferences.service_notifications) reasons.push('notifications_off');
    } else {
      const current = await this.ledger.current(this.dataSource, tenant.id, customer.customerId);
      const decision = current.find((row) => row.purpose === consentPurpose);
      if (!decision) reasons.push('no_consent');
      else if (decision.decision === 'withdrawn') reasons.push('consent_withdrawn');
      else if (decision.outdated) reasons.push('text_outdated');
    }
    return {
      customerId: customer.customerId,
      purpose,
      channel,
      allowed: reasons.length === 0,
      reasons,
      consentPurpose,
      preferredChannel: preferences?.preferred_channel ?? 'none',
    };
  }
}

function hasAddress(customer: KnownCustomer, channel: ContactChannel): boolean {
  return channel === 'email' ? customer.hasEmail : customer.hasPhone;
}
