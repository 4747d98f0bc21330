/** HTML character references: the named ones reports actually use, and numeric ones. */
const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™', hellip: '…', mdash: '—', ndash: '–',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', sbquo: '‚', bdquo: '„', bull: '•', middot: '·', laquo: '«', raquo: '»', deg: '°', times: '×',
  divide: '÷', plusmn: '±', sect: '§', para: '¶', euro: '€', pound: '£', yen: '¥', cent: '¢', shy: '\u00ad', zwnj: '\u200c', zwj: '\u200d',
  ensp: '\u2002', emsp: '\u2003', thinsp: '\u2009', larr: '←', rarr: '→', uarr: '↑', darr: '↓', harr: '↔', check: '✓', dagger: '†', Dagger: '‡',
  prime: '′', Prime: '″', frac12: '½', frac14: '¼', frac34: '¾', sup2: '²', sup3: '³', micro: 'µ', iexcl: '¡', iquest: '¿', colon: ':',
  lpar: '(', rpar: ')', lsqb: '[', rsqb: ']', lbrack: '[', rbrack: ']', period: '.', comma: ',', sol: '/', bsol: '\\', num: '#', excl: '!',
  quest: '?', equals: '=', plus: '+', ast: '*', commat: '@', dollar: '$', percnt: '%', Tab: '\t', NewLine: '\n', grave: '`', lowbar: '_', verbar: '|',
  auml: 'ä', ouml: 'ö', uuml: 'ü', Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü', szlig: 'ß', eacute: 'é', egrave: 'è', aacute: 'á', agrave: 'à', iacute: 'í',
  oacute: 'ó', uacute: 'ú', ntilde: 'ñ', ccedil: 'ç', Eacute: 'É', ecirc: 'ê', acirc: 'â', ocirc: 'ô',
};

/** Decode character references in `s` (one pass, bounded reference length). */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const amp = s.indexOf('&', i);
    if (amp < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, amp);
    const semi = s.indexOf(';', amp + 1);
    if (semi > amp && semi - amp <= 32) {
      const ref = s.slice(amp + 1, semi);
      let ch: string | undefined;
      if (ref[0] === '#') {
        const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        if (Number.isFinite(code) && code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) ch = String.fromCodePoint(code);
        else if (/^#(?:x[0-9a-f]+|\d+)$/i.test(ref)) ch = '\ufffd';
      } else if (Object.prototype.hasOwnProperty.call(NAMED, ref)) {
        ch = NAMED[ref];
      }
      if (ch !== undefined) {
        out += ch;
        i = semi + 1;
        continue;
      }
    }
    out += '&';
    i = amp + 1;
  }
  return out;
}
