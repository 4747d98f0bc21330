/**
 * Damaged files: bad checksums, broken records, truncation, non-EVTX input.
 * What can be read is read; what is skipped is reported with file and offset.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Issue } from '../../../src/common/errors.js';
import { parseEvtxBuffer, readEvtx, readEvtxStream } from '../../../src/logs/evtx/index.js';
import { tempDir } from '../../helpers.js';
import { buildChunk, buildFile, fixChunkHeaderCrc, v, type RecordSpec } from './builder.js';

function rec(id: number, text: string): RecordSpec {
  return {
    templateKey: 't',
    template: (t) => {
      t.open('Event').open('System').leaf('EventRecordID', 0, 0x0a).close();
      t.open('EventData').open('Data', [['Name', (w) => w.text('Msg')]]).sub(1, 0x01).close().close().close();
    },
    values: [v.int(0x0a, 8, id), v.str(text)],
  };
}

const FILE_HEADER = 4096;
const CHUNK = 65536;

function threeRecordFile(): { file: Buffer; offsets: number[] } {
  const chunk = buildChunk([rec(1, 'one'), rec(2, 'two'), rec(3, 'three')]);
  const offsets: number[] = [];
  for (let p = 512; p < chunk.readUInt32LE(48); p += chunk.readUInt32LE(p + 4)) offsets.push(FILE_HEADER + p);
  return { file: buildFile([chunk]), offsets };
}

const ids = (r: ReturnType<typeof parseEvtxBuffer>) => r.records.map((x) => x.fields.EventRecordID);
const codes = (issues: Issue[]) => issues.map((i) => i.code);

test('an intact file reads with no issues', () => {
  const r = parseEvtxBuffer(threeRecordFile().file, { file: 'x.evtx' });
  assert.deepEqual(ids(r), [1, 2, 3]);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.records[1]!.fields, { EventRecordID: 2, Msg: 'two' });
});

test('a chunk header checksum mismatch is reported and its records still read', () => {
  const { file } = threeRecordFile();
  file[FILE_HEADER + 60]! ^= 0xff; // inside the checksummed, otherwise unused header area
  const r = parseEvtxBuffer(file, { file: 'x.evtx' });
  assert.deepEqual(ids(r), [1, 2, 3]);
  assert.deepEqual(codes(r.issues), ['evtx-chunk-header-crc']);
  assert.deepEqual(r.issues[0]!.place, { file: 'x.evtx', offset: FILE_HEADER });
});

test('an event-records checksum mismatch is reported and records still read', () => {
  const { file, offsets } = threeRecordFile();
  // Change one UTF-16 character of a value: the records area CRC no longer matches.
  const at = file.indexOf(Buffer.from('three', 'utf16le'), offsets[2]);
  file[at] = 'T'.charCodeAt(0);
  const r = parseEvtxBuffer(file, { file: 'x.evtx' });
  assert.deepEqual(codes(r.issues), ['evtx-chunk-data-crc']);
  assert.equal(r.records[2]!.fields.Msg, 'Three');
});

test('a record with a broken header is skipped to the next signature, with its offset', () => {
  const { file, offsets } = threeRecordFile();
  file.writeUInt32LE(0xdeadbeef, offsets[1]!); // signature of record 2
  const r = parseEvtxBuffer(file, { file: 'x.evtx' });
  assert.deepEqual(ids(r), [1, 3]);
  const skip = r.issues.find((i) => i.code === 'evtx-record-header');
  assert.ok(skip, JSON.stringify(r.issues));
  assert.equal(skip.place?.offset, offsets[1]);
  assert.equal(skip.place?.file, 'x.evtx');
  assert.equal(skip.severity, 'error');
});

test('a record with broken binary XML is skipped, the rest survive', () => {
  const { file, offsets } = threeRecordFile();
  const chunk = file.subarray(FILE_HEADER, FILE_HEADER + CHUNK);
  // Record 2 references the template defined in record 1: point it outside the chunk.
  const instanceAt = offsets[1]! - FILE_HEADER + 24 + 4 + 6;
  chunk.writeUInt32LE(0x7fffffff, instanceAt);
  fixChunkHeaderCrc(chunk);
  const r = parseEvtxBuffer(file, { file: 'x.evtx' });
  assert.deepEqual(ids(r), [1, 3]);
  const bad = r.issues.find((i) => i.code === 'evtx-binxml');
  assert.ok(bad, JSON.stringify(r.issues));
  assert.equal(bad.place?.offset, offsets[1]);
  assert.match(bad.message, /template offset/);
});

test('a truncated file yields the records before the cut and says so', () => {
  const { file, offsets } = threeRecordFile();
  const cut = file.subarray(0, offsets[2]! + 10);
  const r = parseEvtxBuffer(cut, { file: 'x.evtx' });
  assert.deepEqual(ids(r), [1, 2]);
  assert.ok(codes(r.issues).includes('evtx-truncated'));
  assert.ok(r.issues.every((i) => i.place?.file === 'x.evtx' && typeof i.place.offset === 'number'));
});

test('non-EVTX input gives an error issue, not an exception', () => {
  for (const bytes of [Buffer.alloc(0), Buffer.from('hello world\n'), Buffer.alloc(70000, 0x41)]) {
    const r = parseEvtxBuffer(bytes, { file: 'junk' });
    assert.deepEqual(r.records, []);
    assert.equal(r.issues[0]?.code, 'evtx-file-signature');
    assert.equal(r.issues[0]?.severity, 'error');
  }
});

test('a file cut inside its header says so', () => {
  const { file } = threeRecordFile();
  const r = parseEvtxBuffer(file.subarray(0, 2000), { file: 'x.evtx' });
  assert.deepEqual(r.records, []);
  assert.deepEqual(codes(r.issues), ['evtx-truncated']);
  assert.equal(r.issues[0]!.place?.offset, 2000);
});

test('a bad file header checksum is a warning; zero-filled spare chunks are silent', () => {
  const chunk = buildChunk([rec(7, 'x')]);
  const file = buildFile([chunk, Buffer.alloc(CHUNK)]);
  file[50]! ^= 1;
  const r = parseEvtxBuffer(file, { file: 'x.evtx' });
  assert.deepEqual(ids(r), [7]);
  assert.deepEqual(codes(r.issues), ['evtx-file-header-crc']);
});

test('readEvtx streams the same records and issues as parseEvtxBuffer', async () => {
  const dir = tempDir();
  try {
    const { file, offsets } = threeRecordFile();
    file.writeUInt32LE(0, offsets[1]! + 4); // zero size: bad record header
    const two = Buffer.concat([file, buildChunk([rec(10, 'ten'), rec(11, 'eleven')], 10n)]);
    const path = join(dir.path, 'two-chunks.evtx');
    writeFileSync(path, two);
    const issues: Issue[] = [];
    const streamed = [];
    for await (const r of readEvtx(path, { onIssue: (i) => issues.push(i) })) streamed.push(r);
    const whole = parseEvtxBuffer(two, { file: path });
    assert.deepEqual(streamed, whole.records);
    assert.deepEqual(issues, whole.issues);
    assert.deepEqual(
      streamed.map((r) => r.fields.EventRecordID),
      [1, 3, 10, 11],
    );
    assert.equal(streamed[2]!.source.offset, FILE_HEADER + CHUNK + 512);
  } finally {
    dir.cleanup();
  }
});

test('readEvtxStream gives the same records and issues from byte pieces of any size', async () => {
  const { file, offsets } = threeRecordFile();
  file.writeUInt32LE(0xdeadbeef, offsets[1]!);
  const two = Buffer.concat([file, buildChunk([rec(10, 'ten')], 10n).subarray(0, 40000)]);
  const whole = parseEvtxBuffer(two, { file: 'x.evtx' });
  for (const size of [3, 4096, 65536, 100000]) {
    const pieces = [];
    for (let p = 0; p < two.length; p += size) pieces.push(two.subarray(p, p + size));
    const issues: Issue[] = [];
    const got = [];
    for await (const r of readEvtxStream(pieces, { file: 'x.evtx', onIssue: (i) => issues.push(i) })) got.push(r);
    assert.deepEqual(got, whole.records, `pieces of ${size}`);
    assert.deepEqual(issues, whole.issues, `pieces of ${size}`);
  }
  assert.deepEqual(ids(whole), [1, 3, 10]);
  const short: Issue[] = [];
  for await (const _ of readEvtxStream([file.subarray(0, 2000)], { file: 'y', onIssue: (i) => short.push(i) })) assert.fail('no records expected');
  assert.deepEqual(codes(short), ['evtx-truncated']);
});

test('readEvtx reads gzip-compressed logs transparently, and reports a broken gzip stream', async () => {
  const dir = tempDir();
  try {
    const { file } = threeRecordFile();
    const gz = gzipSync(file);
    const path = join(dir.path, 'log.evtx.gz');
    writeFileSync(path, gz);
    const issues: Issue[] = [];
    const got = [];
    for await (const r of readEvtx(path, { onIssue: (i) => issues.push(i) })) got.push(r.fields.EventRecordID);
    assert.deepEqual(got, [1, 2, 3]);
    assert.deepEqual(issues, []);

    const broken = Buffer.from(gz);
    broken.fill(0x55, 40, 80);
    writeFileSync(path, broken);
    const issues2: Issue[] = [];
    for await (const _ of readEvtx(path, { onIssue: (i) => issues2.push(i) })) void _;
    assert.ok(issues2.some((i) => i.code === 'evtx-gzip' && i.place?.file === path), JSON.stringify(issues2));
  } finally {
    dir.cleanup();
  }
});

