/**
 * The verb phrase of a procedure sentence ("created a scheduled task named
 * MsUpd that runs rundll32"): from the first adversary verb to the end of its
 * clause, a bounded number of words. A small lexicon of CTI verbs with their
 * inflections; no parsing.
 */

const BASE_VERBS = (
  'use run execute create download upload drop install deploy modify delete dump steal collect exfiltrate encrypt decrypt decode encode inject ' +
  'load launch spawn connect communicate send receive query enumerate scan discover gather harvest obtain access exploit compromise leverage ' +
  'abuse establish add register schedule copy move rename hide disable bypass escalate elevate spread propagate persist beacon contact retrieve ' +
  'fetch write read open start stop kill terminate check search list capture record log brute spray crack phish deliver attach embed obfuscate ' +
  'pack compress archive stage transfer tunnel proxy masquerade impersonate sideload hijack replace set configure change clear wipe remove ' +
  'invoke call employ utilize deploy target infect lure trick entice email mail host serve redirect resolve ping map identify gain acquire ' +
  'dump exfil extract unpack decompress install uninstall patch tamper block terminate erase overwrite destroy ransom lock leak sell buy ' +
  'leverage pivot move authenticate log steal sniff intercept monitor track watch screenshot keylog persist survive maintain reboot restart'
).split(' ');

const IRREGULAR = ['ran', 'went', 'sent', 'came', 'gave', 'gained', 'grew', 'saw', 'fell', 'wrote', 'written', 'stole', 'stolen', 'took', 'taken', 'made', 'began', 'begun', 'hid', 'hidden', 'got', 'gotten', 'brought', 'built', 'broke', 'broken', 'spread', 'sought', 'held', 'kept', 'chose', 'chosen', 'drew', 'drawn'];
/** Verb forms that are more often nouns or adjectives in reports ("an intrusion set", "a read-only share"). */
const AMBIGUOUS = new Set(['set', 'sets', 'read', 'found', 'list', 'lists', 'log', 'logs', 'map', 'maps', 'record', 'records', 'patch', 'patches', 'check', 'checks', 'access', 'stage', 'host', 'hosts', 'archive', 'archives', 'proxy', 'lock', 'leak', 'leaks', 'call', 'calls', 'change', 'changes', 'email', 'mail', 'target', 'targets', 'use', 'scan', 'scans', 'search', 'block', 'track', 'tracks', 'watch', 'screenshot', 'screenshots', 'download', 'downloads', 'upload', 'uploads', 'transfer', 'transfers', 'tunnel', 'tunnels', 'ping', 'dump', 'dumps', 'start', 'stop', 'capture', 'attach', 'spray', 'exploit', 'exploits', 'lure', 'lures', 'beacon', 'beacons', 'install', 'load', 'loads', 'compromise', 'copy', 'copies', 'move', 'moves', 'query', 'queries', 'pack', 'packs', 'crack', 'run', 'runs', 'open', 'kill', 'contact', 'contacts', 'hijack', 'spread', 'deploy', 'remove', 'resolve', 'sniff', 'monitor', 'add', 'escalate', 'persist', 'spawn']);
const ANALYST = new Set(['we', 'i', 'you', 'researchers', 'analysts']);
const DETERMINERS = new Set(['a', 'an', 'the', 'this', 'that', 'these', 'those', 'its', 'their', 'his', 'her', 'our', 'each', 'every', 'any', 'some']);

function inflections(v: string): string[] {
  const out = [v];
  const stem = v.endsWith('e') ? v.slice(0, -1) : v;
  const doubled = /[^aeiou][aeiou][bdgmnprt]$/.test(v) && v.length <= 4 ? v + v[v.length - 1] : v;
  out.push(v.endsWith('y') && !/[aeiou]y$/.test(v) ? v.slice(0, -1) + 'ies' : /(?:s|x|z|ch|sh)$/.test(v) ? v + 'es' : v + 's');
  out.push(v.endsWith('e') ? v + 'd' : v.endsWith('y') && !/[aeiou]y$/.test(v) ? v.slice(0, -1) + 'ied' : doubled + 'ed');
  out.push(stem + 'ing', doubled + 'ing');
  return out;
}

export const VERBS: ReadonlySet<string> = new Set([...BASE_VERBS.flatMap(inflections), ...IRREGULAR]);

const MAX_WORDS = 16;
const CLAUSE_END = /^(?:;|\.|,\s*(?:which|who|where|while|after|before|then)\b|\s(?:and then|after which)\s)/;

/** The verb phrase of `sentence`, or its opening words when no adversary verb is found. */
export function actionPhrase(sentence: string): string {
  const text = sentence.replace(/\s+/g, ' ').trim();
  const re = /[A-Za-z]+(?:-[A-Za-z]+)?/g;
  let start = -1;
  let fallback = -1;
  let prevWord = '';
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const w = m[0].toLowerCase();
    const after = text[m.index + m[0].length];
    // After a determiner a participle is an adjective ("the encoded command").
    if (VERBS.has(w) && !ANALYST.has(prevWord) && after !== ',' && !DETERMINERS.has(prevWord)) {
      // An ambiguous form counts only after a subject-like word, and only if nothing better comes.
      if (!AMBIGUOUS.has(w)) {
        start = m.index;
        break;
      }
      if (fallback < 0 && prevWord && !['a', 'an', 'the', 'this', 'that', 'its', 'their', 'of', 'for', 'to', 'and', 'or', 'with'].includes(prevWord)) fallback = m.index;
    }
    prevWord = w;
  }
  if (start < 0) start = fallback;
  const from = start >= 0 ? start : 0;
  let end = text.length;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if ((c === ';' || c === ',' || c === ' ' || c === '.') && CLAUSE_END.test(text.slice(i, i + 16))) {
      // "." only ends the clause when a space or the end follows (not "lsass.exe").
      if (c === '.' && i + 1 < text.length && text[i + 1] !== ' ') continue;
      if (c === ' ' && i === from) continue;
      end = i;
      break;
    }
  }
  const words = text.slice(from, end).split(' ');
  let phrase = words.slice(0, MAX_WORDS).join(' ');
  if (words.length > MAX_WORDS) phrase += ' …';
  return phrase.replace(/[\s,:;]+$/, '') || text.slice(0, 120);
}
