import { randomUUID } from 'node:crypto';
import {
  MERGE_COMPLETED_V1,
  MERGE_REQUESTED_V1,
  MERGE_UNDONE_V1,
  MERGE_UNDO_REQUESTED_V1,
  type MergeParticipant as ParticipantName,
} from '@kanta/contracts';
import {
  MergeParticipant,
  Outbox,
  type EventConsumer,
  type EventHandler,
  type MergeRef,
} from '@kanta/messaging';
import { SCHEMA, createMessagingDatabase, type MessagingDatabase } from './support';

jest.setTimeout(30_000);

/*
 * Which merge requests MergeParticipant runs: one naming no participants (all) or naming this
 * service; one naming only others (a retry for the services that have not answered) runs nothing
 * and answers nothing. The handlers run in a real transaction, their answers in a real outbox.
 */
describe('MergeParticipant: the participants a request names', () => {
  let database: MessagingDatabase;
  const outbox = new Outbox(SCHEMA, 'vehicles');
  const tenantId = randomUUID();
  const handlers = new Map<string, EventHandler>();
  const consumer = {
    on: (type: string, handler: EventHandler) => handlers.set(type, handler),
  } as unknown as EventConsumer;
  const ran: { phase: 'merge' | 'undo'; ref: MergeRef }[] = [];

  beforeAll(async () => {
    database = await createMessagingDatabase('merge-participant');
    new MergeParticipant('vehicles', null).register(consumer, outbox, {
      merge: (_m, _t, ref) => {
        ran.push({ phase: 'merge', ref });
        return Promise.resolve({ counts: { visits: 1 } });
      },
      undo: (_m, _t, ref) => {
        ran.push({ phase: 'undo', ref });
        return Promise.resolve({ counts: { visits: 1 } });
      },
    });
  });
  afterAll(() => database.close());

  const deliver = async (
    type: typeof MERGE_REQUESTED_V1 | typeof MERGE_UNDO_REQUESTED_V1,
    participants?: ParticipantName[],
  ) => {
    const mergeId = randomUUID();
    const payload = {
      mergeId,
      survivorId: randomUUID(),
      duplicateId: randomUUID(),
      requestedAt: new Date().toISOString(),
      ...(participants ? { participants } : {}),
    };
    const event = {
      eventId: randomUUID(),
      type,
      occurredAt: new Date().toISOString(),
      tenantId,
      producer: 'privacy',
      correlationId: null,
      payload,
    };
    await database.dataSource.transaction((manager) =>
      handlers.get(type)!(event, { manager, attempt: 1, lastAttempt: false }),
    );
    return mergeId;
  };
  const answersTo = async (mergeId: string) =>
    database.dataSource.query<{ type: string }[]>(
      `SELECT type FROM "${SCHEMA}".outbox WHERE envelope->'payload'->>'mergeId' = $1`,
      [mergeId],
    );
  const ranFor = (mergeId: string) => ran.filter((r) => r.ref.mergeId === mergeId);

  it('runs and answers a request naming no participants, or naming this one', async () => {
    const all = await deliver(MERGE_REQUESTED_V1);
    const named = await deliver(MERGE_REQUESTED_V1, ['customers', 'vehicles']);
    const undo = await deliver(MERGE_UNDO_REQUESTED_V1, ['vehicles']);

    expect(ranFor(all)).toHaveLength(1);
    expect(ranFor(named)).toHaveLength(1);
    expect(ranFor(undo)).toEqual([expect.objectContaining({ phase: 'undo' })]);
    expect(await answersTo(all)).toEqual([{ type: MERGE_COMPLETED_V1 }]);
    expect(await answersTo(named)).toEqual([{ type: MERGE_COMPLETED_V1 }]);
    expect(await answersTo(undo)).toEqual([{ type: MERGE_UNDONE_V1 }]);
  });

  it('skips a request (merge or undo) naming only other participants: nothing run, no answer', async () => {
    const merge = await deliver(MERGE_REQUESTED_V1, ['customers', 'consents']);
    const undo = await deliver(MERGE_UNDO_REQUESTED_V1, ['consents']);

    expect(ranFor(merge)).toEqual([]);
    expect(ranFor(undo)).toEqual([]);
    expect(await answersTo(merge)).toEqual([]);
    expect(await answersTo(undo)).toEqual([]);
  });
});
