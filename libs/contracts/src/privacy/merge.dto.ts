import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

/**
 * The services that hold history of a customer and move it in their own schema when two
 * customers are merged (and back when the merge is undone). The gateway keeps nothing a merge
 * moves: it is not one.
 */
export const MERGE_PARTICIPANTS = ['customers', 'vehicles', 'consents', 'reporting'] as const;
export type MergeParticipant = (typeof MERGE_PARTICIPANTS)[number];

/** How long a merge can be undone, from its request. */
export const MERGE_UNDO_DAYS = 30;

/** The body of POST /customers/{id}/merge: `{id}` survives, the duplicate is merged into it. */
export class MergeCustomersDto {
  @ApiProperty({
    format: 'uuid',
    description:
      'The customer merged into this one: it becomes `merged`, pointing here, and its history ' +
      'moves here',
  })
  @IsUUID('all', { message: 'duplicateId must be a UUID' })
  duplicateId: string;
}

/**
 * A field both cards had filled in with different values: the survivor's value is kept. Only the
 * field's name is recorded (a merge record holds no personal data); both cards show the values.
 */
export class MergeConflictView {
  @ApiProperty({
    description: 'The card field, as the API names it: e.g. customerNumber, birthday',
  })
  field: string;
  @ApiProperty({ enum: ['survivor'], description: "Whose value the survivor's card kept" })
  kept: 'survivor';
}

export const MERGE_STATUSES = ['pending', 'completed', 'undoing', 'undone'] as const;
export type MergeStatus = (typeof MERGE_STATUSES)[number];

/** One participant's confirmation of a merge or of its undo: when, and counts (never values). */
export class MergeConfirmationView {
  @ApiProperty({ enum: MERGE_PARTICIPANTS }) service: MergeParticipant;
  @ApiProperty({ enum: ['pending', 'completed'] }) status: 'pending' | 'completed';
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'What the service moved, by kind: e.g. {"visits": 12}',
  })
  counts: Record<string, number>;
}

/** The undo of a merge: who asked when, and each service's confirmation. */
export class MergeUndoView {
  @ApiProperty({ format: 'uuid' }) requestedBy: string;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt: string | null;
  @ApiProperty({ type: [MergeConfirmationView] }) confirmations: MergeConfirmationView[];
}

/** The merge record: who merged which two customers when, what conflicted, what each moved. */
export class MergeView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) survivorId: string;
  @ApiProperty({ format: 'uuid' }) duplicateId: string;
  @ApiProperty({ enum: MERGE_STATUSES }) status: MergeStatus;
  @ApiProperty({ format: 'uuid', description: 'The user who merged' }) requestedBy: string;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt: string | null;
  @ApiProperty({
    format: 'date-time',
    description: `The merge can be undone until then (${MERGE_UNDO_DAYS} days from the request)`,
  })
  undoableUntil: string;
  @ApiProperty({
    type: [MergeConflictView],
    description: "Fields both cards had with different values (the customers service's answer)",
  })
  conflicts: MergeConflictView[];
  @ApiProperty({ type: [MergeConfirmationView] }) confirmations: MergeConfirmationView[];
  @ApiPropertyOptional({ type: () => MergeUndoView, description: 'Only once an undo was asked' })
  undo?: MergeUndoView;
}
