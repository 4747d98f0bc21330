/**
 * From parsed JSON values to `LogRecord`s: decide the flavour of each object
 * (Windows flavours, DARPA CDM, Sysmon for Linux or auditd wrapped in a JSON
 * row, anything else) and shape its fields. One decoder per file, because CDM
 * records refer to objects seen earlier in the same stream.
 */
import type { Issue } from '../common/errors.js';
import type { LogRecord, RecordFormat, SourceLocation } from './record.js';
import { classifyWindowsJson, flattenWindows, isObject } from './windows.js';
import { CdmDecoder, isCdmRecord } from './cdm.js';
import { parseSysmonLinuxXml } from './xml-event.js';
import { auditRecordFields, parseAuditLine } from './auditd.js';

export interface JsonDecoderOptions {
  file: string;
  onIssue?: (i: Issue) => void;
}

/** Text fields in which syslog collectors carry the original message. */
const MESSAGE_FIELDS = ['SyslogMessage', 'syslog_message', 'message', 'Message', 'msg'] as const;

/** Formats whose fields are the parsed object's own values, at most renamed, copied or read as integers. */
const VALUE_PRESERVING = new Set<RecordFormat>(['win-flat', 'win-secdatasets', 'json']);

/**
 * Whether a record decoded from one JSON text holds only that text's values
 * unchanged (so a value's text occurs in the JSON text, escaped as JSON
 * spells it; numbers aside). The other flavours build values: CDM paths
 * from earlier records, XML entities decoded, auditd hex decoded.
 */
export function keepsJsonValues(format: RecordFormat): boolean {
  return VALUE_PRESERVING.has(format);
}

export class JsonRecordDecoder {
  private cdm: CdmDecoder | undefined;

  constructor(private readonly opts: JsonDecoderOptions) {}

  /** Shape one parsed JSON value; undefined (with an Issue) when it is not a record. */
  decode(value: unknown, source: SourceLocation): LogRecord | undefined {
    if (!isObject(value)) {
      this.opts.onIssue?.({
        severity: 'error',
        code: 'not-an-object',
        message: `expected a JSON object, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`,
        place: source,
      });
      return undefined;
    }
    const win = classifyWindowsJson(value);
    if (win) return { fields: flattenWindows(value, win), format: win, source };
    if (isCdmRecord(value)) {
      this.cdm ??= new CdmDecoder({ file: this.opts.file, onIssue: this.opts.onIssue });
      const fields = this.cdm.decode(value, source);
      return fields ? { fields, format: 'cdm', source } : undefined;
    }
    for (const k of MESSAGE_FIELDS) {
      const m = value[k];
      if (typeof m === 'string' && m.includes('<Event') && m.includes('</Event>')) {
        const ev = parseSysmonLinuxXml(m.slice(m.indexOf('<Event')));
        if (ev) {
          const fields: Record<string, unknown> = { ...ev };
          for (const [ok, ov] of Object.entries(value)) if (ok !== k && !(ok in fields)) fields[ok] = ov;
          return { fields, format: 'sysmon-linux', source };
        }
      }
    }
    for (const k of MESSAGE_FIELDS) {
      const m = value[k];
      if (typeof m === 'string' && m.includes('msg=audit(')) {
        // one audit record per row (Azure Log Analytics Syslog, SIEM exports): not grouped by serial
        const record = parseAuditLine(m);
        if (record) {
          const fields = auditRecordFields({ record, raw: m, line: source.line ?? 0, offset: source.offset ?? 0 });
          for (const [ok, ov] of Object.entries(value)) if (ok !== k && !(ok in fields)) fields[ok] = ov;
          if (fields.node === undefined) {
            const host = value.Computer ?? value.HostName ?? value.hostname ?? value.host;
            if (typeof host === 'string') fields.node = host;
          }
          return { fields, format: 'auditd', source };
        }
      }
    }
    return { fields: value, format: 'json' as RecordFormat, source };
  }
}
