/*
 * Reading an import file (issue #16), the part of the dry run before any row is planned: the
 * whole dry run is to plan >= 100,000 CSV rows/s and >= 20,000 XLSX rows/s, so parsing alone has
 * to be far faster (aim: 400,000 CSV rows/s) and flat in memory (the dry run's peak RSS budget
 * for the million rows is 256 MB).
 *
 * - A BENCH_IMPORT_CSV_ROWS (1,000,000) row CSV in a temp dir: name, phone, e-mail, address,
 *   postal code, city, notes (some quoted, with the separator, quotes or a line break), 30 %
 *   with plate, make and model; written as a Finnish export would (`;`, CRLF, UTF-8).
 * - openImportFile(...).batches(5000) over it, every row counted, BENCH_IMPORT_TURNS (3) times:
 *   the best rows/s; then the same with batches(1000); beside them the floor of the same run:
 *   the file's bytes read and decoded to text by the same stream and TextDecoder, nothing
 *   scanned.
 * - A BENCH_IMPORT_XLSX_ROWS (100,000) row XLSX of the same columns (written by exceljs's
 *   streaming writer, shared strings as Excel writes them) read the same way.
 * - BENCH_IMPORT_CSV_ROWS=0 or BENCH_IMPORT_XLSX_ROWS=0 skips that part.
 * - Each parse runs in a fresh process that loads only the reader (not exceljs, nor
 *   bench/support's system libraries: 120 MB of RSS before a byte is read); its peak RSS is the
 *   larger of the RSS sampled every 20 ms and the process's maxRSS.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { openImportFile } from '../services/customers/src/imports/files/open-import-file';

const CSV_ROWS = Number(process.env.BENCH_IMPORT_CSV_ROWS ?? 1_000_000);
const XLSX_ROWS = Number(process.env.BENCH_IMPORT_XLSX_ROWS ?? 100_000);
const TURNS = Number(process.env.BENCH_IMPORT_TURNS ?? 3);
/** The batch size the brief names, and a smaller one (see the note printed at the end). */
const BATCHES = [5000, 1000];

const HEADERS = [
  'Nimi',
  'Puhelin',
  'Sähköposti',
  'Katuosoite',
  'Postinumero',
  'Postitoimipaikka',
  'Lisätiedot',
  'Rekisterinumero',
  'Merkki',
  'Malli',
];
const FIRST = ['Testi', 'Aino', 'Jääskeläinen', 'Łukasz', 'Élodie', 'Олена', 'Mikko', 'Zofia'];
const LAST = ['Asiakas', 'Korhonen', 'Nowak', 'Wiśniewski', 'Lefèvre', 'Шевченко', 'Mäkinen'];
const STREETS = ['Testikatu', 'Hämeenkatu', 'ul. Testowa', 'Rue du Test', 'вул. Тестова'];
const CITIES = ['Helsinki', 'Tampere', 'Gdańsk', 'Paris', 'Київ'];
const NOTES = [
  '',
  '',
  'Soittaa mieluiten aamupäivällä',
  'Renkaat hotellissa; talvirenkaat "Nokian"',
  'Kaksi riviä:\ntoinen rivi',
  '-20 % alennus sovittu',
];
const MAKES = [
  ['Toyota', 'Corolla'],
  ['Škoda', 'Octavia'],
  ['Volvo', 'V70'],
  ['Renault', 'Clio'],
];

function rowCells(i: number): string[] {
  const vehicle = i % 10 < 3;
  const [make, model] = MAKES[i % MAKES.length];
  return [
    `${FIRST[i % FIRST.length]} ${LAST[i % LAST.length]}`,
    `+358 40 ${String(i).padStart(7, '0')}`,
    `testi.${i}@example.test`,
    `${STREETS[i % STREETS.length]} ${(i % 200) + 1}`,
    String(10_000 + (i % 89_999)).padStart(5, '0'),
    CITIES[i % CITIES.length],
    NOTES[i % NOTES.length],
    vehicle ? `TST-${(i % 999) + 1}` : '',
    vehicle ? make : '',
    vehicle ? model : '',
  ];
}

const csvCell = (cell: string): string =>
  /[";\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

async function writeCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  await write(out, `${HEADERS.join(';')}\r\n`);
  let chunk = '';
  for (let i = 0; i < CSV_ROWS; i++) {
    chunk += `${rowCells(i).map(csvCell).join(';')}\r\n`;
    if (chunk.length > 64 * 1024) {
      await write(out, chunk);
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

async function writeXlsx(path: string): Promise<void> {
  // Loaded here, not at the top: each parse runs this script in a fresh process, whose peak RSS
  // is to be the reader's, not exceljs's (the reader does not use it).
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: path,
    useSharedStrings: true,
    useStyles: false,
  });
  const sheet = workbook.addWorksheet('Asiakkaat');
  sheet.addRow(HEADERS).commit();
  for (let i = 0; i < XLSX_ROWS; i++) sheet.addRow(rowCells(i)).commit();
  sheet.commit();
  await workbook.commit();
}

/** The largest RSS seen while `task` runs, sampled every 20 ms. */
async function withPeakRss<T>(task: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const result = await task();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakMb: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

interface Turn {
  rows: number;
  seconds: number;
  peakMb: number;
}

/**
 * One parse in a fresh process (this script with `--parse <file> <batch size>`): its rate and
 * peak RSS are the parser's own, not those of a heap grown by writing the files.
 */
function parse(path: string, batchSize: number): Turn {
  const child = spawnSync(process.execPath, [__filename, '--parse', path, String(batchSize)], {
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`parse of ${path} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Turn;
}

async function parseHere(path: string, batchSize: number): Promise<Turn> {
  const started = process.hrtime.bigint();
  const { result: rows, peakMb } = await withPeakRss(async () => {
    const opened = await openImportFile(path);
    let count = 0;
    for await (const batch of opened.batches(batchSize)) {
      count += batch.length;
      for (const row of batch) {
        if (row.problems.length > 0)
          throw new Error(`row ${row.rowNumber}: ${row.problems[0].code}`);
      }
    }
    return count;
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rows, seconds, peakMb: Math.max(peakMb, process.resourceUsage().maxRSS / 1024) };
}

/** The floor: the same bytes through the same stream and decoder, nothing scanned. */
async function readAndDecode(path: string): Promise<number> {
  const started = process.hrtime.bigint();
  const decoder = new TextDecoder('utf-8');
  let chars = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    chars += decoder.decode(chunk as Buffer, { stream: true }).length;
  }
  if (chars === 0) throw new Error('nothing read');
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const rate = (rows: number, seconds: number): string =>
  `${Math.round(rows / seconds).toLocaleString('en')} rows/s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kanta-import-parse-'));
  try {
    const csv = join(dir, 'customers.csv');
    const xlsx = join(dir, 'customers.xlsx');
    if (CSV_ROWS > 0) {
      console.log(`Import parse: writing ${CSV_ROWS.toLocaleString('en')} CSV rows…`);
      await writeCsv(csv);
      console.log(`  ${(statSync(csv).size / 2 ** 20).toFixed(1)} MiB`);
      await benchCsv(csv);
    }
    if (XLSX_ROWS > 0) {
      console.log(`Import parse: writing ${XLSX_ROWS.toLocaleString('en')} XLSX rows…`);
      await writeXlsx(xlsx);
      console.log(`  ${(statSync(xlsx).size / 2 ** 20).toFixed(1)} MiB`);
      benchXlsx(xlsx);
    }
    console.log(
      'Note: a batch is alive until its consumer lets go of it. 5,000 rows (about 0.85 KB each ' +
        'with the text they hold) outgrow what V8 young generation holds by default, so most ' +
        'rows are copied by the scavenger before they die; 1,000-row batches mostly die young. ' +
        'Run with --max-semi-space-size=64 to see the difference at 5,000.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every CSV parse turn, then the floor: the same bytes read and decoded, nothing scanned. */
async function benchCsv(csv: string): Promise<void> {
  const floors: number[] = [];
  for (const batchSize of BATCHES) {
    const turns: Turn[] = [];
    for (let t = 0; t < TURNS; t++) {
      floors.push(await readAndDecode(csv));
      const turn = parse(csv, batchSize);
      if (turn.rows !== CSV_ROWS) throw new Error(`CSV: ${turn.rows} rows, not ${CSV_ROWS}`);
      turns.push(turn);
      console.log(
        `  CSV batches(${batchSize}) turn ${t + 1}: ${rate(turn.rows, turn.seconds)} ` +
          `(${turn.seconds.toFixed(2)} s), peak RSS ${turn.peakMb.toFixed(0)} MB`,
      );
    }
    const best = turns.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    console.log(
      `CSV ${CSV_ROWS.toLocaleString('en')} rows, batches(${batchSize}): best ` +
        `${rate(best.rows, best.seconds)} (aim >= 400,000); peak RSS ` +
        `${Math.max(...turns.map((t) => t.peakMb)).toFixed(0)} MB (dry run budget 256 MB)`,
    );
  }
  console.log(
    `CSV floor (the same bytes read and decoded, nothing scanned): ` +
      `${rate(CSV_ROWS, Math.min(...floors))}`,
  );
}

function benchXlsx(xlsx: string): void {
  for (const batchSize of BATCHES) {
    const turns: Turn[] = [];
    for (let t = 0; t < TURNS; t++) {
      const turn = parse(xlsx, batchSize);
      if (turn.rows !== XLSX_ROWS) throw new Error(`XLSX: ${turn.rows} rows, not ${XLSX_ROWS}`);
      turns.push(turn);
    }
    const best = turns.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    console.log(
      `XLSX ${XLSX_ROWS.toLocaleString('en')} rows, batches(${batchSize}): best ` +
        `${rate(best.rows, best.seconds)} (whole dry run target >= 20,000); peak RSS ` +
        `${Math.max(...turns.map((t) => t.peakMb)).toFixed(0)} MB`,
    );
  }
}

/** Like support's runBench, without loading support (the whole system's libraries) in the child. */
function run(task: () => Promise<void>): void {
  task().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

if (process.argv[2] === '--parse') {
  run(async () => {
    const turn = await parseHere(process.argv[3], Number(process.argv[4]));
    console.log(JSON.stringify(turn));
  });
} else {
  run(main);
}
