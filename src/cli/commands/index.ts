/**
 * Every CLI command registers itself here. Each command lives in its own file
 * and only parses arguments, calls library code and formats the result.
 */
import type { Command } from 'commander';
import { register as registerSetup } from './setup.js';
import { register as registerKb } from './kb.js';
import { register as registerLogs } from './logs.js';
import { register as registerGraph } from './graph.js';
import { register as registerSequences } from './sequences.js';
import { register as registerSigma } from './sigma.js'; // also registers `hunt`
import { register as registerModel } from './model.js';
import { register as registerDetect } from './detect.js';
import { register as registerGenerate } from './generate.js';
import { register as registerExtract } from './extract.js';

type Register = (program: Command) => void;

const registrations: Register[] = [registerSetup, registerKb, registerLogs, registerGraph, registerSequences, registerSigma, registerModel, registerDetect, registerGenerate, registerExtract];

export function registerAll(program: Command): void {
  for (const register of registrations) register(program);
}
