/**
 * `ttpscope model train|eval|embed`: the dual encoder (log sequences ↔ TTP
 * text). Training reads ATT&CK from the data dir and the other sources
 * (TRAM, SigmaHQ, Atomic Red Team, labelled logs) from a reference-data
 * folder laid out like ../shared/data (`--from`, default $TTPSCOPE_SHARED_DATA),
 * falling back to the Sigma rules and atomics in the data dir.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../common/errors.js';
import { createProgress } from '../../common/progress.js';
import { dataLayout } from '../../datadir/paths.js';
import { loadKnowledgeBase, loadKnowledgeBaseFromFile, type KnowledgeBase } from '../../kb/index.js';
import { sourcesFromSharedData, type TrainingSources } from '../../embed/data/dataset.js';
import { labelledLogFiles } from '../../embed/data/labelled-logs.js';
import { tramSentences } from '../../embed/data/tram.js';
import { evaluateBm25, evaluateHybrid, evaluateLogs, evaluateRanker, evaluateText } from '../../embed/evaluate.js';
import { rankerFromSpec } from '../../embed/ranker.js';
import { featurize } from '../../embed/features.js';
import type { RetrievalMetrics } from '../../embed/metrics.js';
import { defaultModelConfig, LOG_TOWER, TEXT_TOWER } from '../../embed/model.js';
import { loadModel } from '../../embed/model-file.js';
import { defaultModelPath, trainAndSave } from '../../embed/pipeline.js';
import { buildTechniqueIndex } from '../../embed/semantic-search.js';
import { dataDirOf } from '../context.js';
import { renderTable, writeJson } from '../output.js';

interface CommonOptions {
  from?: string;
  json?: boolean;
}

function referenceDir(opts: CommonOptions): string | undefined {
  const dir = opts.from ?? process.env.TTPSCOPE_SHARED_DATA;
  if (!dir) return undefined;
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new UserError('reference data folder not found', { file: abs }, 'pass --from DIR laid out like ../shared/data');
  return abs;
}

async function openKb(cmd: Command, ref: string | undefined): Promise<KnowledgeBase> {
  const layout = dataLayout(dataDirOf(cmd));
  if (!existsSync(layout.attackBundle) && ref && existsSync(join(ref, 'attack', 'enterprise-attack.json'))) {
    return loadKnowledgeBaseFromFile(join(ref, 'attack', 'enterprise-attack.json'));
  }
  return loadKnowledgeBase({ dataDir: dataDirOf(cmd) });
}

function trainingSources(cmd: Command, ref: string | undefined): TrainingSources {
  const fromRef = ref ? sourcesFromSharedData(ref) : {};
  const layout = dataLayout(dataDirOf(cmd));
  const sigmaDirs = fromRef.sigmaDirs ?? [join(layout.sigmaDir, 'rules')].filter((p) => existsSync(p));
  const atomics = fromRef.atomicsDir ?? (existsSync(join(layout.atomicsDir, 'atomics')) ? join(layout.atomicsDir, 'atomics') : undefined);
  return { ...fromRef, ...(sigmaDirs.length ? { sigmaDirs } : {}), ...(atomics ? { atomicsDir: atomics } : {}) };
}

function parseIntOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`--${name} must be an integer in [${min}, ${max}]`, { path: `--${name} ${value}` });
  return n;
}

function pct(x: number): string {
  return (100 * x).toFixed(1);
}

function modelPathOf(cmd: Command, explicit: string | undefined): string {
  return explicit ? resolve(explicit) : defaultModelPath(dataLayout(dataDirOf(cmd)).modelsDir);
}

export function register(program: Command): void {
  const model = program.command('model').description('the dual encoder (behaviour sequences ↔ TTP text): train, evaluate, embed');

  model
    .command('train')
    .description('train the encoder from the reference data (deterministic for a seed) and save it in the data dir')
    .option('--out <file>', 'model file (default: <data>/models/ttp-encoder.bin)')
    .option('--epochs <n>', 'passes over the training data')
    .option('--seed <s>', 'random seed (same seed, same data → identical file)')
    .option('--workers <n>', 'worker threads (default 2; the model bytes do not depend on it)')
    .option('--from <dir>', 'reference data laid out like ../shared/data (default: $TTPSCOPE_SHARED_DATA)')
    .option('--dim <n>', 'embedding width (default 128)')
    .option('--buckets <n>', 'hashed feature rows, a power of two (default 131072)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: CommonOptions & { out?: string; epochs?: string; seed?: string; workers?: string; dim?: string; buckets?: string }, cmd: Command) => {
      const ref = referenceDir(opts);
      const kb = await openKb(cmd, ref);
      const sources = trainingSources(cmd, ref);
      const epochs = parseIntOption('epochs', opts.epochs, 1, 1000);
      const seed = parseIntOption('seed', opts.seed, 0, 2 ** 31 - 1);
      const workers = parseIntOption('workers', opts.workers, 0, 64);
      const dim = parseIntOption('dim', opts.dim, 2, 1024);
      const buckets = parseIntOption('buckets', opts.buckets, 16, 1 << 22);
      if (buckets !== undefined && (buckets & (buckets - 1)) !== 0) throw new UserError('--buckets must be a power of two', { path: `--buckets ${buckets}` });
      const config = { ...defaultModelConfig, ...(dim !== undefined ? { dim } : {}), features: { ...defaultModelConfig.features, ...(buckets !== undefined ? { buckets } : {}) } };
      const out = modelPathOf(cmd, opts.out);
      const progress = createProgress('training');
      const log = (line: string) => {
        if (!opts.json) process.stderr.write(line + '\n');
      };
      const result = await trainAndSave(kb, {
        sources,
        out,
        config,
        train: { ...(epochs !== undefined ? { epochs } : {}), ...(seed !== undefined ? { seed } : {}), ...(workers !== undefined ? { workers } : {}) },
        onStage: (s) => log(`· ${s}`),
        onStep: (epoch, step, steps, loss) => progress.update(step, steps, `epoch ${epoch} loss ${loss.toFixed(3)}`),
        onEpoch: (r) => {
          progress.done();
          const val = r.dev?.tramval_r5 !== undefined ? `  TRAM val R@5 ${pct(r.dev.tramval_r5)}` : '';
          const dev = r.dev?.logs_r1 !== undefined ? `  dev logs R@1 ${pct(r.dev.logs_r1 ?? 0)} R@5 ${pct(r.dev.logs_r5 ?? 0)} MRR ${(r.dev.logs_mrr ?? 0).toFixed(3)}` : '';
          log(`epoch ${r.epoch}: loss ${r.loss.toFixed(4)}  batch acc ${pct(r.batchAccuracy)}%  ${r.seconds.toFixed(1)} s${val}${dev}`);
        },
      });
      if (opts.json) {
        writeJson({ path: result.path, bytes: result.bytes, sha256: result.sha256, dataSha256: result.dataSha256, sources: result.summary, epochs: result.epochs, seconds: result.seconds });
        return;
      }
      process.stdout.write(
        renderTable(result.summary, [
          { header: 'source', value: (r) => r.source },
          { header: 'tower', value: (r) => r.tower },
          { header: 'items', value: (r) => r.items, align: 'right' },
          { header: 'techniques', value: (r) => r.techniques, align: 'right' },
        ]),
      );
      process.stdout.write(`\nmodel: ${result.path} (${(result.bytes / 1048576).toFixed(1)} MiB, sha256 ${result.sha256})\n`);
      process.stdout.write(`data ${result.seconds.data.toFixed(1)} s, training ${result.seconds.train.toFixed(1)} s\n`);
    });

  model
    .command('eval')
    .description('held-out retrieval: text→technique on TRAM test sentences (vs BM25 kb search), log→technique on dev log files')
    .option('--model <file>', 'model file (default: <data>/models/ttp-encoder.bin)')
    .option('--from <dir>', 'reference data laid out like ../shared/data (default: $TTPSCOPE_SHARED_DATA)')
    .option('--limit <n>', 'evaluate at most this many TRAM sentences')
    .option('--json', 'print JSON')
    .action(async (opts: CommonOptions & { model?: string; limit?: string }, cmd: Command) => {
      const ref = referenceDir(opts);
      if (!ref) throw new UserError('model eval needs the reference data (TRAM, labelled logs)', undefined, 'pass --from ../shared/data or set TTPSCOPE_SHARED_DATA');
      const modelPath = modelPathOf(cmd, opts.model);
      const { model, header } = loadModel(modelPath);
      const kb = await openKb(cmd, ref);
      const limit = parseIntOption('limit', opts.limit, 1, 1_000_000);
      const sources = sourcesFromSharedData(ref);
      const rows: { task: string; method: string; m: RetrievalMetrics }[] = [];
      if (sources.tramDir) {
        let test = tramSentences(kb, sources.tramDir, 'test');
        if (limit !== undefined) test = test.slice(0, limit);
        const techOnly = buildTechniqueIndex(model, kb, { procedures: false });
        const full = buildTechniqueIndex(model, kb);
        rows.push({ task: 'text→technique (TRAM test)', method: 'BM25 kb search', m: evaluateBm25(kb, test) });
        rows.push({ task: 'text→technique (TRAM test)', method: 'encoder: technique texts', m: evaluateText(model, techOnly, test) });
        rows.push({ task: 'text→technique (TRAM test)', method: 'encoder: + procedure examples', m: evaluateText(model, full, test) });
        const memory = tramSentences(kb, sources.tramDir, 'train').flatMap((s, i) => s.labels.map((t) => ({ id: `tram-train:${i}:${t}`, text: s.text, technique: t, source: 'tram-train' })));
        const withTram = buildTechniqueIndex(model, kb, { extra: memory });
        rows.push({ task: 'text→technique (TRAM test)', method: 'encoder: + procedures + TRAM train', m: evaluateText(model, withTram, test) });
        rows.push({ task: 'text→technique (TRAM test)', method: 'hybrid: encoder (technique texts) + BM25, RRF', m: evaluateHybrid(model, techOnly, kb, test) });
        if (header.ranker) {
          const ranker = rankerFromSpec(model, kb, header.ranker, modelPath);
          rows.push({ task: 'text→technique (TRAM test)', method: 'ranker: learned fusion (encoder, k-NN memory, BM25)', m: evaluateRanker(ranker, test) });
        } else process.stderr.write('note: this model file has no text ranker (trained without TRAM); its row is missing\n');
      }
      if (sources.logsDir) {
        const devFiles = new Set(((header.training.data as { devLogFiles?: string[] } | undefined)?.devLogFiles ?? []).map(String));
        const files = (await labelledLogFiles(kb, sources.logsDir, { maxRecords: 20_000 })).filter((f) => f.sequences.length > 0 && (devFiles.size ? devFiles.has(f.file) : f.split === 'dev'));
        const techOnly = buildTechniqueIndex(model, kb, { procedures: false });
        rows.push({ task: `log→technique (${files.length} dev files)`, method: 'encoder: technique texts', m: evaluateLogs(model, techOnly, files) });
        rows.push({ task: `log→technique (${files.length} dev files)`, method: 'encoder: + procedure examples', m: evaluateLogs(model, buildTechniqueIndex(model, kb), files) });
      }
      if (opts.json) {
        writeJson({ model: { sha256: header.paramSha256, config: header.config }, results: rows.map((r) => ({ task: r.task, method: r.method, ...r.m })) });
        return;
      }
      process.stdout.write(
        renderTable(rows, [
          { header: 'task', value: (r) => r.task },
          { header: 'method', value: (r) => r.method },
          { header: 'n', value: (r) => r.m.n, align: 'right' },
          { header: 'R@1', value: (r) => pct(r.m.r1), align: 'right' },
          { header: 'R@5', value: (r) => pct(r.m.r5), align: 'right' },
          { header: 'R@10', value: (r) => pct(r.m.r10), align: 'right' },
          { header: 'MRR', value: (r) => r.m.mrr.toFixed(3), align: 'right' },
        ]),
      );
    });

  model
    .command('embed')
    .description('vectors as JSON for the given lines (or stdin, one text per line)')
    .argument('[texts...]', 'texts to embed (default: lines of stdin)')
    .option('--model <file>', 'model file (default: <data>/models/ttp-encoder.bin)')
    .option('--tower <tower>', 'text (report sentences) or log (behaviour sequences)', 'text')
    .action(async (texts: string[], opts: { model?: string; tower: string }, cmd: Command) => {
      if (opts.tower !== 'text' && opts.tower !== 'log') throw new UserError('--tower must be text or log', { path: `--tower ${opts.tower}` });
      const { model } = loadModel(modelPathOf(cmd, opts.model));
      const lines = texts.length > 0 ? texts : readFileSync(0, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
      const tower = opts.tower === 'log' ? LOG_TOWER : TEXT_TOWER;
      const vec = new Float32Array(model.dim);
      process.stdout.write('[\n');
      lines.forEach((text, i) => {
        model.encode(text, tower, vec);
        const row = JSON.stringify({ text, tower: opts.tower, vector: Array.from(vec, (x) => +x.toFixed(6)) });
        process.stdout.write(`  ${row}${i + 1 < lines.length ? ',' : ''}\n`);
      });
      process.stdout.write(']\n');
    });
}
