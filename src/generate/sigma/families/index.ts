/** Artefact → rule drafts, by artefact kind. */
import type { Artefact, Skipped } from '../artefacts.js';
import type { RuleDraft } from '../draft.js';
import { imagePath, processCreation } from '../synth.js';
import { hashDrafts, domainDrafts, ipDrafts } from './network.js';
import { accountDrafts, fileDrafts, processAccessDrafts, registryDrafts, serviceDrafts, taskDrafts } from './objects.js';
import { processDrafts, type FamilyContext } from './process.js';
import { scriptDrafts } from './script.js';

export type { FamilyContext } from './process.js';

function toolDrafts(a: Extract<Artefact, { kind: 'tool' }>, ctx: FamilyContext, skipped: Skipped[]): RuleDraft[] {
  const sw = ctx.catalog.softwareOf(a.exe) ?? ctx.catalog.softwareOf(a.name);
  const bin = ctx.catalog.binary(a.exe);
  const isTool = bin?.role === 'tool' || sw?.kind === 'tool' || (a.attackId !== undefined && sw?.kind !== 'malware' && /^S\d{4}$/.test(a.attackId) && sw === undefined);
  if (!isTool) {
    skipped.push({ procedure: a.procedure.id, what: `tool ${JSON.stringify(a.name)}`, reason: sw?.kind === 'malware' ? 'a malware family name, not an executable name (no command given)' : 'not known as an executable (no command given)' });
    return [];
  }
  if (bin && bin.role !== 'tool') {
    skipped.push({ procedure: a.procedure.id, what: `tool ${JSON.stringify(a.name)}`, reason: `${a.exe} is a system program; without a command there is no suspicious use to describe` });
    return [];
  }
  const windows = a.platform === 'windows';
  const suffix = (windows ? '\\' : '/') + a.exe;
  const ofn = bin?.originalFileName;
  const image = imagePath(a.exe, undefined, a.platform, ctx.catalog);
  return [
    {
      family: 'tool',
      pattern: 'behaviour',
      what: `execution of ${a.name}`,
      logsource: { product: a.platform, category: 'process_creation' },
      selections: [['selection', ofn ? [{ 'Image|endswith': suffix }, { OriginalFileName: ofn }] : { 'Image|endswith': suffix }]],
      condition: 'selection',
      level: 'medium',
      falsepositives: [`Sanctioned use of ${a.name} by administrators or red teams`],
      explain: `The tool the report names (${a.name}${sw?.id ? `, ATT&CK ${sw.id}` : ''}), by its executable name${ofn ? ` or its OriginalFileName ${ofn}` : ''}.`,
      positives: [processCreation({ platform: a.platform, image, commandLine: image, ...(ofn ? { originalFileName: ofn } : {}) })],
      nearMisses: [],
      artefact: a,
    },
  ];
}

export function draftsFor(a: Artefact, ctx: FamilyContext, skipped: Skipped[]): RuleDraft[] {
  switch (a.kind) {
    case 'process':
      return processDrafts(a, ctx);
    case 'script':
      return scriptDrafts(a, ctx);
    case 'registry':
      return registryDrafts(a, ctx);
    case 'file':
      return fileDrafts(a, ctx);
    case 'domain':
      return domainDrafts(a);
    case 'ip':
      return ipDrafts(a);
    case 'hash':
      return hashDrafts(a);
    case 'task':
      return taskDrafts(a);
    case 'service':
      return serviceDrafts(a);
    case 'account':
      return accountDrafts(a);
    case 'target-process':
      return processAccessDrafts(a);
    case 'tool':
      return toolDrafts(a, ctx, skipped);
  }
}
