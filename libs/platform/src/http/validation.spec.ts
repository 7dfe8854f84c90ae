import { ArgumentMetadata } from '@nestjs/common';
import { CreateCustomerDto } from '@kanta/contracts';
import { ProblemError } from './problem-error';
import { createValidationPipe } from './validation';

const body: ArgumentMetadata = { type: 'body', metatype: CreateCustomerDto };

async function problemOf(value: unknown): Promise<ProblemError> {
  try {
    await createValidationPipe().transform(value, body);
  } catch (error) {
    return error as ProblemError;
  }
  throw new Error('expected a validation problem');
}

describe('the HTTP validation pipe', () => {
  it('answers 422 with one error per field, nested fields by path and unknown fields named', async () => {
    const problem = await problemOf({
      email: 'nope',
      addresses: [{ type: 'home' }, { type: 'moon', city: 'x'.repeat(101) }],
      favouriteColour: 'blue',
    });
    expect(problem).toBeInstanceOf(ProblemError);
    expect(problem.status).toBe(422);
    expect(problem.problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'email', reason: 'invalid_format' }),
        expect.objectContaining({ field: 'addresses.1.type', reason: 'not_allowed' }),
        expect.objectContaining({ field: 'addresses.1.city', reason: 'too_long' }),
        expect.objectContaining({ field: 'favouriteColour', reason: 'unknown_field' }),
      ]),
    );
    expect(problem.problem.errors).toHaveLength(4);
  });

  it('says required for a field that is missing, and the check it failed for one that is there (null too)', async () => {
    const textId = '0190a0b0-0000-7000-8000-000000000001';
    const problem = await problemOf({
      consents: {
        decisions: [
          { decision: 'granted', textId },
          { purpose: 'marketing_sms', decision: null, textId },
          { purpose: 5, decision: 'granted', textId },
        ],
      },
    });
    expect(problem.problem.errors).toEqual([
      {
        field: 'consents.decisions.0.purpose',
        reason: 'required',
        message: 'purpose is required',
      },
      expect.objectContaining({ field: 'consents.decisions.1.decision', reason: 'not_allowed' }),
      expect.objectContaining({ field: 'consents.decisions.2.purpose', reason: 'invalid_format' }),
    ]);
    expect((await problemOf({ consents: {} })).problem.errors).toEqual([
      { field: 'consents.decisions', reason: 'required', message: 'decisions is required' },
    ]);
  });

  it('lets a valid body through as an instance of the DTO', async () => {
    const value = await createValidationPipe().transform(
      { firstName: 'Aino', lastName: 'Mäkinen' },
      body,
    );
    expect(value).toBeInstanceOf(CreateCustomerDto);
  });
});
