/**
 * `npm run eval -- detect [--data DIR] [--model FILE] [--top-k K] [--source evtx|sd] [--limit N] [--max-records N] [--per-file] [--json] [--units-cache FILE] [--write-calibration FILE]`
 *
 * Detection on the labelled logs of ../shared/data/logs (EVTX-ATTACK-SAMPLES
 * with the manifest's labels — tactic reliable, techniques mostly inferred
 * from file names, so both levels are reported — and Security-Datasets with
 * its metadata labels), in one run, side by side:
 *   sigma     the SigmaHQ rules of the data dir through our engine, every hit a detection (the baseline);
 *   semantic  the encoder's candidates, calibrated;
 *   fused     semantic and rule evidence, calibrated.
 * Calibration is learned on the TRAINING files only (the encoder's
 * file-level split) and every figure below the "evaluation" heading is on
 * the other files. Per file: recall (label, parent or sub-technique among the
 * detections), hit@1, hit@3, precision (detections that do not match the
 * label sit on background events), alerts; events/s of the whole pipeline.
 */
import { join } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { resolveDataDir, dataLayout } from '../src/datadir/paths.js';
import { loadKnowledgeBase } from '../src/kb/index.js';
import { loadModel } from '../src/embed/model-file.js';
import { defaultModelPath } from '../src/embed/pipeline.js';
import { activeRulePaths } from '../src/cli/commands/sigma-shared.js';
import { TechniqueInfo } from '../src/detect/techniques.js';
import { buildMatcher } from '../src/detect/semantic.js';
import { loadRuleTable, type RuleInfo } from '../src/detect/rules.js';
import { labelledFiles, DEV_SHARE, type LabelledFile } from '../src/detect/labelled.js';
import { collectUnits, type CollectedFile } from '../src/detect/collect.js';
import { fitCalibration } from '../src/detect/calibration/fit.js';
import { writeCalibration } from '../src/detect/calibration/model.js';
import { selectCalibration } from '../src/detect/calibration/select.js';
import { UnitScorer } from '../src/detect/calibration/score.js';
import { fileMetrics, summarize, type FileDetection, type FileMetrics, type Summary } from '../src/detect/metrics.js';
import type { DetectionUnit } from '../src/detect/unit.js';
import { fmt, peakRssMiB, printReproduce, sharedDataDir } from '../bench/util.js';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const LEVEL_RANK: Record<string, number> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** The baseline: every rule hit is a detection of each technique the rule is tagged with. */
function sigmaDetections(u: DetectionUnit, rules: readonly RuleInfo[], minLevel = -1): FileDetection[] {
  const out = new Map<string, FileDetection>();
  const seen = new Set<number>();
  for (const h of u.hits) {
    if (seen.has(h.rule)) continue;
    seen.add(h.rule);
    const r = rules[h.rule];
    if (!r) continue;
    const level = LEVEL_RANK[r.level] ?? 0;
    if (level < minLevel) continue;
    if (r.techniques.length === 0) {
      if (r.tactics.length) out.set(`tactic:${r.id}`, { unit: u.id, technique: '', tactics: r.tactics, score: level });
      continue;
    }
    for (const t of r.techniques) {
      const known = out.get(t);
      if (!known || known.score < level) out.set(t, { unit: u.id, technique: t, tactics: r.tactics, score: level });
    }
  }
  return [...out.values()];
}

function scorerDetections(u: DetectionUnit, scorer: UnitScorer, own: 0 | 1): FileDetection[] {
  return scorer
    .score(u, own)
    .techniques.filter((t) => t.pass)
    .map((t) => ({ unit: u.id, technique: t.id, tactics: t.tactics, score: t.score }));
}

interface Method {
  name: string;
  detect: (u: DetectionUnit, own: 0 | 1) => FileDetection[];
}

function evaluate(files: readonly CollectedFile[], method: Method, own: 0 | 1): { per: { file: LabelledFile; m: FileMetrics }[]; summary: Summary } {
  const per = files.map((f) => ({ file: f.file, m: fileMetrics(f.file, f.units.flatMap((u) => method.detect(u, own))) }));
  return { per, summary: summarize(per.map((p) => p.m)) };
}

const pct = (x: number) => (100 * x).toFixed(1);

function printSummaries(title: string, rows: { method: string; s: Summary }[]): void {
  console.log(`\n${title}`);
  console.log('method        files  recall  hit@1  hit@3  precision  detections  alerts/file | tactic files  recall  precision');
  for (const { method, s } of rows) {
    console.log(
      `${method.padEnd(12)} ${String(s.files).padStart(6)} ${pct(s.recall).padStart(7)} ${pct(s.hit1).padStart(6)} ${pct(s.hit3).padStart(6)} ${pct(s.precision).padStart(10)} ${String(s.detections).padStart(11)} ${s.alertsPerFile.toFixed(1).padStart(12)} | ${String(s.tacticFiles).padStart(12)} ${pct(s.tacticRecall).padStart(7)} ${pct(s.tacticPrecision).padStart(10)}`,
    );
  }
}

export async function main(args: string[]): Promise<void> {
  const shared = sharedDataDir();
  const dataDir = resolveDataDir(arg(args, '--data'));
  const layout = dataLayout(dataDir);
  const modelPath = arg(args, '--model') ?? defaultModelPath(layout.modelsDir);
  if (!existsSync(modelPath)) {
    console.error(`no model at ${modelPath} (train one: ttpscope model train --from ../shared/data, or pass --model FILE)`);
    process.exit(2);
  }
  const topK = Number(arg(args, '--top-k') ?? 3);
  const source = arg(args, '--source');
  const limit = arg(args, '--limit') ? Number(arg(args, '--limit')) : undefined;
  const maxRecords = arg(args, '--max-records') ? Number(arg(args, '--max-records')) : undefined;
  const perFile = args.includes('--per-file');

  const t0 = performance.now();
  const kb = await loadKnowledgeBase({ dataDir });
  const info = new TechniqueInfo(kb);
  const { model, header } = loadModel(modelPath);
  const matcher = buildMatcher(model, kb);
  const rules = await loadRuleTable(activeRulePaths(dataDir), info);
  const tSetup = performance.now();
  console.log(`setup: ATT&CK ${kb.info.attackVersion}, index ${matcher.index.size} entries, ${rules.rules.length} compiled rules (${rules.issues.length} rule issues), ${((tSetup - t0) / 1000).toFixed(1)} s`);

  let files = labelledFiles(kb, join(shared, 'logs'));
  if (source === 'evtx') files = files.filter((f) => f.source === 'evtx-attack-samples');
  if (source === 'sd') files = files.filter((f) => f.source === 'security-datasets');
  if (limit !== undefined) files = files.slice(0, limit);
  const train = files.filter((f) => f.split === 'train');
  const dev = files.filter((f) => f.split === 'dev');
  console.log(`files: ${files.length} (${train.length} train for calibration, ${dev.length} evaluation; split = encoder's file-level split, dev share ${DEV_SHARE})`);

  let issues = 0;
  const progress = process.stderr.isTTY && !process.env.TTPSCOPE_NO_PROGRESS;
  // --units-cache FILE: keep the collected units between runs while iterating on calibration only
  // (keyed by model, rules and files; delete it whenever detection code changes)
  const cachePath = arg(args, '--units-cache');
  const cacheKey = JSON.stringify({ model: header.paramSha256, rules: rules.rules.map((r) => r.id), files: files.map((f) => f.file), maxRecords });
  let collected: CollectedFile[] | undefined;
  let fromCache = false;
  if (cachePath && existsSync(cachePath)) {
    const cached = deserialize(readFileSync(cachePath)) as { key: string; collected: CollectedFile[]; encoded: number; lookups: number };
    if (cached.key === cacheKey) {
      collected = cached.collected;
      matcher.encoded = cached.encoded;
      matcher.lookups = cached.lookups;
      fromCache = true;
    }
  }
  collected ??= await collectUnits(files, {
    info,
    matcher,
    rules,
    ...(maxRecords ? { maxRecords } : {}),
    onIssue: () => issues++,
    onFile: (f, done, total) => {
      if (progress) process.stderr.write(`\r\x1b[2K${done}/${total} ${f.file.slice(0, 100)}`);
    },
  });
  if (cachePath && !fromCache) writeFileSync(cachePath, serialize({ key: cacheKey, collected, encoded: matcher.encoded, lookups: matcher.lookups }));
  if (progress) process.stderr.write('\r\x1b[2K');
  const tCollect = performance.now();
  const events = collected.reduce((s, c) => s + c.events, 0);
  const records = collected.reduce((s, c) => s + c.records, 0);
  const cpuMs = collected.reduce((s, c) => s + c.cpuMs, 0);
  const wallMs = collected.reduce((s, c) => s + c.wallMs, 0);
  const units = collected.reduce((s, c) => s + c.units.length, 0);
  console.log(
    `pipeline: ${fmt(records)} records, ${fmt(events)} events, ${fmt(units)} units, ${fmt(matcher.encoded)} distinct texts encoded of ${fmt(matcher.lookups)}; ` +
      `${fmt(events / (wallMs / 1000))} events/s wall, ${fmt(events / (cpuMs / 1000))} events/s per CPU-second (rules + reading + graph + sequences + encoder, one thread); ${issues} input issues${fromCache ? ' (units and timings from --units-cache)' : ''}`,
  );

  const trainCollected = collected.filter((c) => c.file.split === 'train');
  const devCollected = collected.filter((c) => c.file.split === 'dev');
  const fitOpts = { topK, model: { paramSha256: header.paramSha256, dim: model.dim }, attackVersion: kb.info.attackVersion, devShare: DEV_SHARE };
  const trainUnits = trainCollected.map((c) => ({ file: c.file.file, labels: c.file.techniques, units: c.units }));
  // the default calibration (what `ttpscope detect calibrate` writes): thresholds maximise pair-level F1
  const cal = fitCalibration(trainUnits, info, rules.rules, fitOpts);
  // --write-calibration FILE: the same calibration `ttpscope detect calibrate` writes (same training files, same code)
  const calOut = arg(args, '--write-calibration');
  if (calOut) writeCalibration(calOut, cal);
  // the alternative: the threshold objective chosen by 4-fold cross-validation inside the training files
  const { calibration: calCv, table: cvTable, chosen } = selectCalibration(trainUnits, info, rules.rules, fitOpts);
  console.log('threshold objective by 4-fold cross-validation inside the training files (held-out fused file recall / precision / F1), for "fused-cv":');
  for (const r of cvTable) console.log(`  ${r.objective.padEnd(5)} beta ${r.beta}: recall ${pct(r.recall)}  precision ${pct(r.precision)}  F1 ${pct(r.f1)}${r.objective === chosen.objective && r.beta === chosen.beta ? '   ← chosen' : ''}`);
  console.log(`calibration (training files only): ${JSON.stringify(cal.training)}; semantic global threshold ${cal.semantic.global} (${Object.keys(cal.semantic.techniques).length} per-technique), fused ${cal.fused.global} (${Object.keys(cal.fused.techniques).length} per-technique); fused-cv ${calCv.fused.global}`);

  const semantic = new UnitScorer(cal, info, rules.rules, { mode: 'semantic', topK });
  const fused = new UnitScorer(cal, info, rules.rules, { mode: 'fused', topK });
  const fusedCv = new UnitScorer(calCv, info, rules.rules, { mode: 'fused', topK });
  const methods: Method[] = [
    { name: 'sigma', detect: (u) => sigmaDetections(u, rules.rules) },
    { name: 'sigma≥medium', detect: (u) => sigmaDetections(u, rules.rules, 2) },
    { name: 'semantic', detect: (u, own) => scorerDetections(u, semantic, own) },
    { name: 'fused', detect: (u, own) => scorerDetections(u, fused, own) },
    { name: 'fused-cv', detect: (u, own) => scorerDetections(u, fusedCv, own) },
  ];

  const trainRes = methods.map((m) => ({ method: m.name, ...evaluate(trainCollected, m, 1) }));
  printSummaries('training files (in-sample, for reference only)', trainRes.map((r) => ({ method: r.method, s: r.summary })));
  const devRes = methods.map((m) => ({ method: m.name, ...evaluate(devCollected, m, 0) }));
  console.log('\n=== evaluation files (never tuned on) ===');
  printSummaries('all evaluation files', devRes.map((r) => ({ method: r.method, s: r.summary })));
  for (const src of ['evtx-attack-samples', 'security-datasets'] as const) {
    const sub = devCollected.filter((c) => c.file.source === src);
    if (sub.length) printSummaries(`${src} (${sub.length} files)`, methods.map((m) => ({ method: m.name, s: evaluate(sub, m, 0).summary })));
  }

  // per tactic
  const tactics = [...new Set(devCollected.flatMap((c) => c.file.tactics))].sort((a, b) => info.order(a) - info.order(b));
  console.log('\nper tactic (evaluation files; technique-level recall / tactic-level recall)');
  console.log(`${'tactic'.padEnd(22)} files  ${methods.map((m) => m.name.padStart(14)).join(' ')}`);
  for (const t of tactics) {
    const idx = devCollected.map((c, i) => (c.file.tactics.includes(t) ? i : -1)).filter((i) => i >= 0);
    const cells = devRes.map((r) => {
      const ms = idx.map((i) => r.per[i]!.m);
      const tech = ms.filter((m) => m.recall !== undefined);
      const tr = tech.length ? pct(tech.filter((m) => m.recall).length / tech.length) : '-';
      const tac = ms.filter((m) => m.tacticRecall !== undefined);
      const ar = tac.length ? pct(tac.filter((m) => m.tacticRecall).length / tac.length) : '-';
      return `${tr}/${ar}`.padStart(14);
    });
    console.log(`${t.padEnd(22)} ${String(idx.length).padStart(5)}  ${cells.join(' ')}`);
  }

  if (perFile) {
    console.log('\nper evaluation file: recall (technique) R, hit@1 H, alerts A for each method');
    for (let i = 0; i < devCollected.length; i++) {
      const c = devCollected[i]!;
      const cells = devRes.map((r) => {
        const m = r.per[i]!.m;
        const mark = (b: boolean | undefined) => (b === undefined ? '-' : b ? 'y' : 'n');
        return `${mark(m.recall)}${mark(m.hit1)} A${m.alerts} P${m.detections ? pct(m.correct / m.detections) : '-'}`.padEnd(16);
      });
      console.log(`${c.file.file.slice(-70).padEnd(70)} ${String(c.events).padStart(7)} ev ${fmt(c.events / (c.wallMs / 1000)).padStart(8)} ev/s  ${cells.join(' ')}  [${c.file.techniques.join(',') || c.file.tactics.join(',')}]`);
    }
  }

  const base = devRes.find((r) => r.method === 'sigma')!.summary;
  const fus = devRes.find((r) => r.method === 'fused')!.summary;
  const cvs = devRes.find((r) => r.method === 'fused-cv')!.summary;
  const ratio = base.recall > 0 ? fus.recall / base.recall : Infinity;
  console.log(
    `\nfused-cv (alternative, not the default): recall ${pct(cvs.recall)}% = ${(base.recall > 0 ? cvs.recall / base.recall : 0).toFixed(2)}× the baseline at precision ${pct(cvs.precision)}%, ${cvs.alertsPerFile.toFixed(1)} alerts/file` +
      `\nacceptance (default calibration): fused recall ${pct(fus.recall)}% vs SigmaHQ baseline ${pct(base.recall)}% = ${ratio.toFixed(2)}× (floor 1.2×) at precision ${pct(fus.precision)}% vs ${pct(base.precision)}% (floor: not lower) → ${ratio >= 1.2 && fus.precision >= base.precision ? 'PASS' : 'FAIL'}`,
  );
  console.log(`time: setup ${((tSetup - t0) / 1000).toFixed(1)} s, pipeline ${((tCollect - tSetup) / 1000).toFixed(1)} s; peak RSS ${fmt(peakRssMiB())} MiB`);
  if (args.includes('--json')) {
    console.log(JSON.stringify({ train: trainRes.map((r) => ({ method: r.method, ...r.summary })), dev: devRes.map((r) => ({ method: r.method, ...r.summary })), calibration: cal.training }));
  }
  printReproduce('eval', 'detect', args);
}
