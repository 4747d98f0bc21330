/**
 * `npm run eval -- extract [--data DIR] [--model FILE] [--rebuild] [--json] [--ablation] [--per-report]`
 *
 * Technique extraction on TRAM (../shared/data/tram) with the SoK document
 * split: the model is built from ATT&CK and the 120 train reports only
 * (`ttpscope setup` or the first run builds it; --rebuild forces it) and every
 * figure is on the 31 test reports, each run through the whole extraction
 * (`extractReportDetailed`: segmentation, IOCs, entities, techniques,
 * procedures, variants).
 *
 * Report level: micro/macro P/R/F1, exact ids and rolled up to parents,
 *   restricted (gold and predictions cut to TRAM's 77 labelled ids — 50 at
 *   parent level — after roll-up) and unrestricted (all predictions against
 *   all gold spans, [OTHER] included). Macro averages over the techniques in
 *   the gold or the predictions of the test reports.
 * Sentence level: a (sentence, technique) pair is predicted when the
 *   technique is selected for the report and the sentence is among its
 *   evidence (score ≥ max(0.3, half the best); a word window or inline
 *   command that scores so counts for its sentence); gold pairs come from the
 *   spans (a span counts for a sentence it overlaps by ≥ 12 characters or
 *   half the sentence). Span recall: gold spans overlapped by a predicted
 *   sentence of their technique.
 * AA22-320A shares most of its text with a train report, so the headline
 *   figures are also given without it. Latency: wall and CPU seconds per
 *   report, mean and p95. Cross-validation figures of the build (out-of-fold
 *   on the train reports, where the threshold was chosen) come from the model.
 */
import { resolveDataDir } from '../src/datadir/paths.js';
import { loadKnowledgeBase } from '../src/kb/index.js';
import { createExtractContext, extractReportDetailed, readTram, segmentTramReport, sentenceLabels, scoreMultiLabel, parentOf, spanInSentence, type MultiLabelScore, type SegmentedTramReport, type ExtractResult } from '../src/intel/index.js';
import { labelStats } from '../src/intel/aggregate.js';
import { fmt, peakRssMiB, percentile, printReproduce, sharedDataDir } from '../bench/util.js';
import { VERSION } from '../src/cli/version.js';
import { join } from 'node:path';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

interface ReportRun {
  seg: SegmentedTramReport;
  result: ExtractResult;
  predicted: string[];
  wallMs: number;
  cpuMs: number;
}

const f3 = (x: number) => x.toFixed(3);

function row(name: string, s: MultiLabelScore): string {
  return `${name.padEnd(34)} ${f3(s.micro.precision)}  ${f3(s.micro.recall)}  ${f3(s.micro.f1)}   ${f3(s.macro.precision)}  ${f3(s.macro.recall)}  ${f3(s.macro.f1)}  ${String(s.macro.labels).padStart(4)}`;
}

export async function main(args: string[]): Promise<void> {
  const shared = sharedDataDir();
  const tramDir = join(shared, 'tram');
  const dataDir = resolveDataDir(arg(args, '--data'));
  const json = args.includes('--json');
  const kb = await loadKnowledgeBase({ dataDir });
  const tram = readTram(kb, tramDir);
  const t0 = Date.now();
  const ctx = await createExtractContext({
    dataDir,
    version: VERSION,
    kb,
    tramDir,
    ...(arg(args, '--model') ? { modelPath: arg(args, '--model')! } : {}),
    ...(args.includes('--rebuild') ? { rebuildModel: true } : {}),
    onBuild: (m) => console.error(m),
    progress: (stage, done, total) => process.stderr.isTTY && process.stderr.write(`\r${stage} ${done}/${total}   `),
  });
  const buildSecs = (Date.now() - t0) / 1000;
  const restrictExact = tram.labelIds;
  const restrictParents = new Set([...tram.labelIds].map(parentOf));
  const runs: ReportRun[] = [];
  for (const rep of tram.test) {
    const seg = segmentTramReport(rep);
    const c0 = process.cpuUsage();
    const w0 = process.hrtime.bigint();
    const result = await extractReportDetailed({ text: rep.text, label: rep.file }, ctx);
    const wallMs = Number(process.hrtime.bigint() - w0) / 1e6;
    const c = process.cpuUsage(c0);
    if (result.text.sentences.length !== seg.text.sentences.length) throw new Error(`segmentation differs for ${rep.file}`);
    runs.push({ seg, result, predicted: result.ati.techniques.map((t) => t.id), wallMs, cpuMs: (c.user + c.system) / 1000 });
  }
  const docs = (filter: (r: ReportRun) => boolean = () => true) => runs.filter(filter).map((r) => ({ gold: r.seg.spans.map((s) => s.technique), predicted: r.predicted }));
  const noAA = (r: ReportRun) => !r.seg.report.title.startsWith('AA22-320A');
  const scores = {
    restrictedParent: scoreMultiLabel(docs(), { rollUp: true, restrictTo: restrictParents }),
    restrictedExact: scoreMultiLabel(docs(), { restrictTo: restrictExact }),
    unrestrictedParent: scoreMultiLabel(docs(), { rollUp: true }),
    unrestrictedExact: scoreMultiLabel(docs()),
    restrictedParentNoAA: scoreMultiLabel(docs(noAA), { rollUp: true, restrictTo: restrictParents }),
    unrestrictedParentNoAA: scoreMultiLabel(docs(noAA), { rollUp: true }),
  };
  // Ablation: the classifier alone (a technique when its best sentence scores ≥ 0.5), no aggregator.
  const ablationDocs = runs.map((r) => {
    const st = labelStats(r.result.identification.scores);
    return { gold: r.seg.spans.map((s) => s.technique), predicted: r.result.identification.scores.labels.filter((l, k) => !l.startsWith('@') && st[k]!.top[0] >= 0.5) };
  });
  const ablation = scoreMultiLabel(ablationDocs, { rollUp: true, restrictTo: restrictParents });
  // Sentence and span level.
  const pairCounts = (rollUp: boolean, restrict: Set<string>) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let spansFound = 0;
    let spans = 0;
    for (const r of runs) {
      const norm = (id: string) => (rollUp ? parentOf(id) : id);
      const gold = sentenceLabels(r.seg).map((ls) => new Set(ls.map(norm).filter((l) => restrict.has(l))));
      const pred = r.result.text.sentences.map(() => new Set<string>());
      const sc = r.result.identification.scores;
      const K = sc.labels.length;
      const st = labelStats(sc);
      for (const t of r.result.identification.techniques) {
        const k = sc.labels.indexOf(t.id);
        const floor = Math.max(0.3, 0.5 * st[k]!.top[0]);
        // Scoring units are the sentences, then inline commands (credited to the sentence they lie in).
        for (let j = 0; j < sc.sentences; j++) if (sc.probs[j * K + k]! >= floor || j === st[k]!.best) {
          const id = norm(t.id);
          if (restrict.has(id)) pred[r.result.identification.units[j]!.sentence]!.add(id);
        }
      }
      gold.forEach((g, j) => {
        for (const l of pred[j]!) (g.has(l) ? tp++ : fp++);
        for (const l of g) if (!pred[j]!.has(l)) fn++;
      });
      for (const sp of r.seg.spans) {
        const id = norm(sp.technique);
        if (!restrict.has(id)) continue;
        spans++;
        if (r.result.text.sentences.some((s, j) => pred[j]!.has(id) && spanInSentence(sp, s))) spansFound++;
      }
    }
    const p = tp / Math.max(1, tp + fp);
    const rc = tp / Math.max(1, tp + fn);
    return { precision: p, recall: rc, f1: tp ? (2 * p * rc) / (p + rc) : 0, spanRecall: spansFound / Math.max(1, spans), spans };
  };
  const sentence = { parent: pairCounts(true, restrictParents), exact: pairCounts(false, restrictExact) };
  const worst = [...scores.restrictedParent.perLabel.entries()]
    .filter(([, c]) => c.tp + c.fn > 0)
    .sort((a, b) => a[1].f1 - b[1].f1 || b[1].fn + b[1].fp - (a[1].fn + a[1].fp))
    .slice(0, 10);
  const wall = runs.map((r) => r.wallMs / 1000).sort((a, b) => a - b);
  const cpu = runs.map((r) => r.cpuMs / 1000).sort((a, b) => a - b);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const cv = ctx.model.meta.cv as Record<string, number> | undefined;
  if (json) {
    const plain = (s: MultiLabelScore) => ({ micro: s.micro, macro: s.macro, documents: s.documents });
    console.log(JSON.stringify({ scores: Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, plain(v)])), ablation: plain(ablation), sentence, worst: worst.map(([id, c]) => ({ id, ...c })), seconds: { meanWall: mean(wall), p95Wall: percentile(wall, 95), meanCpu: mean(cpu), p95Cpu: percentile(cpu, 95) }, cv, model: ctx.modelId }, null, 2));
    return;
  }
  console.log(`TRAM technique extraction — SoK document split: model from ATT&CK ${kb.info.attackVersion} + ${tram.train.length} train reports; scored on ${tram.test.length} test reports`);
  console.log(`model ${ctx.modelId} (${ctx.model.classifier.labels.length} labels, ${ctx.model.classifier.vocabulary.size} features, report threshold ${ctx.model.aggregator.threshold.toFixed(3)})${buildSecs > 30 ? `, built in ${fmt(buildSecs, 0)} s` : ''}`);
  if (cv) console.log(`cross-validation on the train reports (out-of-fold, restricted, parent): micro-F1 ${f3(cv.microF1 ?? NaN)} macro-F1 ${f3(cv.macroF1 ?? NaN)}`);
  console.log('\nreport level                        micro P  R      F1      macro P  R      F1    labels');
  console.log(row('restricted, parent (floor)', scores.restrictedParent));
  console.log(row('restricted, exact', scores.restrictedExact));
  console.log(row('unrestricted, parent', scores.unrestrictedParent));
  console.log(row('unrestricted, exact', scores.unrestrictedExact));
  console.log(row('restricted, parent, without AA22-320A', scores.restrictedParentNoAA));
  console.log(row('unrestricted, parent, without AA22-320A', scores.unrestrictedParentNoAA));
  console.log(row('ablation: classifier max ≥ 0.5 only', ablation));
  console.log(`\nsentence level (restricted): parent P ${f3(sentence.parent.precision)} R ${f3(sentence.parent.recall)} F1 ${f3(sentence.parent.f1)}; exact P ${f3(sentence.exact.precision)} R ${f3(sentence.exact.recall)} F1 ${f3(sentence.exact.f1)}`);
  console.log(`span recall (restricted): parent ${f3(sentence.parent.spanRecall)} of ${sentence.parent.spans} spans; exact ${f3(sentence.exact.spanRecall)} of ${sentence.exact.spans}`);
  console.log('\n10 worst techniques (restricted, parent level)');
  for (const [id, c] of worst) console.log(`  ${id.padEnd(6)} ${(kb.technique(id)?.name ?? '').slice(0, 40).padEnd(40)} P ${f3(c.precision)} R ${f3(c.recall)} F1 ${f3(c.f1)}  (tp ${c.tp} fp ${c.fp} fn ${c.fn})`);
  console.log(`\nseconds per report (whole extraction, one thread): wall mean ${f3(mean(wall))} p95 ${f3(percentile(wall, 95))}; CPU mean ${f3(mean(cpu))} p95 ${f3(percentile(cpu, 95))}; peak RSS ${fmt(peakRssMiB(), 0)} MiB`);
  if (args.includes('--per-report')) {
    console.log('\nper report (restricted, parent): gold / predicted / tp');
    for (const r of runs) {
      const s = scoreMultiLabel([{ gold: r.seg.spans.map((x) => x.technique), predicted: r.predicted }], { rollUp: true, restrictTo: restrictParents });
      console.log(`  ${String(s.micro.f1.toFixed(2)).padStart(5)}  ${r.seg.report.title.slice(0, 70)}`);
    }
  }
  printReproduce('eval', 'extract', args.filter((a) => a !== '--rebuild'));
}
