import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Locale } from '@kanta/contracts';

@Entity({ name: 'tenants' })
export class Tenant {
  @PrimaryColumn('uuid') id: string;
  @Column('text') slug: string;
  @Column('text') name: string;
  @Column('text') locale: Locale;
  /** Default phone country (ISO 3166-1 alpha-2) for numbers typed without a country code. */
  @Column('char', { length: 2 }) country: string;
  /** IANA time zone: dates are stored in UTC and shown (and typed without a zone) in this one. */
  @Column('text', { name: 'time_zone' }) timeZone: string;
  /** Days between a deletion request and its erasure (0–365). */
  @Column('int', { name: 'deletion_grace_days' }) deletionGraceDays: number;
  /** Years without a visit, sale or edit before a customer is erased (1–30); null: off. */
  @Column('int', { name: 'retention_years', nullable: true }) retentionYears: number | null;
  /** Days a done report's file is kept before the reporting service deletes it (1–365). */
  @Column('int', { name: 'report_retention_days' }) reportRetentionDays: number;
  /** Grows with each change of the announced settings (gateway.tenant.settings.v1). */
  @Column('int', { name: 'settings_version', default: 0 }) settingsVersion: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
