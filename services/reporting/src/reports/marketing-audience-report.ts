import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  MarketingAudienceCriteriaDto,
  type AudienceConsent,
  type CallerContext,
} from '@kanta/contracts';
import type { ReportColumn } from '@kanta/reports';
import type { Writable } from 'node:stream';
import {
  checkedCriteria,
  writeInPages,
  writeTable,
  type BatchWritten,
  type ReportDefinition,
} from './report-definition';
import type { ReportJobRecord } from './report-jobs.repository';
import { NAME } from './registry-report';
import {
  AUDIENCE_HEADERS,
  AUDIENCE_SHEETS,
  CHANNEL_LABELS,
  CONSENT_DECISION_LABELS,
  REGISTRY_HEADERS,
} from './report-labels';

/** The built-in purposes that are the two marketing channels (libs/contracts, consents). */
const EMAIL_PURPOSE = 'marketing_email';
const SMS_PURPOSE = 'marketing_sms';

interface AudienceRow {
  customer_id: string;
  customer_number: string | null;
  name: string | null;
  email: string | null;
  phone: string | null;
  preferred_channel: string | null;
  email_decision: string | null;
  email_text_version: number | null;
  sms_decision: string | null;
  sms_text_version: number | null;
}

interface TextRow {
  purpose: string;
  decision: string;
  text_version: number | null;
  text_id: string | null;
  customers: number;
}

/** Granted is the current decision `granted`; withdrawn, "no decision" or none are not. */
const EMAIL = `coalesce(e.decision = 'granted', false)`;
const SMS = `coalesce(s.decision = 'granted', false)`;
const BY_CONSENT: Record<AudienceConsent, string> = {
  both: `${EMAIL} AND ${SMS}`,
  email: `${EMAIL} AND NOT ${SMS}`,
  sms: `${SMS} AND NOT ${EMAIL}`,
  either: `(${EMAIL} OR ${SMS})`,
  neither: `NOT ${EMAIL} AND NOT ${SMS}`,
};

/**
 * The audience's rows: live cards (not erased, not merged into another), never a blocked
 * customer, with their e-mail and SMS marketing decisions ($1 tenant). `consent` is one of the
 * checked criteria, so the SQL is one of five fixed texts.
 */
const audienceFrom = (consent: AudienceConsent): string => `
    FROM reporting.customers c
    LEFT JOIN reporting.consents e ON e.tenant_id = c.tenant_id
     AND e.customer_id = c.customer_id AND e.purpose = '${EMAIL_PURPOSE}'
    LEFT JOIN reporting.consents s ON s.tenant_id = c.tenant_id
     AND s.customer_id = c.customer_id AND s.purpose = '${SMS_PURPOSE}'
    LEFT JOIN reporting.preferences p ON p.tenant_id = c.tenant_id
     AND p.customer_id = c.customer_id
   WHERE c.tenant_id = $1 AND c.status NOT IN ('erased', 'merged')
     AND NOT coalesce(p.blocked, false) AND ${BY_CONSENT[consent]}`;

/**
 * Timma's marketing filter: the e-mail addresses and phone numbers of the customers by their
 * marketing consents (`marketing_email` is the e-mail channel, `marketing_sms` the SMS one):
 * both granted, e-mail only, SMS only, either, or neither. Never a blocked customer; live cards
 * only; with the preferred channel and, per row, the version of the consent text each decision
 * was given under. The XLSX adds a sheet of the consent texts the rows' decisions rest on (text
 * version and id, customers); the CSV stays one table (its per-row versions say the same).
 */
@Injectable()
export class MarketingAudienceReport implements ReportDefinition {
  readonly type = 'marketing-audience';
  readonly forWorkers = false;

  constructor(private readonly dataSource: DataSource) {}

  async criteria(
    _context: CallerContext,
    raw: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    return { ...(await checkedCriteria(MarketingAudienceCriteriaDto, raw)) };
  }

  async count(job: ReportJobRecord): Promise<number> {
    const [audience] = await this.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count ${audienceFrom(consentOf(job))}`,
      [job.tenantId],
    );
    return audience.count + (job.format === 'xlsx' ? (await this.texts(job)).length : 0);
  }

  async write(job: ReportJobRecord, out: Writable, written: BatchWritten): Promise<number> {
    const { locale, timeZone } = job;
    const h = (key: keyof typeof AUDIENCE_HEADERS) => AUDIENCE_HEADERS[key][locale];
    const columns: ReportColumn[] = [
      { header: REGISTRY_HEADERS.name[locale], type: 'text', width: 28 },
      { header: h('email'), type: 'text', width: 32 },
      { header: REGISTRY_HEADERS.phone[locale], type: 'phone' },
      { header: h('preferredChannel'), type: 'raw', width: 18 },
      { header: h('emailConsent'), type: 'raw', width: 16 },
      { header: h('emailText'), type: 'number' },
      { header: h('smsConsent'), type: 'raw', width: 16 },
      { header: h('smsText'), type: 'number' },
      { header: REGISTRY_HEADERS.number[locale], type: 'raw', width: 14 },
      { header: REGISTRY_HEADERS.id[locale], type: 'raw', width: 38 },
    ];
    const label = (labels: Record<string, Record<string, string>>, value: string | null) =>
      value === null ? null : (labels[value]?.[locale] ?? value);
    const cells = (row: AudienceRow) => [
      row.name,
      row.email,
      row.phone,
      label(CHANNEL_LABELS, row.preferred_channel),
      label(CONSENT_DECISION_LABELS, row.email_decision),
      row.email_text_version,
      label(CONSENT_DECISION_LABELS, row.sms_decision),
      row.sms_text_version,
      row.customer_number,
      row.customer_id,
    ];
    return writeTable(
      job,
      out,
      { locale, timeZone },
      AUDIENCE_SHEETS.audience[locale],
      columns,
      (add) => this.audience(job, written, (row) => add(cells(row))),
      async (book) => {
        const texts = book.addSheet(AUDIENCE_SHEETS.texts[locale], [
          { header: h('purpose'), type: 'raw', width: 20 },
          { header: h('decision'), type: 'raw', width: 14 },
          { header: h('textVersion'), type: 'number' },
          { header: h('textId'), type: 'raw', width: 38 },
          { header: h('customers'), type: 'number' },
        ]);
        const rows = await this.texts(job);
        for (const text of rows) {
          await texts.addRow([
            text.purpose,
            label(CONSENT_DECISION_LABELS, text.decision),
            text.text_version,
            text.text_id,
            text.customers,
          ]);
        }
        return rows.length;
      },
    );
  }

  private audience(
    job: ReportJobRecord,
    written: BatchWritten,
    add: (row: AudienceRow) => Promise<void>,
  ): Promise<number> {
    return writeInPages(
      (after: string | null, limit) =>
        this.dataSource.query<AudienceRow[]>(
          `SELECT c.customer_id, c.customer_number,
                  ${NAME} AS name,
                  c.email, c.phone, p.preferred_channel,
                  e.decision AS email_decision, e.text_version AS email_text_version,
                  s.decision AS sms_decision, s.text_version AS sms_text_version
             ${audienceFrom(consentOf(job))}
              AND ($2::uuid IS NULL OR c.customer_id > $2)
            ORDER BY c.customer_id LIMIT $3`,
          [job.tenantId, after, limit],
        ),
      (row) => row.customer_id,
      (batch) => batch.map((row) => row.customer_id),
      add,
      0,
      written,
    );
  }

  /**
   * The consent texts the audience's marketing decisions rest on: per purpose, decision and
   * text version, the customers. A decision from before texts were kept has no version.
   */
  private texts(job: ReportJobRecord): Promise<TextRow[]> {
    return this.dataSource.query<TextRow[]>(
      `SELECT k.purpose, k.decision, k.text_version, k.text_id, count(*)::int AS customers
         FROM (SELECT e.decision AS e_decision, e.text_version AS e_version, e.text_id AS e_text,
                      s.decision AS s_decision, s.text_version AS s_version, s.text_id AS s_text
               ${audienceFrom(consentOf(job))}) a
        CROSS JOIN LATERAL (VALUES
          ('${EMAIL_PURPOSE}', a.e_decision, a.e_version, a.e_text),
          ('${SMS_PURPOSE}', a.s_decision, a.s_version, a.s_text)
        ) AS k(purpose, decision, text_version, text_id)
        WHERE k.decision IS NOT NULL
        GROUP BY k.purpose, k.decision, k.text_version, k.text_id
        ORDER BY k.purpose, k.decision, k.text_version DESC NULLS LAST, k.text_id`,
      [job.tenantId],
    );
  }
}

function consentOf(job: ReportJobRecord): AudienceConsent {
  return job.criteria.consent as AudienceConsent;
}
