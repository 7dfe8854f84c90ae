import { IsNotBlank } from '../text';
import { OptionalId } from './fields';
import { TimeRangeQueryDto } from './visit.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  IsDefined,
} from 'class-validator';
import { CURRENCY_PATTERN, ZONED_DATE_TIME } from './rules';

export const SALE_LINE_KINDS = ['service', 'product'] as const;
export type SaleLineKind = (typeof SALE_LINE_KINDS)[number];

/** One receipt line; amounts are VAT-inclusive minor units (cents). */
export class SaleLineDto {
  @ApiProperty({ enum: SALE_LINE_KINDS })
  @IsIn(SALE_LINE_KINDS, { message: `kind must be one of ${SALE_LINE_KINDS.join(', ')}` })
  @IsDefined({ message: 'kind is required' })
  kind: SaleLineKind;

  @ApiProperty({ maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @IsNotBlank()
  @IsDefined({ message: 'name is required' })
  name: string;

  @ApiProperty({ example: 1, description: 'Up to three decimals' })
  @IsNumber({ maxDecimalPlaces: 3, allowNaN: false, allowInfinity: false })
  @Min(0.001)
  @Max(1_000_000)
  @IsDefined({ message: 'quantity is required' })
  quantity: number;

  @ApiProperty({ example: 4990, description: 'VAT-inclusive, minor units' })
  @IsInt()
  @Min(-100_000_000)
  @Max(100_000_000)
  @IsDefined({ message: 'unitPriceMinor is required' })
  unitPriceMinor: number;

  @ApiProperty({ example: 25.5, description: 'VAT rate in per cent' })
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  @IsDefined({ message: 'vatRate is required' })
  vatRate: number;

  @ApiProperty({ example: 4990, description: 'round(quantity × unitPriceMinor)' })
  @IsInt()
  @IsDefined({ message: 'totalMinor is required' })
  totalMinor: number;
}

export class CreateSaleDto {
  @OptionalId('stationId', 'station', "Defaults to the caller's current station")
  stationId?: string;

  @OptionalId('customerId', 'customer')
  customerId?: string;

  @OptionalId('visitId', 'visit')
  visitId?: string;

  @ApiProperty({ maxLength: 60, description: 'Unique per station' })
  @IsString()
  @Length(1, 60)
  @IsNotBlank()
  @IsDefined({ message: 'receiptNumber is required' })
  receiptNumber: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUrl(
    { require_protocol: true, protocols: ['https', 'http'] },
    { message: 'receiptUrl must be a URL' },
  )
  @MaxLength(500)
  receiptUrl?: string;

  @ApiProperty({ format: 'date-time' })
  @IsISO8601({ strict: true }, { message: 'soldAt must be a real date-time' })
  @Matches(ZONED_DATE_TIME, { message: 'soldAt must be a date-time with a zone' })
  @IsDefined({ message: 'soldAt is required' })
  soldAt: string;

  @ApiProperty({ example: 'EUR' })
  @Matches(CURRENCY_PATTERN, { message: 'currency must be an ISO 4217 code such as EUR' })
  @IsDefined({ message: 'currency is required' })
  currency: string;

  @ApiProperty({ type: [SaleLineDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => SaleLineDto)
  @IsDefined({ message: 'lines is required' })
  lines: SaleLineDto[];

  @ApiProperty({ description: 'Sum of the line totals, minor units' })
  @IsInt()
  @IsDefined({ message: 'totalMinor is required' })
  totalMinor: number;
}

export class SaleLineView {
  @ApiProperty({ enum: SALE_LINE_KINDS }) kind: SaleLineKind;
  @ApiProperty() name: string;
  @ApiProperty() quantity: number;
  @ApiProperty() unitPriceMinor: number;
  @ApiProperty() vatRate: number;
  @ApiProperty() totalMinor: number;
}

export class SaleView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) stationId: string;
  @ApiProperty({ nullable: true, type: String }) customerId: string | null;
  @ApiProperty({ nullable: true, type: String }) visitId: string | null;
  @ApiProperty() receiptNumber: string;
  @ApiProperty({ nullable: true, type: String }) receiptUrl: string | null;
  @ApiProperty({ format: 'date-time' }) soldAt: string;
  @ApiProperty() currency: string;
  @ApiProperty() totalMinor: number;
  @ApiProperty({ type: [SaleLineView] }) lines: SaleLineView[];
  @ApiProperty({ nullable: true, type: String }) source: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class SalePage {
  @ApiProperty({ type: [SaleView] }) items: SaleView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class SpentView {
  @ApiProperty() currency: string;
  @ApiProperty({ description: 'Service lines, minor units' }) servicesMinor: number;
  @ApiProperty({ description: 'Product lines, minor units' }) productsMinor: number;
  @ApiProperty() totalMinor: number;
}

export class CustomerSummaryView {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ type: [SpentView], description: 'One entry per currency' }) spent: SpentView[];
  @ApiProperty({ description: 'Completed visits' }) visits: number;
  @ApiProperty() upcoming: number;
  @ApiProperty() cancelled: number;
  @ApiProperty() noShows: number;
  @ApiProperty({ nullable: true, type: String }) firstVisitAt: string | null;
  @ApiProperty({ nullable: true, type: String }) lastVisitAt: string | null;
}

/** Receipts sold in the range, newest first; a worker's are those of their stations. */
export class ListSalesQueryDto extends TimeRangeQueryDto {
  @OptionalId('stationId', 'station')
  stationId?: string;

  @OptionalId('customerId', 'customer')
  customerId?: string;

  @OptionalId('visitId', 'visit', "The visit's receipts")
  visitId?: string;
}
