import { Injectable } from '@nestjs/common';
import { DEFAULT_FIELD_RULES, type CallerContext, type FieldRulesDto } from '@kanta/contracts';
import { RpcProblem } from '@kanta/platform';
import { requireTenant } from '@kanta/platform';
import { FieldRulesRepository } from './field-rules.repository';

/*
 * Every create reads the rules, so they are kept in memory for a few seconds. A change made
 * through this instance is seen at once; another instance sees it within RULES_TTL_MS.
 */
const RULES_TTL_MS = 5_000;

@Injectable()
export class FieldRulesService {
  private readonly cache = new Map<string, { rules: FieldRulesDto; until: number }>();

  constructor(private readonly repository: FieldRulesRepository) {}

  /** The tenant's rules, or the defaults when it has set none. */
  async rulesFor(tenantId: string): Promise<FieldRulesDto> {
    const cached = this.cache.get(tenantId);
    if (cached && cached.until > Date.now()) return cached.rules;
    const rules = (await this.repository.find(tenantId)) ?? DEFAULT_FIELD_RULES;
    this.cache.set(tenantId, { rules, until: Date.now() + RULES_TTL_MS });
    return rules;
  }

  async get(context: CallerContext): Promise<FieldRulesDto> {
    const tenant = requireAdmin(context);
    return this.rulesFor(tenant.id);
  }

  async put(context: CallerContext, rules: FieldRulesDto): Promise<FieldRulesDto> {
    const tenant = requireAdmin(context);
    const stored: FieldRulesDto = {
      person: { required: rules.person.required, atLeastOneOf: rules.person.atLeastOneOf },
      company: { required: rules.company.required, atLeastOneOf: rules.company.atLeastOneOf },
    };
    await this.repository.save(tenant.id, stored, context.userId);
    this.cache.set(tenant.id, { rules: stored, until: Date.now() + RULES_TTL_MS });
    return stored;
  }
}

function requireAdmin(context: CallerContext): NonNullable<CallerContext['tenant']> {
  const tenant = requireTenant(context);
  if (context.role !== 'admin' && context.role !== 'superadmin') {
    throw RpcProblem.forbidden('Only an admin may read or change the field rules.');
  }
  return tenant;
}
