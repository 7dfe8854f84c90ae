import { Controller } from '@nestjs/common';
import { CUSTOMERS, type CallerContext, type FieldRulesDto, type NoData } from '@kanta/contracts';
import { Handles, type WriteCommand } from '@kanta/platform';
import { FieldRulesService } from './field-rules.service';

@Controller()
export class FieldRulesController {
  constructor(private readonly fieldRules: FieldRulesService) {}

  @Handles(CUSTOMERS.getFieldRules)
  get(caller: CallerContext, _data: NoData): Promise<FieldRulesDto> {
    return this.fieldRules.get(caller);
  }

  @Handles(CUSTOMERS.putFieldRules)
  put(caller: CallerContext, rules: FieldRulesDto, command: WriteCommand): Promise<FieldRulesDto> {
    return this.fieldRules.put(caller, rules, command);
  }
}
