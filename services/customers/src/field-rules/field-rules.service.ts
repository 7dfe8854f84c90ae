import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DEFAULT_FIELD_RULES, type CallerContext, type FieldRulesDto } from '@kanta/contracts';
import { CommandLog } from '@kanta/messaging';
import { RpcProblem, requireTenant, type WriteCommand } from '@kanta/platform';
import { FieldRulesRepository } from './field-rules.repository';

/*
 * Every create reads the rules, so they are kept in memory for a few seconds. A change made
 * through this instance is seen at once; another instance sees it within RULES_TTL_MS.
 */
const RULES_TTL_MS = 5_000;

@Injectable()
export class FieldRulesService {
  private readonly cache = new Map<string, { rules: FieldRulesDto; until: number }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: FieldRulesRepository,
    private readonly commands: CommandLog,
  ) {}

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

  /** Replaces the rules; the command delivered again answers the rules in force then. */
  async put(
    context: CallerContext,
    rules: FieldRulesDto,
    command: WriteCommand,
  ): Promise<FieldRulesDto> {
    const tenant = requireAdmin(context);
    const stored: FieldRulesDto = {
      person: { required: rules.person.required, atLeastOneOf: rules.person.atLeastOneOf },
      company: { required: rules.company.required, atLeastOneOf: rules.company.atLeastOneOf },
    };
    return this.commands.once(
      command,
      async () => {
        await this.dataSource.transaction(async (manager) => {
          await this.repository.save(manager, tenant.id, stored, context.userId);
          await this.commands.record(manager, command, { answer: null });
        });
        this.cache.set(tenant.id, { rules: stored, until: Date.now() + RULES_TTL_MS });
        return stored;
      },
      async () => (await this.repository.find(tenant.id)) ?? DEFAULT_FIELD_RULES,
    );
  }
}

function requireAdmin(context: CallerContext): NonNullable<CallerContext['tenant']> {
  const tenant = requireTenant(context);
  if (context.role !== 'admin' && context.role !== 'superadmin') {
    throw RpcProblem.forbidden('Only an admin may read or change the field rules.');
  }
  return tenant;
}
