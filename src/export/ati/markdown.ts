/**
 * An ATI document as a Markdown summary for analysts: tactics and
 * techniques with their best evidence, the attack chain with actors, tools
 * and commands, variants, IOCs and named entities. Everything that came from
 * the report goes through `mdText` / `mdCode` / `mdCodeBlock`, so nothing in
 * a hostile report becomes a link, an image, HTML or a table break.
 */
import { mdCode, mdCodeBlock, mdTable, mdText } from '../index.js';
import type { AtiDocument } from '../../intel/schema.js';

function cut(s: string, n: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? t.slice(0, n - 1) + '…' : t;
}

export function atiToMarkdown(doc: AtiDocument, opts: { variants?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`# ${mdText(cut(doc.report.title || doc.report.source.path, 200))}`, '');
  out.push(
    `Source: ${mdCode(doc.report.source.path)} (${doc.report.source.format}, ${doc.report.source.bytes} bytes, sha256 ${mdCode(doc.report.source.sha256)}). ` +
      `Extracted by ttpscope ${mdText(doc.generator.version)} with ATT&CK ${mdText(doc.generator.attackVersion)}${doc.generator.model ? `, model ${mdCode(doc.generator.model)}` : ''}${doc.generator.llm ? `, LLM ${mdText(doc.generator.llm)}` : ''}.`,
    '',
  );
  out.push(`${doc.techniques.length} techniques, ${doc.procedures.length} procedures, ${doc.iocs.length} IOCs, ${doc.entities.length} named groups/software/campaigns.`, '');
  if (doc.tactics.length) {
    out.push('## Tactics', '');
    out.push(mdTable(['tactic', 'techniques'], doc.tactics.map((t) => [mdText(t.name), t.techniques.map((id) => mdText(id)).join(', ')])), '');
  }
  if (doc.techniques.length) {
    out.push('## Techniques', '');
    out.push(
      mdTable(
        ['technique', 'name', 'score', 'evidence'],
        doc.techniques.map((t) => [mdText(t.id), mdText(t.name), t.score.toFixed(2), t.evidence[0] ? `“${mdText(cut(t.evidence[0].quote, 200))}”` : '']),
      ),
      '',
    );
  }
  if (doc.procedures.length) {
    out.push('## Attack chain', '');
    for (const p of doc.procedures) {
      const t = doc.techniques.find((x) => x.id === p.technique);
      const who = p.actor ? `${mdText(p.actor)} ` : '';
      const tool = p.tool ? ` (tool: ${mdText(p.tool.name)}${p.tool.attackId ? ` ${mdText(p.tool.attackId)}` : ''})` : '';
      out.push(`${p.order}. **${mdText(p.tactic ?? 'unknown tactic')}** — ${mdText(p.technique)} ${mdText(t?.name ?? '')}: ${who}${mdText(cut(p.action, 300))}${tool}`);
      for (const c of p.commands.slice(0, 3)) {
        out.push('', mdCodeBlock(c.text.length > 2000 ? c.text.slice(0, 2000) + '…' : c.text, c.interpreter === 'powershell' ? 'powershell' : c.interpreter === 'sh' || c.interpreter === 'bash' ? 'sh' : c.interpreter === 'cmd' ? 'bat' : '').replace(/^/gm, '   '));
      }
      if (p.objects.length) out.push(`   - objects: ${p.objects.slice(0, 8).map((o) => `${mdText(o.kind)} ${mdCode(cut(o.value, 200))}`).join(', ')}`);
      out.push(`   - evidence: “${mdText(cut(p.evidence[0]?.quote ?? '', 300))}”`);
    }
    out.push('');
  }
  if (opts.variants !== false) {
    const withVariants = doc.techniques.filter((t) => t.variants.some((v) => v.source !== 'report'));
    if (withVariants.length) {
      out.push('## Procedure variants', '');
      for (const t of withVariants) {
        out.push(`### ${mdText(t.id)} ${mdText(t.name)}`, '');
        for (const v of t.variants) {
          if (v.source === 'report') continue;
          const label = v.source === 'attack-procedure' ? 'ATT&CK' : v.source === 'atomic-red-team' ? 'Atomic Red Team' : mdText(v.source);
          out.push(`- ${label}: ${mdText(cut(v.description, 300))}${v.command ? ` — ${mdCode(cut(v.command, 300))}` : ''}`);
        }
        out.push('');
      }
    }
  }
  if (doc.iocs.length) {
    out.push('## Indicators', '');
    out.push(mdTable(['type', 'value', 'as written'], doc.iocs.map((i) => [mdText(i.type), mdCode(cut(i.value, 300)), i.original ? mdCode(cut(i.original, 300)) : ''])), '');
  }
  if (doc.entities.length) {
    out.push('## Groups, software and campaigns', '');
    out.push(mdTable(['kind', 'name', 'ATT&CK', 'mentions'], doc.entities.map((e) => [mdText(e.kind), mdText(e.name), e.attackId ? mdText(e.attackId) : '', String(e.evidence.length)])), '');
  }
  if (doc.stated?.length) {
    out.push('## Cited but not identified', '');
    out.push(`The report names these techniques by id without the model finding them described: ${doc.stated.map((s) => `${mdText(s.id)} ${mdText(s.name)}`).join(', ')}.`, '');
  }
  return out.join('\n');
}
