import { Controller } from '@nestjs/common';
import {
  PRIVACY,
  type ByIdQuery,
  type CallerContext,
  type EraseCustomerCommand,
  type ErasureView,
} from '@kanta/contracts';
import { Handles, type WriteCommand } from '@kanta/platform';
import { Erasures } from './erasures/erasures.service';

/** The privacy service's RPC operations: thin, each hands over to its service. */
@Controller()
export class PrivacyController {
  constructor(private readonly erasures: Erasures) {}

  @Handles(PRIVACY.erase)
  erase(
    caller: CallerContext,
    data: EraseCustomerCommand,
    command: WriteCommand,
  ): Promise<ErasureView> {
    return this.erasures.request(caller, data, command);
  }

  @Handles(PRIVACY.getErasure)
  getErasure(caller: CallerContext, data: ByIdQuery): Promise<ErasureView> {
    return this.erasures.get(caller, data.id);
  }

  @Handles(PRIVACY.retryErasure)
  retryErasure(
    caller: CallerContext,
    data: ByIdQuery,
    command: WriteCommand,
  ): Promise<ErasureView> {
    return this.erasures.retry(caller, data.id, command);
  }
}
