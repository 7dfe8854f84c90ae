import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsObject,
  IsArray,
  IsIn,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';

/**
 * Fields a tenant can make required. `address`, `externalId`, `document` and `group` mean at least
 * one of the list.
 */
export const RULE_FIELDS = [
  'firstName',
  'lastName',
  'companyName',
  'businessId',
  'phone',
  'email',
  'address',
  'notes',
  'externalId',
  'description',
  'birthday',
  'nameDay',
  'document',
  'group',
  'source',
  'regularOf',
  'discount',
] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

/**
 * `@IsIn(…, { each: true })` on an array of arrays compares each inner array with the allowed
 * strings and so rejects every non-empty group; this checks the strings inside each group.
 */
function AreRuleFields(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'areRuleFields',
      validator: {
        validate: (value: unknown): boolean =>
          Array.isArray(value) &&
          value.every((field) => (RULE_FIELDS as readonly unknown[]).includes(field)),
        defaultMessage: () =>
          `each atLeastOneOf group may only name these fields: ${RULE_FIELDS.join(', ')}`,
      },
    },
    options,
  );
}

export class KindFieldRulesDto {
  @ApiProperty({ enum: RULE_FIELDS, isArray: true, example: ['firstName', 'lastName'] })
  @IsArray()
  @ArrayMaxSize(RULE_FIELDS.length)
  @IsIn(RULE_FIELDS, { each: true })
  required: RuleField[];

  @ApiProperty({
    description: 'Each group needs at least one of its fields, e.g. [["phone","email"]]',
    example: [['phone', 'email']],
    type: 'array',
    items: { type: 'array', items: { type: 'string', enum: [...RULE_FIELDS] } },
  })
  @IsArray()
  @ArrayMaxSize(10)
  @IsArray({ each: true })
  @ArrayMinSize(2, { each: true, message: 'each atLeastOneOf group needs two or more fields' })
  @AreRuleFields({ each: true })
  atLeastOneOf: RuleField[][];
}

/** A tenant's setting of which customer fields are required, per kind of customer. */
export class FieldRulesDto {
  @ApiProperty({ type: KindFieldRulesDto })
  @IsObject({ message: 'person must be an object with required and atLeastOneOf' })
  @ValidateNested()
  @Type(() => KindFieldRulesDto)
  person: KindFieldRulesDto;

  @ApiProperty({ type: KindFieldRulesDto })
  @IsObject({ message: 'company must be an object with required and atLeastOneOf' })
  @ValidateNested()
  @Type(() => KindFieldRulesDto)
  company: KindFieldRulesDto;
}

export const DEFAULT_FIELD_RULES: FieldRulesDto = {
  person: { required: ['firstName', 'lastName'], atLeastOneOf: [] },
  company: { required: ['companyName'], atLeastOneOf: [] },
};
