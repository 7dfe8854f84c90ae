import type { ArgumentMetadata } from '@nestjs/common';
import { CreateCustomerDto, UpdateCustomerDto } from '@kanta/contracts';
import { decimalPlaces } from './input-rules';
import { ProblemError } from './problem-error';
import { createValidationPipe } from './validation';

const create: ArgumentMetadata = { type: 'body', metatype: CreateCustomerDto };
const update: ArgumentMetadata = { type: 'body', metatype: UpdateCustomerDto };

async function errorsOf(value: unknown, metadata = create): Promise<unknown[]> {
  try {
    await createValidationPipe().transform(value, metadata);
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemError);
    expect((error as ProblemError).status).toBe(422);
    return (error as ProblemError).problem.errors ?? [];
  }
  return [];
}

const refusal = (field: string, reason: string): unknown =>
  expect.objectContaining({ field, reason, message: expect.stringContaining(field) });

describe('the input rules of the validation pipe', () => {
  it.each([
    ['a NUL', 'firstName', 'a\u0000b'],
    ['a bell', 'lastName', 'Bell\u0007'],
    ['an escape', 'companyName', '\u001b[31mRed'],
    ['a DEL', 'businessId', 'x\u007f'],
    ['a C1 control', 'firstName', 'x\u0085'],
    ['a line break in a one-line field', 'lastName', 'two\nlines'],
    ['a tab in a one-line field', 'firstName', 'a\tb'],
    ['a NUL in prose', 'notes', 'a\u0000b'],
    ['a bell in prose', 'description', 'ding\u0007'],
  ])('refuses %s, naming the field', async (_what, field, text) => {
    expect(await errorsOf({ firstName: 'A', lastName: 'B', [field]: text })).toEqual([
      refusal(field, 'control_character'),
    ]);
  });

  it('names the character it found', async () => {
    expect(await errorsOf({ firstName: 'A\u001b', lastName: 'B' })).toEqual([
      expect.objectContaining({ message: expect.stringContaining('U+001B') }),
    ]);
  });

  it('finds control characters in nested DTOs and arrays by path', async () => {
    expect(
      await errorsOf({
        firstName: 'A',
        lastName: 'B',
        addresses: [
          { type: 'home', city: 'Oulu' },
          { type: 'home', street: 'Tie\u00001' },
        ],
        externalIds: [{ system: 'dms', id: 'X\u0007' }],
      }),
    ).toEqual([
      refusal('addresses.1.street', 'control_character'),
      refusal('externalIds.0.id', 'control_character'),
    ]);
  });

  it('lets line breaks and tabs into prose', async () => {
    await expect(
      createValidationPipe().transform(
        { firstName: 'A', lastName: 'B', notes: 'line one\r\nline two\tend' },
        create,
      ),
    ).resolves.toBeInstanceOf(CreateCustomerDto);
  });

  it('refuses null on an optional field the document does not call nullable', async () => {
    expect(await errorsOf({ status: null }, update)).toEqual([
      refusal('status', 'null_not_allowed'),
    ]);
    expect(await errorsOf({ stationIds: null }, update)).toEqual([
      refusal('stationIds', 'null_not_allowed'),
    ]);
  });

  it('takes null where the document says nullable (it clears the field)', async () => {
    const value = await createValidationPipe().transform(
      { email: null, notes: null, addresses: null, discountPercent: null, nameDay: null },
      update,
    );
    expect(value).toMatchObject({ email: null, notes: null, addresses: null });
  });

  it.each([1e-7, 5e-324, 1.5e-7, 0.001])(
    'refuses %s in a field of two decimals as a number with too many decimals',
    async (discountPercent) => {
      expect(await errorsOf({ firstName: 'A', lastName: 'B', discountPercent })).toEqual([
        expect.objectContaining({
          field: 'discountPercent',
          message: 'discountPercent must be a number with at most two decimals',
        }),
      ]);
    },
  );

  it('reports a rule breach together with the other fields’ problems', async () => {
    expect(await errorsOf({ firstName: 'a\u0000', lastName: 5, shoeSize: 1 })).toEqual(
      expect.arrayContaining([
        refusal('firstName', 'control_character'),
        refusal('lastName', 'invalid_type'),
        expect.objectContaining({ field: 'shoeSize', reason: 'unknown_field' }),
      ]),
    );
  });

  it('counts the decimals of numbers in exponent form', () => {
    expect(decimalPlaces(12.5)).toBe(1);
    expect(decimalPlaces(100)).toBe(0);
    expect(decimalPlaces(1e21)).toBe(0);
    expect(decimalPlaces(1e-7)).toBe(7);
    expect(decimalPlaces(1.25e-7)).toBe(9);
    expect(decimalPlaces(5e-324)).toBe(324);
  });
});
