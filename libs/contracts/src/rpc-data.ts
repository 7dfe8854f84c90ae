import { IsInt, IsString, Length, Max, Min } from 'class-validator';

/*
 * Pieces of RPC data that many operations share. An id is any short string here: one that is
 * not a UUID is simply not found by the service, which answers 404 rather than 422 so that ids
 * cannot be probed.
 */

/** A record named by its id. */
export class ByIdQuery {
  @IsString()
  @Length(1, 100)
  id: string;
}

/** Something of one customer's. */
export class CustomerRef {
  @IsString()
  @Length(1, 100)
  customerId: string;
}

/** An edit of a record read at `expectedVersion` (If-Match); another current version is a 412. */
export class VersionedCommand extends ByIdQuery {
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  expectedVersion: number;
}
