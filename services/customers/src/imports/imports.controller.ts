import { Controller } from '@nestjs/common';
import {
  CUSTOMERS,
  type ByIdQuery,
  type CallerContext,
  type ImportFileChunk,
  type ImportFileChunkQuery,
  type ImportPage,
  type ImportRowPage,
  type ImportRowsQuery,
  type ImportTemplateQuery,
  type ImportUploadProgress,
  type ImportView,
  type ListImportsQueryDto,
  type StartImportCommand,
  type UploadImportChunkCommand,
} from '@kanta/contracts';
import { Handles } from '@kanta/platform';
import { Imports } from './imports.service';

/** The imports' RPC operations: thin, each hands over to Imports. */
@Controller()
export class ImportsController {
  constructor(private readonly imports: Imports) {}

  @Handles(CUSTOMERS.uploadImportChunk)
  uploadChunk(
    caller: CallerContext,
    data: UploadImportChunkCommand,
  ): Promise<ImportUploadProgress> {
    return this.imports.uploadChunk(caller, data);
  }

  @Handles(CUSTOMERS.startImport)
  start(caller: CallerContext, data: StartImportCommand): Promise<ImportView> {
    return this.imports.start(caller, data);
  }

  @Handles(CUSTOMERS.getImport)
  get(caller: CallerContext, data: ByIdQuery): Promise<ImportView> {
    return this.imports.get(caller, data.id);
  }

  @Handles(CUSTOMERS.listImports)
  list(caller: CallerContext, data: ListImportsQueryDto): Promise<ImportPage> {
    return this.imports.list(caller, data);
  }

  @Handles(CUSTOMERS.importRows)
  rows(caller: CallerContext, data: ImportRowsQuery): Promise<ImportRowPage> {
    return this.imports.rows(caller, data);
  }

  @Handles(CUSTOMERS.importErrorsFile)
  errorsFile(caller: CallerContext, data: ImportFileChunkQuery): Promise<ImportFileChunk> {
    return this.imports.errorsFile(caller, data.id, data.offset);
  }

  @Handles(CUSTOMERS.importTemplate)
  template(caller: CallerContext, data: ImportTemplateQuery): Promise<ImportFileChunk> {
    return this.imports.template(caller, data.locale, data.vehicles);
  }

  @Handles(CUSTOMERS.deleteImport)
  delete(caller: CallerContext, data: ByIdQuery): Promise<ImportView> {
    return this.imports.delete(caller, data.id);
  }
}
