import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '@kanta/contracts';

@Entity({ name: 'users' })
export class User {
  @PrimaryColumn('uuid') id: string;
  @Column('text') email: string;
  @Column('text', { name: 'password_hash' }) passwordHash: string;
  @Column('text') role: Role;
  @Column('uuid', { name: 'tenant_id', nullable: true }) tenantId: string | null;
  @Column('boolean') active: boolean;
  /** Bumped by every password change: tokens of an older version no longer work. */
  @Column('integer', { name: 'token_version', default: 0 }) tokenVersion: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** The link of a user to a station they work at. */
@Entity({ name: 'user_stations' })
export class UserStation {
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'user_id' }) userId: string;
  @PrimaryColumn('uuid', { name: 'station_id' }) stationId: string;
}
