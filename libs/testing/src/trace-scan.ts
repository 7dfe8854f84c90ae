import { connect } from 'amqplib';
import { Client, type ClientConfig } from 'pg';
import Redis from 'ioredis';

/*
 * Scans for traces of a person, for the erasure proofs: every place the system writes, found
 * generically (the catalogue's tables, Redis keys under a prefix, the messages in queues), so a
 * new table or key cannot escape the proof by not being listed.
 */

/** Where a needle was found, and how many times. */
export interface TraceHit {
  where: string;
  count: number;
}

/**
 * Every text, character, JSON, array and bytea column of every table of every schema but the
 * catalogue's, searched for each needle (case-insensitively; bytea byte for byte, as given and
 * lower-cased).
 */
export async function scanDatabase(settings: ClientConfig, needles: string[]): Promise<TraceHit[]> {
  const client = new Client(settings);
  await client.connect();
  try {
    const { rows: columns } = await client.query<{
      schema: string;
      table: string;
      column: string;
      type: string;
    }>(
      `SELECT c.table_schema AS schema, c.table_name AS table, c.column_name AS column,
              c.data_type AS type
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE t.table_type = 'BASE TABLE'
          AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
          AND c.table_schema NOT LIKE 'pg_toast%'
          AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY',
                              'bytea', 'USER-DEFINED', 'tsvector')
        ORDER BY 1, 2, 3`,
    );
    if (columns.length === 0) throw new Error('scanDatabase found no columns to scan');
    const hits: TraceHit[] = [];
    for (const { schema, table, column, type } of columns) {
      const ref = `"${schema}"."${table}"."${column}"`;
      const from = `"${schema}"."${table}"`;
      for (const needle of needles) {
        const condition =
          type === 'bytea'
            ? `position(convert_to($1, 'UTF8') IN "${column}") > 0
               OR position(convert_to(lower($1), 'UTF8') IN "${column}") > 0`
            : `"${column}"::text ILIKE '%' || $1 || '%'`;
        const { rows } = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${from} WHERE ${condition}`,
          [needle],
        );
        const count = Number(rows[0].n);
        if (count > 0) hits.push({ where: `${ref} ~ ${needle}`, count });
      }
    }
    return hits;
  } finally {
    await client.end();
  }
}

/**
 * Every key under `prefix` and every value of it (any Redis type), searched for each needle. No
 * key under the prefix is an error: the scan would prove nothing (a wrong prefix).
 */
export async function scanRedis(
  url: string,
  prefix: string,
  needles: string[],
): Promise<TraceHit[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const hits: TraceHit[] = [];
    let scanned = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        scanned += 1;
        const text = `${key}\n${await redisValueText(redis, key)}`.toLowerCase();
        for (const needle of needles) {
          if (text.includes(needle.toLowerCase()))
            hits.push({ where: `redis ${key} ~ ${needle}`, count: 1 });
        }
      }
    } while (cursor !== '0');
    if (scanned === 0) throw new Error(`scanRedis found no key under ${prefix}`);
    return hits;
  } finally {
    redis.disconnect();
  }
}

async function redisValueText(redis: Redis, key: string): Promise<string> {
  switch (await redis.type(key)) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'list':
      return (await redis.lrange(key, 0, -1)).join('\n');
    case 'set':
      return (await redis.smembers(key)).join('\n');
    case 'zset':
      return (await redis.zrange(key, 0, -1)).join('\n');
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    default:
      return '';
  }
}

/**
 * Every message waiting in the queues, read without taking it (each is left unacknowledged and
 * goes back when the channel closes), searched for each needle. A queue that does not exist is
 * an error: the scan would prove nothing (a wrong name).
 */
export async function scanQueues(
  amqpUrl: string,
  queues: string[],
  needles: string[],
): Promise<TraceHit[]> {
  const connection = await connect(amqpUrl);
  const hits: TraceHit[] = [];
  try {
    for (const queue of queues) {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        await channel.checkQueue(queue);
      } catch {
        throw new Error(`scanQueues: no queue ${queue}`);
      }
      for (;;) {
        const message = await channel.get(queue, { noAck: false });
        if (message === false) break;
        const text = message.content.toString('utf8').toLowerCase();
        for (const needle of needles) {
          if (text.includes(needle.toLowerCase())) {
            hits.push({ where: `queue ${queue} ~ ${needle}`, count: 1 });
          }
        }
      }
      await channel.close().catch(() => undefined);
    }
    return hits;
  } finally {
    await connection.close();
  }
}

/** Lines that hold any needle. */
export function scanLines(lines: string[], needles: string[]): TraceHit[] {
  return needles.flatMap((needle) => {
    const count = lines.filter((line) => line.toLowerCase().includes(needle.toLowerCase())).length;
    return count > 0 ? [{ where: `log lines ~ ${needle}`, count }] : [];
  });
}
