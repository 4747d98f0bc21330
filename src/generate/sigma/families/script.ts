/**
 * PowerShell script-block rules (Event 4104, ps_script): the script's most
 * telling cmdlets and .NET members together (download + execute, decode +
 * load, tamper with Defender), and an IOC rule on the hosts, URLs and file
 * names its strings contain. Encoded commands are decoded first, so the rule
 * sees what PowerShell logs, not the base64.
 */
import { lexPowerShell } from '../../command/lex-powershell.js';
import { classifyArg, urlHost } from '../../command/classify.js';
import type { Artefact } from '../artefacts.js';
import { uniq, type RuleDraft } from '../draft.js';
import { psScriptBlock } from '../synth.js';
import { isSharedInfrastructure } from './network.js';
import { isDistinctiveLiteral, type FamilyContext } from './process.js';
import { scriptIndicators } from './indicators.js';

type ScriptArtefact = Extract<Artefact, { kind: 'script' }>;

export function scriptDrafts(a: ScriptArtefact, ctx: FamilyContext): RuleDraft[] {
  const out: RuleDraft[] = [];
  const text = a.text;
  if (text.trim().length < 8) return out;
  const positive = psScriptBlock(text);
  const nearMiss = psScriptBlock('Get-ChildItem -Path C:\\Users\\victim\\Documents | Select-Object Name, Length');
  const logsource = { product: 'windows', category: 'ps_script' };
  const ind = scriptIndicators(text).slice(0, 4);
  if (ind.length >= 2) {
    out.push({
      family: 'script',
      pattern: 'behaviour',
      what: `PowerShell script using ${ind.join(', ')}`,
      logsource,
      selections: [['selection', { 'ScriptBlockText|contains|all': ind }]],
      condition: 'selection',
      level: ind.length >= 3 ? 'high' : 'medium',
      falsepositives: ['Administrative scripts that download and run code the same way'],
      explain: `The script block${a.encoded ? ' (decoded from the report\'s -EncodedCommand)' : ''} uses ${ind.join(', ')} together, as the report's does; its URLs and names are left out so other payloads match. Needs PowerShell Script Block Logging.`,
      positives: [positive],
      nearMisses: [nearMiss],
      artefact: a,
    });
  }
  const lex = lexPowerShell(text);
  const literals = uniq(
    lex.strings
      .concat(lex.commands.flatMap((c) => c.arguments))
      .map((s) => s.trim())
      .flatMap((s) => {
        const k = classifyArg(s);
        if (k === 'url') {
          const h = urlHost(s);
          return h && isSharedInfrastructure(h) ? [s] : h ? [h] : [];
        }
        // hosts, addresses and file names; plain words say too little in a script
        return k !== 'word' && k !== 'text' && k !== 'variable' && isDistinctiveLiteral(s, ctx.catalog) ? [s] : k === 'text' && /^[\w.-]+\.[a-z0-9]{2,4}$/i.test(s) && isDistinctiveLiteral(s, ctx.catalog) ? [s] : [];
      })
      .filter((s) => s.length >= 5 && text.toLowerCase().includes(s.toLowerCase())),
  ).slice(0, 6);
  if (literals.length > 0) {
    out.push({
      family: 'script',
      pattern: 'ioc',
      what: `PowerShell script with the report's values ${literals.slice(0, 3).join(', ')}${literals.length > 3 ? ', …' : ''}`,
      logsource,
      selections: [['selection', { 'ScriptBlockText|contains': literals.length === 1 ? literals[0]! : literals }]],
      condition: 'selection',
      level: 'high',
      falsepositives: ['Scripts that legitimately reference the same hosts or files'],
      explain: `A script block containing the report's own values (${literals.join(', ')}).`,
      positives: [positive],
      nearMisses: [nearMiss],
      artefact: a,
    });
  }
  return out;
}
