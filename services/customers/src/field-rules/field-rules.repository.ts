import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isUuid, type FieldRulesDto } from '@kanta/contracts';

@Injectable()
export class FieldRulesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(tenantId: string): Promise<FieldRulesDto | null> {
    const rows = await this.dataSource.query<{ rules: FieldRulesDto }[]>(
      'SELECT rules FROM customers.tenant_field_rules WHERE tenant_id = $1',
      [tenantId],
    );
    return rows[0]?.rules ?? null;
  }

  async save(
    manager: EntityManager,
    tenantId: string,
    rules: FieldRulesDto,
    userId: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO customers.tenant_field_rules (tenant_id, rules, updated_by)
       VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE
         SET rules = EXCLUDED.rules, updated_at = now(), updated_by = EXCLUDED.updated_by`,
      [tenantId, JSON.stringify(rules), isUuid(userId) ? userId : null],
    );
  }
}
