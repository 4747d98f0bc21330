/**
 * A small TRAM-shaped data set for tests (our own sentences, not TRAM's):
 * reports in `tram2-annotated-reports.jsonl` form with character spans, and
 * a train/test split, written to a folder so the real loaders read it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Sentence = [text: string, technique?: string, phrase?: string];

const REPORTS: { title: string; sentences: Sentence[] }[] = [
  {
    title: 'Mini report one',
    sentences: [
      ['The actor sent spear-phishing emails with malicious Word attachments to staff.', 'T1566.001', 'spear-phishing emails with malicious Word attachments'],
      ['The attachment ran a PowerShell script that downloaded the next stage.', 'T1059.001', 'ran a PowerShell script'],
      ['The loader created a scheduled task with schtasks to run every hour.', 'T1053.005', 'created a scheduled task'],
      ['The company was founded in 1999 and sells software.'],
      ['Operators ran whoami to learn the current user.', 'T1033', 'ran whoami'],
      ['Credentials were dumped from LSASS memory with procdump.', 'T1003.001', 'dumped from LSASS memory'],
    ],
  },
  {
    title: 'Mini report two',
    sentences: [
      ['The malware added a Run registry key so it starts at logon.', 'T1547.001', 'added a Run registry key'],
      ['It executed encoded PowerShell commands to fetch payloads.', 'T1059.001', 'encoded PowerShell commands'],
      ['We recommend patching servers regularly.'],
      ['The backdoor communicates with its C2 server over HTTPS.', 'T1071.001', 'communicates with its C2 server over HTTPS'],
      ['Strings in the binary are obfuscated with XOR.', 'T1027', 'obfuscated with XOR'],
    ],
  },
  {
    title: 'Mini report three',
    sentences: [
      ['Victims received phishing emails carrying a macro document.', 'T1566.001', 'phishing emails carrying a macro document'],
      ['A scheduled task named Updater launched the implant daily.', 'T1053.005', 'scheduled task named Updater'],
      ['The implant used rundll32 to load its DLL.', 'T1218.011', 'used rundll32 to load its DLL'],
      ['This blog post describes our findings.'],
      ['Tools were downloaded from a remote server with certutil.', 'T1105', 'downloaded from a remote server'],
    ],
  },
  {
    title: 'Mini report four',
    sentences: [
      ['The group dumped LSASS process memory to steal credentials.', 'T1003.001', 'dumped LSASS process memory'],
      ['A registry Run key provided persistence.', 'T1547.001', 'registry Run key'],
      ['PowerShell was used to run discovery commands.', 'T1059.001', 'PowerShell was used'],
      ['The attackers queried the logged-on user with whoami /all.', 'T1033', 'whoami /all'],
      ['Thank you for reading.'],
    ],
  },
  {
    title: 'Mini report five',
    sentences: [
      ['The payload is packed and its configuration is encrypted.', 'T1027', 'configuration is encrypted'],
      ['Beacons go to the C2 over HTTP POST requests.', 'T1071.001', 'HTTP POST requests'],
      ['Additional tools were transferred to the host from the C2 server.', 'T1105', 'transferred to the host'],
      ['Contact us for more information.'],
    ],
  },
  {
    title: 'Mini report six',
    sentences: [
      ['The intruders sent an email with a malicious attachment.', 'T1566.001', 'email with a malicious attachment'],
      ['They ran rundll32.exe with an exported function of the dropped DLL.', 'T1218.011', 'ran rundll32.exe'],
      ['A task was scheduled to relaunch the malware.', 'T1053.005', 'task was scheduled'],
      ['Memory of lsass.exe was dumped for credentials.', 'T1003.001', 'lsass.exe was dumped'],
    ],
  },
];

/** Reports 1–4 train, 5–6 test. Returns the folder. */
export function writeMiniTram(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  const split = { train: [] as { doc_title: string; file: string }[], test: [] as { doc_title: string; file: string }[] };
  REPORTS.forEach((r, i) => {
    let text = `title: ${r.title}\nurl: https://mini.example/${i + 1}\n\n`;
    const spans: unknown[] = [];
    for (const [sentence, technique, phrase] of r.sentences) {
      const start = text.length;
      text += sentence + ' ';
      if (technique && phrase) {
        const at = start + sentence.indexOf(phrase);
        if (at < start) throw new Error(`phrase not in sentence: ${phrase}`);
        spans.push({ start: at, end: at + phrase.length, technique_id: technique, technique_name: technique, kind: 'label', comment: null, text: phrase });
      }
    }
    const file = `mjson/mini_${i + 1}.mjson`;
    lines.push(JSON.stringify({ file, title: r.title, url: `https://mini.example/${i + 1}`, annotator: 'test', status: 'human gold', text, techniques: [], spans }));
    (i < 4 ? split.train : split.test).push({ doc_title: r.title, file });
  });
  writeFileSync(join(dir, 'tram2-annotated-reports.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'sok-doc-split.json'), JSON.stringify(split));
  return dir;
}
