/**
 * Every CLI command registers itself here. Each command lives in its own file
 * and only parses arguments, calls library code and formats the result.
 */
import type { Command } from 'commander';

type Register = (program: Command) => void;

const registrations: Register[] = [];

export function registerAll(program: Command): void {
  for (const register of registrations) register(program);
}
