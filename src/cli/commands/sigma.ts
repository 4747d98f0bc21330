/**
 * `ttpscope sigma check PATH...`: lint Sigma rules (load problems and
 * switchable validators), and `ttpscope sigma pipelines`: list the built-in
 * processing pipelines.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError, formatPlace } from '../../common/errors.js';
import { dataLayout, existingCacheDir } from '../../datadir/paths.js';
import { loadRules } from '../../sigma/rule/load.js';
import { attackTagChecker, emptyLintConfig, lintCollection, readLintConfig, VALIDATORS, OFF_BY_DEFAULT, type AttackTagChecker, type LintFinding, type LintReport } from '../../sigma/lint/index.js';
import { builtinPipelineNames, loadPipeline } from '../../sigma/pipeline/index.js';
import { dataDirOf } from '../context.js';
import { renderTable, safeText, style, writeJson } from '../output.js';
import { register as registerHunt } from './hunt.js';
import { activeRulePaths, collectRepeatable } from './sigma-shared.js';

interface CheckOptions {
  json?: boolean;
  pipeline: string[];
  config?: string;
  validators: string[];
  disable: string[];
  attack: boolean;
  quiet?: boolean;
  listValidators?: boolean;
}

/** An ATT&CK tag checker from the knowledge base in the data dir, when there is one. */
async function attackChecker(dataDir: string): Promise<AttackTagChecker | undefined> {
  if (!existsSync(dataLayout(dataDir).attackBundle)) return undefined;
  const { loadKnowledgeBase } = await import('../../kb/index.js');
  const kb = await loadKnowledgeBase({ dataDir });
  return attackTagChecker(kb);
}

function findingLine(f: LintFinding): string {
  const sev = f.severity === 'error' ? style('error', 'red') : f.severity === 'warning' ? style('warning', 'yellow') : style('info', 'dim');
  return `${safeText(formatPlace(f.place))}: ${sev}: ${safeText(f.message)} [${f.validator}]`;
}

function printSummary(report: LintReport, attack: AttackTagChecker | undefined): void {
  const s = report.summary;
  const out = process.stdout;
  out.write(
    `\n${s.files} file(s), ${s.loaded} document(s) loaded (${s.rules} rules, ${s.correlations} correlations, ${s.filters} filters); ` +
      `${s.loadErrors} load error(s)\n` +
      `${s.errors} error(s), ${s.warnings} warning(s), ${s.infos} info(s)` +
      `${s.excluded ? `, ${s.excluded} excluded by config` : ''}; ${s.documentsWithErrors} loaded document(s) with errors\n`,
  );
  out.write(attack ? `ATT&CK tags checked against ATT&CK ${attack.version}\n` : 'ATT&CK tags: syntax only (no ATT&CK bundle in the data dir; run ttpscope setup)\n');
  const rows = Object.entries(s.byValidator).sort((a, b) => b[1] - a[1]);
  if (rows.length > 0) out.write('\n' + renderTable(rows, [{ header: 'validator', value: (r) => r[0] }, { header: 'findings', value: (r) => r[1], align: 'right' }]));
}

/** Registers `sigma …` and `hunt` (one registration line in commands/index.ts). */
export function register(program: Command): void {
  registerHunt(program);
  const sigma = program.command('sigma').description('Sigma rules: lint them, list processing pipelines');

  sigma
    .command('check')
    .description('lint Sigma rules: structure, modifiers, regexes, conditions, fields, ATT&CK tags, duplicates')
    .argument('[paths...]', 'rule files or folders (default: the active SigmaHQ rules in the data dir)')
    .option('--json', 'print findings and summary as JSON')
    .option('--pipeline <name|file>', 'processing pipeline for field and logsource checks (repeatable)', collectRepeatable, [])
    .option('--config <file>', 'linter config YAML: validators: [all, -id], exclusions: {rule-id: validator}')
    .option('--validators <ids>', 'validators to run, comma-separated (all, -id to switch one off)', collectRepeatable, [])
    .option('--disable <ids>', 'validators to switch off, comma-separated', collectRepeatable, [])
    .option('--no-attack', 'do not check ATT&CK tags against the knowledge base')
    .option('-q, --quiet', 'print errors only (and the summary)')
    .option('--list-validators', 'list the validators and exit')
    .addHelpText('after', '\nExit status: 0 no errors (warnings allowed), 2 errors or unusable input.')
    .action(async (paths: string[], opts: CheckOptions, cmd: Command) => {
      if (opts.listValidators) {
        const rows = VALIDATORS.map((v) => ({ id: v.id, on: OFF_BY_DEFAULT.has(v.id) ? 'off' : 'on', description: v.description }));
        if (opts.json) writeJson(rows);
        else process.stdout.write(renderTable(rows, [{ header: 'validator', value: (r) => r.id }, { header: 'default', value: (r) => r.on }, { header: 'checks', value: (r) => r.description }]));
        return;
      }
      const dataDir = dataDirOf(cmd);
      const targets = paths.length > 0 ? paths : activeRulePaths(dataDir);
      for (const p of targets) if (!existsSync(p)) throw new UserError('no such file or folder', { file: p });
      const config = opts.config ? readLintConfig(opts.config) : emptyLintConfig();
      const pipeline = loadPipeline(opts.pipeline);
      const attack = opts.attack ? await attackChecker(dataDir) : undefined;
      const collection = await loadRules(targets, { cacheDir: existingCacheDir(dataDir) });
      const report = lintCollection(collection, {
        config,
        validators: [...opts.validators, ...opts.disable.flatMap((d) => d.split(',')).filter(Boolean).map((d) => (d.startsWith('-') ? d : `-${d}`))],
        context: {
          knownFields: (ls) => pipeline.knownFields(ls),
          coversLogsource: (ls) => pipeline.coversLogsource(ls),
          ...(attack ? { attack } : {}),
        },
      });
      if (opts.json) {
        writeJson({ summary: report.summary, validators: report.validators, pipeline: pipeline.name, attackVersion: attack?.version ?? null, findings: report.findings });
      } else {
        const shown = opts.quiet ? report.findings.filter((f) => f.severity === 'error') : report.findings;
        for (const f of shown) process.stdout.write(findingLine(f) + '\n');
        printSummary(report, attack);
      }
      process.exitCode = report.summary.errors > 0 ? 2 : 0;
    });

  sigma
    .command('pipelines')
    .description('list the built-in processing pipelines')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const rows = builtinPipelineNames().map((name) => {
        const p = loadPipeline([name]);
        return { name, includes: p.parts.filter((x) => x !== name).join(', '), description: p.description };
      });
      if (opts.json) writeJson(rows);
      else process.stdout.write(renderTable(rows, [{ header: 'pipeline', value: (r) => r.name }, { header: 'includes', value: (r) => r.includes }, { header: 'description', value: (r) => r.description }]));
    });
}
