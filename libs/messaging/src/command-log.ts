import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  DEADLINE_PASSED_SQLSTATE,
  deadlinePassed,
  idempotencyKeyReused,
  isDeadlinePassed,
  type WriteCommand,
} from '@kanta/platform';

/**
 * What the first delivery of a command left: the record it made or changed (re-read for the
 * answer, as it is now), or, for a command whose answer is no record, that answer as it was
 * (kept only when it holds no personal data: counts, ids).
 */
export interface EarlierCommand {
  resultId: string | null;
  answer: unknown;
}

/**
 * Makes each write command take effect once, whatever is redelivered. Commands are delivered at
 * least once: a service that commits and dies before acking gets the same command again, and a
 * client may send its Idempotency-Key again. Each write records its command id in
 * `"<schema>".commands` in the same transaction as its effect (`record`, or `statementPart` for
 * a one-statement write); the row's primary key makes a second recording fail, which rolls the
 * second effect back, and `once` then answers what the first one did, read again by the id of
 * the record it made or changed. A trigger deferred to commit time refuses to commit a command
 * whose deadline has passed, so a gateway that answered 504 has not had the work done behind it.
 * Rows of gateway-made ids are deleted an hour after their deadline (a redelivery after the
 * deadline is refused anyway); client keys are kept.
 */
@Injectable()
export class CommandLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  /**
   * Runs `write` unless this command has taken effect before; then answers `replay` with what
   * the earlier delivery left. `write` must record the command in the transaction of its effect.
   * A `write` that fails because a concurrent delivery recorded the command first is answered by
   * `replay` too.
   */
  async once<T>(
    command: WriteCommand,
    write: () => Promise<T>,
    replay: (earlier: EarlierCommand) => Promise<T>,
  ): Promise<T> {
    if (command.expired) throw deadlinePassed();
    const earlier = await this.earlier(command);
    if (earlier) return replay(earlier);
    try {
      return await write();
    } catch (error) {
      if (isDeadlinePassed(error)) throw deadlinePassed();
      // A concurrent delivery of the same command may have won: its effect is the answer,
      // whatever this one ran into (the command's key, or a unique key of its record).
      const winner = await this.earlier(command);
      if (winner) return replay(winner);
      throw error;
    }
  }

  /**
   * What an earlier delivery of this command left, or null. The same id with another request
   * (pattern or data) is a 422 `idempotency-key-reused`; a key carried over from before the
   * command log has no fingerprint and matches any request of its pattern.
   */
  async earlier(
    command: WriteCommand,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<EarlierCommand | null> {
    const rows = await manager.query<
      { pattern: string; fingerprint: string | null; result_id: string | null; answer: unknown }[]
    >(
      `SELECT pattern, fingerprint, result_id, answer FROM "${this.schema}".commands
        WHERE tenant_id = $1 AND command_id = $2`,
      [command.tenantKey, command.id],
    );
    const row = rows[0];
    if (!row) return null;
    if (
      row.pattern !== command.pattern ||
      (row.fingerprint !== null && row.fingerprint !== command.fingerprint)
    ) {
      throw idempotencyKeyReused();
    }
    return { resultId: row.result_id, answer: row.answer };
  }

  /**
   * Records the command in `manager`'s transaction, with the id of the record it made or changed,
   * and/or what else its answer needs that is no record (without personal data). A command
   * recorded before (or
   * concurrently, once that commits) fails with a unique violation, which rolls the caller's
   * transaction back; `once` answers it.
   */
  async record(
    manager: EntityManager,
    command: WriteCommand,
    result: { id?: string; answer?: unknown },
  ): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('CommandLog.record must run inside the transaction of the command’s effect');
    }
    const part = this.statementPart(command, 1);
    await manager.query(part.sql, [
      ...part.params,
      result.id ?? null,
      result.answer === undefined ? null : JSON.stringify(result.answer),
    ]);
  }

  /**
   * For a write made by one SQL statement: an INSERT of the command to put in its WITH clause
   * (see commandStatementPart).
   */
  statementPart(
    command: WriteCommand,
    firstParam: number,
    resultId?: string,
  ): { sql: string; params: unknown[] } {
    return commandStatementPart(this.schema, command, firstParam, resultId);
  }
}

/**
 * An INSERT of a write command into `"<schema>".commands`, to put in the WITH clause of a write
 * made by one SQL statement; parameters numbered from `$<firstParam>`. `resultId` is an SQL
 * expression of the statement (a parameter or a column of an earlier part), or omitted for two
 * parameters after these: the result's id and its answer.
 */
export function commandStatementPart(
  schema: string,
  command: WriteCommand,
  firstParam: number,
  resultId?: string,
): { sql: string; params: unknown[] } {
  command.recorded = true;
  const p = (i: number): string => `$${firstParam + i}`;
  return {
    sql: `INSERT INTO "${schema}".commands
            (tenant_id, command_id, pattern, fingerprint, from_client, deadline, result_id, answer)
          VALUES (${p(0)}::uuid, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}::timestamptz,
                  ${resultId === undefined ? `${p(6)}::uuid, ${p(7)}::jsonb` : `${resultId}, NULL`})`,
    params: [
      command.tenantKey,
      command.id,
      command.pattern,
      command.fingerprint,
      command.fromClient,
      command.deadline?.toISOString() ?? null,
    ],
  };
}

/**
 * The command log of a service's schema (see CommandLog). The deadline is checked by a
 * constraint trigger deferred to the commit, the last moment a transaction can still be
 * refused. Versioned by name: a migration that ran it must keep getting the same SQL.
 */
export function commandLogTableV1Up(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".commands (
       tenant_id uuid NOT NULL,
       command_id text NOT NULL,
       pattern text NOT NULL,
       fingerprint text,
       from_client boolean NOT NULL,
       deadline timestamptz,
       result_id uuid,
       answer jsonb,
       created_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (tenant_id, command_id)
     )`,
    `CREATE INDEX commands_expiring_idx ON "${schema}".commands (deadline) WHERE NOT from_client`,
    `CREATE FUNCTION "${schema}".command_deadline_check() RETURNS trigger
       LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.deadline IS NOT NULL AND clock_timestamp() > NEW.deadline THEN
         RAISE EXCEPTION 'the command''s deadline passed before its commit'
           USING ERRCODE = '${DEADLINE_PASSED_SQLSTATE}';
       END IF;
       RETURN NULL;
     END $$`,
    `CREATE CONSTRAINT TRIGGER commands_deadline AFTER INSERT ON "${schema}".commands
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
       EXECUTE FUNCTION "${schema}".command_deadline_check()`,
  ];
}

export function commandLogTableV1Down(schema: string): string[] {
  return [`DROP TABLE "${schema}".commands`, `DROP FUNCTION "${schema}".command_deadline_check()`];
}
