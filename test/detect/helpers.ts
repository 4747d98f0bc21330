/**
 * Shared pieces of the detection tests: the ATT&CK knowledge base and the
 * SigmaHQ rules of the reference data, our fixtures, and a HAND-SET
 * calibration for tests of the mechanics (windows, rule fusion, scenarios,
 * outputs) that must not depend on a trained model: the encoder part is
 * switched off (p ≈ 0) and a rule counts by its level alone. Learned
 * calibrations are tested separately (calibration.test.ts) and end to end
 * with the real model when the data dir has one (e2e-model.test.ts).
 */
import { join } from 'node:path';
import { loadKnowledgeBaseFromFile, type KnowledgeBase } from '../../src/kb/index.js';
import { CALIBRATION_FORMAT, CALIBRATION_VERSION, type Calibration } from '../../src/detect/calibration/model.js';
import { FEATURE_NAMES } from '../../src/detect/calibration/features.js';
import { loadRuleTable, type RuleTable } from '../../src/detect/rules.js';
import { TechniqueInfo } from '../../src/detect/techniques.js';
import { UnitScorer } from '../../src/detect/calibration/score.js';
import { Detector } from '../../src/detect/detector.js';
import { feedFile } from '../../src/detect/run.js';
import type { DetectionReport } from '../../src/detect/types.js';
import { repoRoot, sharedData } from '../helpers.js';
import { detectionLogs } from '../fixtures/detect/generate.mjs';

export const FIXTURES = join(repoRoot, 'test', 'fixtures', 'detect');
const logs = detectionLogs();
/** Our multi-step intrusion inside ordinary desktop activity (generated, see fixtures/detect/generate.mjs). */
export const ATTACK_LOG = logs.attack;
/** Ordinary activity of a similar size, no intrusion. */
export const BENIGN_LOG = logs.benign;

let kbPromise: Promise<KnowledgeBase> | undefined;
export function sharedKb(): Promise<KnowledgeBase> {
  kbPromise ??= loadKnowledgeBaseFromFile(join(sharedData, 'attack', 'enterprise-attack.json'), { indexPath: join(sharedData, 'attack', 'index.json') });
  return kbPromise;
}

/** The active SigmaHQ rules of the reference data through the default pipeline. */
export async function sigmaHqRules(info: TechniqueInfo): Promise<RuleTable> {
  const dirs = ['rules', 'rules-emerging-threats', 'rules-threat-hunting'].map((d) => join(sharedData, 'sigma', d));
  return loadRuleTable(dirs, info);
}

/** Rules count by level: high 0.6, medium 0.5, low 0.2, informational 0.05; threshold 0.5; the encoder is off. */
export function handSetCalibration(): Calibration {
  const n = FEATURE_NAMES.length;
  return {
    format: CALIBRATION_FORMAT,
    version: CALIBRATION_VERSION,
    model: { paramSha256: 'none', dim: 2 },
    attackVersion: 'test',
    topK: 3,
    split: { devShare: 0.25, trainFiles: [] },
    features: [...FEATURE_NAMES],
    semanticModel: { mean: new Array(n).fill(0), std: new Array(n).fill(1), weights: new Array(n).fill(0), bias: -20 },
    semantic: { global: 0.5, techniques: {} },
    fused: { global: 0.5, techniques: {} },
    rules: { alpha: 1, levelPrior: { critical: 0.7, high: 0.6, medium: 0.5, low: 0.2, informational: 0.05, unknown: 0.1 }, stats: {} },
    baseline: { files: 0, units: 0, patterns: [], lineages: [], noise: {} },
    training: { note: 'hand-set for tests' },
  };
}

let setupPromise: Promise<{ info: TechniqueInfo; rules: RuleTable }> | undefined;
/** ATT&CK and the SigmaHQ rules, loaded once per test file. */
export function sigmaSetup(): Promise<{ info: TechniqueInfo; rules: RuleTable }> {
  setupPromise ??= (async () => {
    const info = new TechniqueInfo(await sharedKb());
    return { info, rules: await sigmaHqRules(info) };
  })();
  return setupPromise;
}

/** Detection over one of our logs with SigmaHQ and the hand-set calibration, as a report like `ttpscope detect` writes. */
export async function detectWithRules(file: string, opts: { windowMs?: number } = {}): Promise<{ report: DetectionReport; counts: Detector['counts'] }> {
  const { info, rules } = await sigmaSetup();
  const scorer = new UnitScorer(handSetCalibration(), info, rules.rules, { mode: 'fused' });
  const d = new Detector({ info, rules, scorer, ...(opts.windowMs ? { windowMs: opts.windowMs, minWindowEvents: 0 } : {}) });
  await feedFile(d, file);
  const { alerts, scenarios } = d.finish();
  const c = d.counts;
  const report: DetectionReport = {
    schema: 'ttpscope.detect/1',
    generator: { tool: 'ttpscope', version: 'test', attackVersion: info.kb.info.attackVersion, rules: rules.rules.length, mode: 'fused' },
    inputs: [file],
    stats: { files: 1, records: c.records, events: c.events, sequences: c.sequences, encoded: 0, ruleHits: c.ruleHits, alerts: alerts.length, scenarios: scenarios.length, windows: c.windows, issues: 0, threads: 1, seconds: 0, cpuSeconds: 0 },
    alerts,
    scenarios,
  };
  return { report, counts: c };
}
