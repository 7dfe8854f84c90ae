import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsIn, IsString, Length } from 'class-validator';
import { RpcBody } from '../rpc';
import { IMPORT_DUPLICATE_POLICIES, type ImportDuplicatePolicy } from './imports.dto';

/** The body of `POST /imports/{id}/commit`. */
export class CommitImportDto {
  @ApiProperty({
    enum: IMPORT_DUPLICATE_POLICIES,
    description:
      'The rows planned as duplicates of existing customers: skip them, create them as new ' +
      "customers, or merge them into the existing one (its empty fields filled, the row's " +
      'vehicle given to it)',
  })
  @IsDefined({ message: 'duplicates is required' })
  @IsString({ message: `duplicates must be one of ${IMPORT_DUPLICATE_POLICIES.join(', ')}` })
  @IsIn(IMPORT_DUPLICATE_POLICIES, {
    message: `duplicates must be one of ${IMPORT_DUPLICATE_POLICIES.join(', ')}`,
  })
  duplicates: ImportDuplicatePolicy;
}

/** RPC data of `customers.import.commit`. */
export class CommitImportCommand {
  @IsString()
  @Length(1, 100)
  id: string;

  @RpcBody(() => CommitImportDto)
  commit: CommitImportDto;
}
