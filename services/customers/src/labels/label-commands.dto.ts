import { IsBoolean, IsIn, IsOptional, IsString, Length } from 'class-validator';
import {
  CUSTOMER_LABEL_LISTS,
  LabelNameDto,
  type CreateLabelCommand,
  type CustomerLabelList,
  type DeleteLabelCommand,
  type ListLabelsCommand,
  type RenameLabelCommand,
} from '@kanta/contracts';

/* The RPC data of the label patterns as classes, so the RPC edge validates them. */

export class ListLabelsCommandDto implements ListLabelsCommand {
  @IsIn(CUSTOMER_LABEL_LISTS)
  list: CustomerLabelList;

  @IsOptional()
  @IsBoolean()
  withCounts?: boolean;
}

export class CreateLabelCommandDto extends LabelNameDto implements CreateLabelCommand {
  @IsIn(CUSTOMER_LABEL_LISTS)
  list: CustomerLabelList;
}

export class RenameLabelCommandDto extends LabelNameDto implements RenameLabelCommand {
  @IsIn(CUSTOMER_LABEL_LISTS)
  list: CustomerLabelList;

  @IsString()
  @Length(1, 100)
  id: string;
}

export class DeleteLabelCommandDto implements DeleteLabelCommand {
  @IsIn(CUSTOMER_LABEL_LISTS)
  list: CustomerLabelList;

  @IsString()
  @Length(1, 100)
  id: string;
}
