import { isDatabaseUnavailable } from './errors';

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006', message: 'connection failure' }],
    [{ code: '3D000', message: 'database "x" does not exist' }],
    [{ code: '57014', message: 'canceling statement due to statement timeout' }],
    [{ code: '55P03', message: 'canceling statement due to lock timeout' }],
    [{ code: '25P03', message: 'terminating connection due to idle-in-transaction timeout' }],
    [new Error('timeout exceeded when trying to connect')],
    [{ name: 'QueryFailedError', driverError: { code: '57P03' } }],
  ])('says the database cannot serve for %p', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    [{ code: '23505', message: 'duplicate key value violates unique constraint' }],
    [{ code: '42P01', message: 'relation does not exist' }],
    [new Error('boom')],
    [undefined],
  ])('leaves request errors and bugs alone: %p', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
