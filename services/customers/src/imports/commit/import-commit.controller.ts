import { Controller } from '@nestjs/common';
import {
  CUSTOMERS,
  type CallerContext,
  type CommitImportCommand,
  type ImportView,
} from '@kanta/contracts';
import { Handles } from '@kanta/platform';
import { ImportCommit } from './import-commit';
import { ImportViews } from './import-views';

@Controller()
export class ImportCommitController {
  constructor(
    private readonly commits: ImportCommit,
    private readonly views: ImportViews,
  ) {}

  @Handles(CUSTOMERS.commitImport)
  async commit(caller: CallerContext, data: CommitImportCommand): Promise<ImportView> {
    await this.commits.start(caller, data.id, data.commit.duplicates);
    return this.views.get(caller, data.id);
  }
}
