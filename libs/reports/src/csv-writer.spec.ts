import { randomBytes } from 'node:crypto';
import { StalledSink, rowsTakenWhileStalled } from '../test/stalled-sink';
import type { ReportColumn } from './columns';
import { CsvWriter } from './csv-writer';
import type { ReportFormat } from './columns';

// Tens of thousands of rows written and read back: seconds on a busy machine, not milliseconds.
jest.setTimeout(30_000);

const COLUMNS: ReportColumn[] = [
  { header: 'Nimi', type: 'text' },
  { header: 'Puhelin', type: 'phone' },
  { header: 'Luotu', type: 'datetime' },
  { header: 'Päivä', type: 'date' },
  { header: 'Määrä', type: 'number' },
  { header: 'Summa', type: 'money' },
];

async function csvOf(
  format: ReportFormat,
  rows: (string | number | Date | null)[][],
  columns = COLUMNS,
): Promise<Buffer> {
  const sink = new StalledSink();
  sink.release();
  const csv = new CsvWriter(sink, columns, format);
  for (const row of rows) await csv.addRow(row);
  await csv.finish();
  return sink.bytes();
}

describe('CsvWriter', () => {
  it('writes UTF-8 with a BOM, CRLF lines and the locale separator and decimals (fi)', async () => {
    const bytes = await csvOf({ locale: 'fi', timeZone: 'Europe/Helsinki' }, [
      [
        'Jääskeläinen',
        '+358401234567',
        new Date('2026-06-15T09:30:00Z'),
        '2026-06-20',
        3.5,
        1234.5,
      ],
      ['Шевченко', null, null, new Date('2026-01-01T22:30:00Z'), 0, 0.1],
    ]);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8')).toBe(
      'Nimi;Puhelin;Luotu;Päivä;Määrä;Summa\r\n' +
        'Jääskeläinen;+358401234567;2026-06-15 12:30:00;2026-06-20;3,5;1234,50\r\n' +
        'Шевченко;;;2026-01-02;0;0,10\r\n',
    );
  });

  it('writes what the file says about itself after the rows and an empty line', async () => {
    const sink = new StalledSink();
    sink.release();
    const csv = new CsvWriter(sink, COLUMNS.slice(0, 1), {
      locale: 'fi',
      timeZone: 'Europe/Helsinki',
      about: {
        sheetName: 'Tiedot',
        headers: ['Tieto', 'Aika', 'Huomautus'],
        rows: [
          ['Tiedot ajan tasalla', new Date('2026-11-30T10:00:00Z'), null],
          ['Ei ajan tasalla; asiakkaat', null, '=kyllä'],
        ],
      },
    });
    await csv.addRow(['Jääskeläinen']);
    await csv.finish();
    expect(sink.bytes().subarray(3).toString('utf8')).toBe(
      'Nimi\r\nJääskeläinen\r\n\r\n' +
        'Tiedot ajan tasalla;2026-11-30 12:00:00;\r\n' +
        `"Ei ajan tasalla; asiakkaat";;'=kyllä\r\n`,
    );
  });

  it.each([
    ['fi', ';'],
    ['pl', ';'],
    ['fr', ';'],
    ['uk', ';'],
    ['en', ','],
  ] as const)('separates %s fields with "%s"', async (locale, separator) => {
    const text = (await csvOf({ locale, timeZone: 'UTC' }, [['a', 'b', null, null, 1.5, 2]]))
      .subarray(3)
      .toString('utf8');
    const decimal = separator === ';' ? ',' : '.';
    expect(text.split('\r\n')[1]).toBe(
      ['a', 'b', '', '', `1${decimal}5`, `2${decimal}00`].join(separator),
    );
  });

  it('quotes fields as RFC 4180 says', async () => {
    const text = (
      await csvOf(
        { locale: 'en', timeZone: 'UTC' },
        [
          ['Smith, John', 'x'],
          ['say "hi"', 'x'],
          ['two\nlines', 'x'],
          ['semi;colon', 'x'],
        ],
        COLUMNS.slice(0, 2),
      )
    )
      .subarray(3)
      .toString('utf8');
    expect(text.split('\r\n').slice(1)).toEqual([
      '"Smith, John",x',
      '"say ""hi""",x',
      '"two\nlines",x',
      'semi;colon,x',
      '',
    ]);
  });

  it('neutralises formula triggers in text fields, keeps phone numbers as stored', async () => {
    const triggers = ['=1+1', '+1+1', '-1+1', '@SUM(A1)', '\t=1', '\r=1'];
    const text = (
      await csvOf(
        { locale: 'en', timeZone: 'UTC' },
        triggers.map((t) => [t, '+358401234567']),
        COLUMNS.slice(0, 2),
      )
    )
      .subarray(3)
      .toString('utf8');
    expect(text).toBe(
      'Nimi,Puhelin\r\n' +
        "'=1+1,+358401234567\r\n'+1+1,+358401234567\r\n'-1+1,+358401234567\r\n" +
        "'@SUM(A1),+358401234567\r\n'\t=1,+358401234567\r\n\"'\r=1\",+358401234567\r\n",
    );
  });

  it('takes no more rows than a bounded buffer holds while the output does not drain', async () => {
    const sink = new StalledSink();
    const csv = new CsvWriter(sink, [{ header: 'Noise', type: 'text' }], {
      locale: 'en',
      timeZone: 'UTC',
    });
    const total = 50_000;
    const run = await rowsTakenWhileStalled(
      () => csv.addRow([randomBytes(40).toString('hex')]),
      total,
    );
    expect(await run.settled()).toBeLessThan(2_000);
    expect(sink.writableLength).toBeLessThanOrEqual(128 * 1024);
    sink.release();
    await run.done;
    await csv.finish();
    expect(sink.bytes().toString('utf8').split('\r\n')).toHaveLength(total + 2);
  });
});

describe('CsvWriter on a failing output', () => {
  it('fails the next row, instead of crashing or waiting forever, when the output is destroyed', async () => {
    const sink = new StalledSink();
    const csv = new CsvWriter(sink, [{ header: 'Noise', type: 'text' }], {
      locale: 'en',
      timeZone: 'UTC',
    });
    const run = await rowsTakenWhileStalled(
      () => csv.addRow([randomBytes(40).toString('hex')]),
      50_000,
    );
    await run.settled();
    sink.destroy(new Error('client went away'));
    await expect(run.done).rejects.toThrow(/client went away|closed/);
  });
});
