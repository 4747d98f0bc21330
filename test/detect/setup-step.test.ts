/**
 * The setup step that learns the detection calibration: it says why it did
 * nothing when the model or the labelled logs are missing (setup still
 * succeeds), and with a trained model in $TTPSCOPE_DATA it learns a
 * calibration for that model from the training split, then skips while it is
 * current.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Progress } from '../../src/common/progress.js';
import { dataLayout } from '../../src/datadir/paths.js';
import type { PostSetupContext } from '../../src/datadir/setup.js';
import { readCalibration } from '../../src/detect/calibration/model.js';
import { calibrationStep } from '../../src/detect/setup-step.js';
import { loadModel } from '../../src/embed/model-file.js';
import { sharedData, tempDir } from '../helpers.js';

function recordingProgress(messages: string[]): () => Progress {
  return () => ({ update() {}, done: (m?: string) => void (m && messages.push(m)) });
}

function context(dataDir: string, messages: string[], mirror?: string): PostSetupContext {
  return { dataDir, layout: dataLayout(dataDir), changed: [], force: false, ...(mirror ? { mirror } : {}), progress: recordingProgress(messages) };
}

test('without a model or without labelled logs the step learns nothing and says why', async () => {
  const t = tempDir();
  const saved = process.env.TTPSCOPE_SHARED_DATA;
  delete process.env.TTPSCOPE_SHARED_DATA;
  try {
    const messages: string[] = [];
    await calibrationStep.run(context(t.path, messages, sharedData));
    assert.match(messages.join('\n'), /not learned \(no encoder model yet\)/);

    // a model file but no reference data with logs/
    const layout = dataLayout(t.path);
    mkdirSync(layout.modelsDir, { recursive: true });
    const real = process.env.TTPSCOPE_DATA ? join(process.env.TTPSCOPE_DATA, 'models', 'ttp-encoder.bin') : undefined;
    if (real && existsSync(real)) {
      symlinkSync(real, join(layout.modelsDir, 'ttp-encoder.bin'));
      messages.length = 0;
      await calibrationStep.run(context(t.path, messages, join(t.path, 'no-such-mirror')));
      assert.match(messages.join('\n'), /no labelled logs: run `ttpscope detect calibrate --from DIR`/);
    }
    assert.equal(existsSync(join(layout.modelsDir, 'detect-calibration.json')), false);
  } finally {
    if (saved !== undefined) process.env.TTPSCOPE_SHARED_DATA = saved;
    t.cleanup();
  }
});

const dataDir = process.env.TTPSCOPE_DATA;
const modelFile = dataDir ? join(dataDir, 'models', 'ttp-encoder.bin') : '';
const skip = dataDir && existsSync(modelFile) ? false : 'needs $TTPSCOPE_DATA with a trained model (ttpscope setup --from ../shared/data)';

test('with the trained model it learns a calibration for that model, then skips while current', { skip, timeout: 1_800_000 }, async () => {
  const t = tempDir();
  try {
    const data = join(t.path, 'data');
    const layout = dataLayout(data);
    mkdirSync(layout.modelsDir, { recursive: true });
    // not the cache: a test writes nothing into the real data dir
    for (const d of ['attack', 'sigma']) if (existsSync(join(dataDir!, d))) symlinkSync(join(dataDir!, d), join(data, d));
    symlinkSync(modelFile, join(layout.modelsDir, 'ttp-encoder.bin'));
    const messages: string[] = [];
    await calibrationStep.run(context(data, messages, sharedData));
    const out = join(layout.modelsDir, 'detect-calibration.json');
    const cal = readCalibration(out);
    assert.equal(cal.model.paramSha256, loadModel(modelFile).header.paramSha256);
    assert.ok(cal.split.trainFiles.length > 100, `${cal.split.trainFiles.length} training files`);
    const before = statSync(out).mtimeMs;
    await calibrationStep.run(context(data, messages, sharedData));
    assert.equal(statSync(out).mtimeMs, before, 'current calibration: not learned again');
    assert.match(messages.at(-1) ?? '', /current/);
  } finally {
    t.cleanup();
  }
});
