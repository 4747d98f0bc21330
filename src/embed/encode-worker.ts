/** Worker thread entry for `EncoderPool`. */
import { parentPort, workerData } from 'node:worker_threads';
import { serveEncodeJobs } from './encode-pool.js';
import type { ModelConfig } from './model.js';

const { config, params } = workerData as { config: ModelConfig; params: Float32Array };
if (parentPort) serveEncodeJobs(config, params, parentPort);
