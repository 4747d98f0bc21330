/** Fixtures and event builders shared by the generate tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAti } from '../../src/generate/input.js';
import type { AtiDocument } from '../../src/intel/schema.js';
import { compileRules, loadRuleText, type CompiledRuleSet, type EventFields } from '../../src/sigma/index.js';
import { loadPipeline } from '../../src/sigma/pipeline/index.js';
import type { GeneratedRule } from '../../src/generate/sigma/build.js';
import { repoRoot } from '../helpers.js';

export const fixtureDir = join(repoRoot, 'test', 'fixtures', 'generate');

export function fixture(name: 'apt-windows' | 'linux-miner' | 'hostile' | 'hostile-syntax'): AtiDocument {
  const file = join(fixtureDir, `${name}.ati.json`);
  return parseAti(readFileSync(file, 'utf8'), file);
}

/** Compile one generated rule from its YAML, as a user of the file would. */
export function compiled(rule: GeneratedRule): CompiledRuleSet {
  const c = loadRuleText(rule.yaml, rule.fileName);
  if (c.issues.length > 0 || c.rules.length !== 1) throw new Error(`rule does not load: ${c.issues.map((i) => i.message).join('; ')}`);
  return compileRules(c, { pipeline: loadPipeline(['default']) });
}

/** A Sysmon process-creation event as the EVTX-to-JSON readers produce it. */
export function sysmonProcess(image: string, commandLine: string, extra: Record<string, string> = {}): EventFields {
  return {
    EventID: 1,
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    Provider_Name: 'Microsoft-Windows-Sysmon',
    Computer: 'WS-17.corp.example',
    Image: image,
    CommandLine: commandLine,
    ParentImage: 'C:\\Windows\\System32\\cmd.exe',
    User: 'CORP\\alice',
    ...extra,
  };
}
