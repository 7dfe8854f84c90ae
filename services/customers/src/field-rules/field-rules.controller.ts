import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { CUSTOMERS_RPC, FieldRulesDto, type CallerContext } from '@kanta/contracts';
import { RpcCaller, RpcData } from '@kanta/platform';
import { FieldRulesService } from './field-rules.service';

@Controller()
export class FieldRulesController {
  constructor(private readonly fieldRules: FieldRulesService) {}

  @MessagePattern(CUSTOMERS_RPC.getFieldRules)
  get(@RpcCaller() caller: CallerContext): Promise<FieldRulesDto> {
    return this.fieldRules.get(caller);
  }

  @MessagePattern(CUSTOMERS_RPC.putFieldRules)
  put(@RpcCaller() caller: CallerContext, @RpcData() rules: FieldRulesDto): Promise<FieldRulesDto> {
    return this.fieldRules.put(caller, rules);
  }
}
