/**
 * Every binary-XML value type and token kind, on files built byte by byte
 * (test/logs/evtx/builder.ts), rendered in both shapes. Types absent from the
 * real samples (reals, arrays, SYSTEMTIME, size_t, …) are covered here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEvtxBuffer } from '../../../src/logs/evtx/index.js';
import { pyFiletime, pyFloat, isoFiletime } from '../../../src/logs/evtx/render-text.js';
import { buildChunk, buildFile, v, type RecordSpec, type SubValue, type TemplateWriter } from './builder.js';

const PROVIDER_GUID = '{5770385f-c22a-43e0-bf4c-06f5698ffbd9}';
// 2019-04-30T22:48:58.5Z as FILETIME
const FT = BigInt(Date.UTC(2019, 3, 30, 22, 48, 58)) * 10_000n + 116444736000000000n + 5_000_000n;

interface Case {
  name: string;
  value: SubValue;
  flat: unknown;
  nested: unknown;
}

const cases: Case[] = [
  { name: 'i8', value: v.int(0x03, 1, -5), flat: '-5', nested: -5 },
  { name: 'u8', value: v.int(0x04, 1, 200), flat: '200', nested: 200 },
  { name: 'i16', value: v.int(0x05, 2, -300), flat: '-300', nested: -300 },
  { name: 'u16', value: v.int(0x06, 2, 60000), flat: '60000', nested: 60000 },
  { name: 'i32', value: v.int(0x07, 4, -70000), flat: '-70000', nested: -70000 },
  { name: 'u32', value: v.int(0x08, 4, 4000000000), flat: '4000000000', nested: 4000000000 },
  { name: 'i64', value: v.int(0x09, 8, -5000000000n), flat: '-5000000000', nested: -5000000000 },
  { name: 'u64big', value: v.int(0x0a, 8, 2n ** 63n), flat: '9223372036854775808', nested: '9223372036854775808' },
  { name: 'r32', value: v.real32(0.5), flat: '0.5', nested: 0.5 },
  { name: 'r32b', value: v.real32(0.1), flat: '0.10000000149011612', nested: Math.fround(0.1) },
  { name: 'r64', value: v.real64(1e-7), flat: '1e-07', nested: 1e-7 },
  { name: 'r64int', value: v.real64(3), flat: '3.0', nested: 3 },
  { name: 'bool', value: v.bool(true), flat: 'True', nested: true },
  { name: 'boolf', value: v.bool(false), flat: 'False', nested: false },
  { name: 'bin', value: v.binary(Uint8Array.from([0x01, 0xab])), flat: 'Aas=', nested: '01AB' },
  { name: 'guid', value: v.guid('{365abb72-d0da-5cc8-0000-00109b5a3c00}'), flat: '{365abb72-d0da-5cc8-0000-00109b5a3c00}', nested: '365ABB72-D0DA-5CC8-0000-00109B5A3C00' },
  { name: 'ft', value: v.filetime(FT), flat: '2019-04-30 22:48:58.500000', nested: '2019-04-30T22:48:58.500000Z' },
  { name: 'st', value: v.systime([2020, 5, 2, 12, 13, 14, 15, 16]), flat: '2020-05-12 13:14:15.000016', nested: '2020-05-12T13:14:15.016000Z' },
  { name: 'sid', value: v.sid('S-1-5-21-1-2-3-500'), flat: 'S-1-5-21-1-2-3-500', nested: 'S-1-5-21-1-2-3-500' },
  { name: 'h32', value: v.hex32(0x1f), flat: '0x0000001f', nested: '0x1f' },
  { name: 'h64', value: v.hex64(0x3e7n), flat: '0x00000000000003e7', nested: '0x3e7' },
  { name: 'size', value: v.sizeT(4096n), flat: '4096', nested: '0x1000' },
  { name: 'ansi', value: v.ansi('abc\0'), flat: 'abc', nested: 'abc' },
  { name: 'trail', value: v.str('x  '), flat: 'x  ', nested: 'x' },
  { name: 'ctrl', value: v.str('a\r\nb\u0001c\td'), flat: 'a\nbc\td', nested: 'a\r\nb\u0001c\td' },
  { name: 'nonascii', value: v.str('Microsoft® \u009d ü'), flat: 'Microsoft® \u009d ü', nested: 'Microsoft® \u009d ü' },
  {
    name: 'sarr',
    value: v.strArray(['p', '', 'q']),
    flat: '<string>p</string>\n<string></string>\n<string>q</string>\n',
    nested: ['p', '', 'q'],
  },
  { name: 'uarr', value: v.u32Array([1, 2]), flat: '1,2', nested: [1, 2] },
  { name: 'null', value: v.null(), flat: '', nested: null },
];

const FIXED = 8; // substitutions used by the System part

function systemTemplate(t: TemplateWriter): void {
  t.open('System');
  t.empty('Provider', [
    ['Name', (w) => w.sub(0, 0x01)],
    ['Guid', (w) => w.sub(1, 0x0f)],
  ]);
  t.open('EventID', [['Qualifiers', (w) => w.sub(2, 0x06, true)]]).sub(3, 0x06).close();
  t.leaf('EventRecordID', 4, 0x0a);
  t.empty('TimeCreated', [['SystemTime', (w) => w.sub(5, 0x11)]]);
  t.leaf('Channel', 6, 0x01);
  t.leaf('Computer', 6, 0x01);
  t.empty('Security', [['UserID', (w) => w.sub(7, 0x13, true)]]);
  t.close();
}

function systemValues(recordId: number, opts: { qualifiers?: number; user?: string } = {}): SubValue[] {
  return [
    v.str('Test-Provider'),
    v.guid(PROVIDER_GUID),
    opts.qualifiers === undefined ? v.null() : v.int(0x06, 2, opts.qualifiers),
    v.int(0x06, 2, 7036),
    v.int(0x0a, 8, recordId),
    v.filetime(FT),
    v.str('Host1'),
    opts.user ? v.sid(opts.user) : v.null(),
  ];
}

function allTypesRecord(): RecordSpec {
  return {
    templateKey: 'all',
    template: (t) => {
      t.open('Event', [['xmlns', (w) => w.text('http://schemas.microsoft.com/win/2004/08/events/event')]]);
      systemTemplate(t);
      t.open('EventData');
      cases.forEach((c, i) => {
        t.open('Data', [['Name', (w) => w.text(c.name)]])
          .sub(FIXED + i, c.value.type, c.name === 'null')
          .close();
      });
      t.open('Data', [['Name', (w) => w.text('lit')]]).text('a').charRef(0x41).text('&').close();
      t.open('Data', [['Name', (w) => w.text('cdata')]]).cdata('x<y').close();
      t.close().close();
    },
    values: [...systemValues(42, { qualifiers: 16384, user: 'S-1-5-18' }), ...cases.map((c) => c.value)],
  };
}

test('every value type renders like python-evtx (flat) and evtx_dump JSON (nested)', () => {
  const file = buildFile([buildChunk([allTypesRecord()])]);
  const flat = parseEvtxBuffer(file);
  assert.deepEqual(flat.issues, []);
  assert.equal(flat.records.length, 1);
  const f = flat.records[0]!.fields;
  for (const c of cases) assert.deepEqual(f[c.name], c.flat, `flat ${c.name}`);
  assert.equal(f.lit, 'aA&');
  assert.equal(f.EventID, 7036);
  assert.equal(f.Qualifiers, '16384');
  assert.equal(f.EventRecordID, 42);
  assert.equal(f.Provider_Name, 'Test-Provider');
  assert.equal(f.Provider_Guid, PROVIDER_GUID);
  assert.equal(f.TimeCreated, '2019-04-30T22:48:58.500000Z');
  assert.equal(f.Security_UserID, 'S-1-5-18');
  assert.equal(f.Computer, 'Host1');

  const nested = parseEvtxBuffer(file, { shape: 'nested' });
  const ev = (nested.records[0]!.fields as { Event: Record<string, any> }).Event;
  for (const c of cases) assert.deepEqual(ev.EventData[c.name], c.nested, `nested ${c.name}`);
  assert.equal(ev.EventData.lit, 'aA&');
  assert.equal(ev.EventData.cdata, 'x<y');
  assert.deepEqual(ev.System.EventID, { '#attributes': { Qualifiers: 16384 }, '#text': 7036 });
  assert.deepEqual(ev.System.Provider, { '#attributes': { Name: 'Test-Provider', Guid: '5770385F-C22A-43E0-BF4C-06F5698FFBD9' } });
  assert.deepEqual(ev.System.TimeCreated, { '#attributes': { SystemTime: '2019-04-30T22:48:58.500000Z' } });
  assert.deepEqual(ev.System.Security, { '#attributes': { UserID: 'S-1-5-18' } });
  assert.deepEqual(ev['#attributes'], { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' });
  assert.equal(nested.records[0]!.source.record, 42);
});

test('optional substitutions left null drop the attribute; templates are reused by offset', () => {
  const spec = (id: number, user?: string): RecordSpec => ({
    templateKey: 'sys',
    template: (t) => {
      t.open('Event');
      systemTemplate(t);
      t.open('EventData').open('Data').sub(FIXED, 0x01).close().open('Data').sub(FIXED + 1, 0x01).close().empty('Binary').close();
      t.close();
    },
    values: [...systemValues(id, user ? { user } : {}), v.str(`first${id}`), v.str(`second${id}`)],
  });
  const file = buildFile([buildChunk([spec(1), spec(2, 'S-1-5-20'), spec(3)])]);
  const { records, issues } = parseEvtxBuffer(file);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    records.map((r) => [r.fields.EventRecordID, r.fields.Security_UserID, r.fields.Data, r.fields.Binary]),
    [
      [1, undefined, ['first1', 'second1'], ''],
      [2, 'S-1-5-20', ['first2', 'second2'], ''],
      [3, undefined, ['first3', 'second3'], ''],
    ],
  );
  assert.equal('Qualifiers' in records[0]!.fields, false);
  const nested = parseEvtxBuffer(file, { shape: 'nested' }).records.map((r) => (r.fields as any).Event.System);
  assert.equal(nested[0].Security, null);
  assert.deepEqual(nested[1].Security, { '#attributes': { UserID: 'S-1-5-20' } });
  assert.equal(nested[0].EventID, 7036);
  const data = parseEvtxBuffer(file, { shape: 'nested' }).records.map((r) => (r.fields as any).Event.EventData);
  assert.deepEqual(data[1], { Data: { '#text': ['first2', 'second2'] }, Binary: null });
});

test('BinXml substitution values (UserData) are spliced in and flattened with _ joins', () => {
  const rec: RecordSpec = {
    templateKey: 'ud',
    template: (t) => {
      t.open('Event');
      systemTemplate(t);
      t.open('UserData').sub(FIXED, 0x21).close();
      t.close();
    },
    values: [
      ...systemValues(9),
      v.binxml((w) => {
        w.open('LogFileCleared', [['xmlns', (x) => x.text('urn:test')]]);
        w.open('SubjectUserName').text('alice').close();
        w.open('Nested').open('Inner').text('x').close().close();
        w.close();
      }),
    ],
  };
  const file = buildFile([buildChunk([rec])]);
  const flat = parseEvtxBuffer(file);
  assert.deepEqual(flat.issues, []);
  const f = flat.records[0]!.fields;
  assert.equal(f.UserDataType, 'LogFileCleared');
  assert.equal(f.SubjectUserName, 'alice');
  assert.equal(f.Nested_Inner, 'x');
  const ev = (parseEvtxBuffer(file, { shape: 'nested' }).records[0]!.fields as any).Event;
  assert.deepEqual(ev.UserData, { LogFileCleared: { '#attributes': { xmlns: 'urn:test' }, SubjectUserName: 'alice', Nested: { Inner: 'x' } } });
});

test('EventData names that collide with System keys get an EventData_ prefix (flat)', () => {
  const rec: RecordSpec = {
    templateKey: 'c',
    template: (t) => {
      t.open('Event');
      systemTemplate(t);
      t.open('EventData').open('Data', [['Name', (w) => w.text('Version')]]).sub(FIXED, 0x01).close().close();
      t.close();
    },
    values: [...systemValues(5), v.str('9.01')],
  };
  const f = parseEvtxBuffer(buildFile([buildChunk([rec])])).records[0]!.fields;
  assert.equal(f.EventData_Version, '9.01');
  assert.equal('Version' in f, false);
});

test('python float and FILETIME formatting', () => {
  assert.equal(pyFloat(1.5), '1.5');
  assert.equal(pyFloat(1e16), '1e+16');
  assert.equal(pyFloat(123456789012345.0), '123456789012345.0');
  assert.equal(pyFloat(0.0001), '0.0001');
  assert.equal(pyFloat(0.00001), '1e-05');
  assert.equal(pyFloat(-2.5e-300), '-2.5e-300');
  assert.equal(pyFloat(NaN), 'nan');
  // A FILETIME whose seconds are whole prints without a fraction, as datetime.isoformat does.
  const whole = BigInt(Date.UTC(2019, 2, 19, 13, 5, 42)) * 10_000n + 116444736000000000n;
  assert.equal(pyFiletime(whole), '2019-03-19 13:05:42');
  assert.equal(isoFiletime(whole + 1234567n), '2019-03-19T13:05:42.123456Z');
  assert.equal(isoFiletime(0n), '1601-01-01T00:00:00.000000Z');
});
