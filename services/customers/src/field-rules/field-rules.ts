import type {
  AddressDto,
  CustomerKind,
  ExternalIdDto,
  FieldError,
  FieldRulesDto,
  IdentityDocumentDto,
  NameDayDto,
  RuleField,
} from '@kanta/contracts';

/** The values the rules look at, as they will be stored. */
export interface RuleSubject {
  kind: CustomerKind;
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
  businessId: string | null;
  phone: string | null;
  email: string | null;
  notes: string | null;
  addresses: AddressDto[];
  externalIds: ExternalIdDto[];
  description: string | null;
  birthday: string | null;
  nameDay: NameDayDto | null;
  documents: IdentityDocumentDto[];
  groupIds: string[];
  sourceId: string | null;
  regularOfUserId: string | null;
  discountPercent: number | null;
}

const present = (value: string | null): boolean => value !== null && value.trim() !== '';

function isFilled(subject: RuleSubject, field: RuleField): boolean {
  switch (field) {
    case 'address':
      return subject.addresses.length > 0;
    case 'externalId':
      return subject.externalIds.length > 0;
    case 'document':
      return subject.documents.length > 0;
    case 'group':
      return subject.groupIds.length > 0;
    case 'nameDay':
      return subject.nameDay !== null;
    case 'source':
      return subject.sourceId !== null;
    case 'regularOf':
      return subject.regularOfUserId !== null;
    case 'discount':
      return subject.discountPercent !== null;
    case 'description':
    case 'birthday':
    case 'firstName':
    case 'lastName':
    case 'companyName':
    case 'businessId':
    case 'phone':
    case 'email':
    case 'notes':
      return present(subject[field]);
  }
}

// Rule names are the API's field names, except the two that stand for a list.
const FIELD_PATH: Record<RuleField, string> = {
  firstName: 'firstName',
  lastName: 'lastName',
  companyName: 'companyName',
  businessId: 'businessId',
  phone: 'phone',
  email: 'email',
  address: 'addresses',
  notes: 'notes',
  externalId: 'externalIds',
  description: 'description',
  birthday: 'birthday',
  nameDay: 'nameDay',
  document: 'documents',
  group: 'groupIds',
  source: 'sourceId',
  regularOf: 'regularOfUserId',
  discount: 'discountPercent',
};

/**
 * Every field the tenant's rules find missing, each named once: a required field, and every
 * field of an "at least one of" group of which none is filled.
 */
export function fieldRuleViolations(rules: FieldRulesDto, subject: RuleSubject): FieldError[] {
  const kindRules = rules[subject.kind];
  const errors = new Map<string, FieldError>();
  for (const field of kindRules.required) {
    if (!isFilled(subject, field)) {
      errors.set(FIELD_PATH[field], {
        field: FIELD_PATH[field],
        reason: 'required',
        message: `${FIELD_PATH[field]} is required`,
      });
    }
  }
  for (const group of kindRules.atLeastOneOf) {
    if (group.some((field) => isFilled(subject, field))) continue;
    const names = group.map((field) => FIELD_PATH[field]);
    for (const name of names) {
      if (errors.has(name)) continue;
      errors.set(name, {
        field: name,
        reason: 'required_one_of',
        message: `at least one of ${names.join(', ')} is required`,
      });
    }
  }
  return [...errors.values()];
}
