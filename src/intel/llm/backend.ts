/**
 * The optional LLM back end's contract: given the report and the
 * classifier's candidate techniques (with evidence sentences), return the
 * techniques to keep, with evidence. Implementations must hold every
 * technique to the same evidence rule as the classifier: a sentence of the
 * report and a quote that is in it.
 */
import type { Issue } from '../../common/errors.js';
import type { KnowledgeBase } from '../../kb/index.js';
import type { ReportText } from '../../text/index.js';
import type { EvidenceSpan } from '../schema.js';

export interface CandidateEvidence {
  sentence: number;
  score: number;
  method: EvidenceSpan['method'];
  /** A verified quote inside the sentence (LLM evidence), when narrower than the sentence. */
  quote?: string;
}

export interface CandidateTechnique {
  id: string;
  score: number;
  evidence: CandidateEvidence[];
}

export interface LlmReview {
  techniques: CandidateTechnique[];
  issues: Issue[];
  calls: number;
  /** Candidates the LLM confirmed, rejected, and techniques it proposed that passed the evidence check. */
  confirmed: string[];
  rejected: string[];
  proposed: string[];
  /** Proposals or verdicts dropped because their evidence did not check out. */
  unsupported: number;
}

export interface LlmBackend {
  /** e.g. `openai-compatible http://127.0.0.1:8080 model=llama3` (no secrets). */
  describe(): string;
  review(report: ReportText, candidates: CandidateTechnique[], kb: KnowledgeBase): Promise<LlmReview>;
}
