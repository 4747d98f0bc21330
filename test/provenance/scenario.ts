/**
 * The scenario fixture as NormalizedEvents, through a minimal Sysmon mapping
 * of our own, so the graph core is tested independently of the log readers
 * (the CLI tests read the same file through the real readers).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NormalizedEvent, EventKind } from '../../src/logs/event.js';
import { repoRoot } from '../helpers.js';

export const scenarioFile = join(repoRoot, 'test', 'fixtures', 'provenance', 'office-macro-scenario.jsonl');

const kinds: Record<number, EventKind> = { 1: 'process_create', 3: 'network_connect', 5: 'process_exit', 7: 'image_load', 11: 'file_create', 13: 'registry_set', 22: 'dns_query', 23: 'file_delete' };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined => (v === undefined || v === '' ? undefined : Number(v));

export function sysmonToEvent(f: Record<string, unknown>, file: string, line: number): NormalizedEvent {
  const eid = Number(f.EventID);
  const kind = kinds[eid] ?? 'other';
  const ev: NormalizedEvent = {
    time: Date.parse(String(f.UtcTime).replace(' ', 'T') + 'Z'),
    host: String(f.Computer),
    provider: str(f.Provider_Name),
    channel: str(f.Channel),
    eventId: eid,
    kind,
    subject: {
      pid: int(f.ProcessId),
      guid: str(f.ProcessGuid),
      image: str(f.Image),
      commandLine: str(f.CommandLine),
      user: str(f.User),
      integrity: str(f.IntegrityLevel),
    },
    raw: f,
    source: { file, line, record: Number(f.EventRecordID) },
  };
  if (eid === 1) {
    ev.subject!.parent = { pid: int(f.ParentProcessId), guid: str(f.ParentProcessGuid), image: str(f.ParentImage), commandLine: str(f.ParentCommandLine) };
  }
  if (eid === 11 || eid === 23) ev.object = { file: { path: String(f.TargetFilename) } };
  if (eid === 7) ev.object = { module: String(f.ImageLoaded) };
  if (eid === 13) ev.object = { registry: { key: String(f.TargetObject), data: str(f.Details) } };
  if (eid === 22) ev.object = { domain: String(f.QueryName) };
  if (eid === 3) {
    ev.object = {
      network: {
        protocol: str(f.Protocol),
        direction: f.Initiated === 'true' ? 'outbound' : 'inbound',
        localAddress: str(f.SourceIp),
        localPort: int(f.SourcePort),
        remoteAddress: str(f.DestinationIp),
        remotePort: int(f.DestinationPort),
      },
    };
  }
  return ev;
}

export function scenarioEvents(): NormalizedEvent[] {
  return readFileSync(scenarioFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => sysmonToEvent(JSON.parse(l) as Record<string, unknown>, scenarioFile, i + 1));
}
