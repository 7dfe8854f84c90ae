import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/**
 * Tenant-defined lists a customer is classified by: groups (many per customer, e.g. "regulars",
 * "allergic") and sources (one per customer: how they heard of the business).
 */
export const CUSTOMER_LABEL_LISTS = ['group', 'source'] as const;
export type CustomerLabelList = (typeof CUSTOMER_LABEL_LISTS)[number];

export class LabelNameDto {
  @ApiProperty({ example: 'Regulars', maxLength: 100 })
  @IsString({ message: 'name must be text' })
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(100)
  name: string;
}

export class ListLabelsQueryDto {
  @ApiPropertyOptional({
    default: false,
    description: 'Also count the customers in each (active and passive)',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'withCounts must be true or false' })
  withCounts?: boolean;
}

export class CustomerLabelView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({ description: 'With withCounts=true' }) customerCount?: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class CustomerLabelPage {
  @ApiProperty({ type: [CustomerLabelView] }) items: CustomerLabelView[];
}

/** What deleting a label answers: how many customers it was taken from. */
export class DeleteLabelResult {
  @ApiProperty({ type: 'integer', description: 'Customers it was taken from' }) released: number;
}
