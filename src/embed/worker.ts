/** Worker thread entry: runs training phases on its partition of the shared state. */
import { parentPort, workerData } from 'node:worker_threads';
import { runPhase, type Phase, type SharedState } from './pool.js';

const { state, part, parts } = workerData as { state: SharedState; part: number; parts: number };

parentPort?.on('message', (msg: { phase: Phase; step: number }) => {
  runPhase(state, msg.phase, msg.step, part, parts);
  parentPort?.postMessage('done');
});
