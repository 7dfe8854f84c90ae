import { DEFAULT_FIELD_RULES, type FieldRulesDto } from '@kanta/contracts';
import { fieldRuleViolations, type RuleSubject } from './field-rules';

const person = (fields: Partial<RuleSubject> = {}): RuleSubject => ({
  kind: 'person',
  firstName: null,
  lastName: null,
  companyName: null,
  businessId: null,
  phone: null,
  email: null,
  notes: null,
  addresses: [],
  externalIds: [],
  description: null,
  birthday: null,
  nameDay: null,
  documents: [],
  groupIds: [],
  sourceId: null,
  regularOfUserId: null,
  discountPercent: null,
  ...fields,
});

const nameAndContact: FieldRulesDto = {
  person: { required: ['firstName', 'lastName'], atLeastOneOf: [['phone', 'email']] },
  company: { required: ['companyName'], atLeastOneOf: [] },
};

describe('fieldRuleViolations', () => {
  it('by default wants a person’s first and last name, and nothing else', () => {
    expect(fieldRuleViolations(DEFAULT_FIELD_RULES, person()).map((e) => e.field)).toEqual([
      'firstName',
      'lastName',
    ]);
    expect(
      fieldRuleViolations(DEFAULT_FIELD_RULES, person({ firstName: 'A', lastName: 'B' })),
    ).toEqual([]);
  });

  it('treats blank text as missing', () => {
    expect(
      fieldRuleViolations(DEFAULT_FIELD_RULES, person({ firstName: '  ', lastName: 'B' })).map(
        (e) => e.field,
      ),
    ).toEqual(['firstName']);
  });

  it('expresses "name plus at least a phone or an e-mail", naming every field of the unmet group', () => {
    const errors = fieldRuleViolations(nameAndContact, person({ firstName: 'A', lastName: 'B' }));
    expect(errors.map((e) => [e.field, e.reason])).toEqual([
      ['phone', 'required_one_of'],
      ['email', 'required_one_of'],
    ]);
    expect(
      fieldRuleViolations(
        nameAndContact,
        person({ firstName: 'A', lastName: 'B', email: 'a@b.test' }),
      ),
    ).toEqual([]);
  });

  it('names a field once even when it is both required and in an unmet group', () => {
    const rules: FieldRulesDto = {
      ...nameAndContact,
      person: { required: ['phone'], atLeastOneOf: [['phone', 'email']] },
    };
    expect(fieldRuleViolations(rules, person()).map((e) => e.field)).toEqual(['phone', 'email']);
  });

  it('applies the rules of the customer’s kind, and maps address and externalId to their lists', () => {
    const rules: FieldRulesDto = {
      person: { required: [], atLeastOneOf: [] },
      company: { required: ['companyName', 'address', 'externalId'], atLeastOneOf: [] },
    };
    expect(fieldRuleViolations(rules, person())).toEqual([]);
    expect(fieldRuleViolations(rules, person({ kind: 'company' })).map((e) => e.field)).toEqual([
      'companyName',
      'addresses',
      'externalIds',
    ]);
  });
});
