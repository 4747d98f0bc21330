/**
 * What the log tower reads for a behaviour sequence: its tokens (process,
 * parent, command-line pieces, abstracted actions such as
 * `write:%TEMP%\<rand>.exe`) and the command line itself, cut to a bounded
 * length. One function so that training data and detection encode the same way.
 */
import type { BehaviourSequence } from '../provenance/sequence.js';

const MAX_COMMAND_LINE = 1024;
const MAX_TOKENS = 160;

export function sequenceText(seq: Pick<BehaviourSequence, 'tokens' | 'process'>): string {
  const tokens = seq.tokens.length > MAX_TOKENS ? seq.tokens.slice(0, MAX_TOKENS) : seq.tokens;
  const cmd = seq.process.commandLine;
  return cmd ? `${tokens.join(' ')} ${cmd.slice(0, MAX_COMMAND_LINE)}` : tokens.join(' ');
}
