/**
 * Which programs exist, what their OriginalFileName is and what role they
 * play: the built-in table, extended from the data when it is installed —
 * the image names and OriginalFileNames that SigmaHQ process-creation rules
 * pair (`Image|endswith: '\certutil.exe'` beside `OriginalFileName:
 * 'CertUtil.exe'`), the ATT&CK software names and aliases (tools such as
 * AdFind, Rclone, PsExec), and the tools the report itself names.
 */
import type { RuleCollection, SigmaRule } from '../../sigma/index.js';
import { WINDOWS_BINARIES, type BinaryRole, type KnownBinary } from './windows-binaries.js';

export interface SoftwareName {
  name: string;
  aliases: readonly string[];
  kind: 'malware' | 'tool';
  id: string;
}

const EXE_TAIL = /\\([a-z0-9][a-z0-9 ._-]{0,60}\.(?:exe|com|scr|cpl))$/i;

function exeOfSoftware(name: string): string {
  return `${name.toLowerCase().replace(/[^a-z0-9._-]+/g, '')}.exe`;
}

export class BinaryCatalog {
  private readonly known = new Map<string, KnownBinary>();
  /** Image names SigmaHQ rules mention (lower case). */
  private readonly sigmaImages = new Set<string>();
  private readonly software = new Map<string, { kind: 'malware' | 'tool'; id?: string; name: string }>();
  private readonly reportTools = new Set<string>();
  private readonly tellingSwitches = new Map<string, Set<string>>();

  constructor() {
    for (const [k, v] of WINDOWS_BINARIES) this.known.set(k, v);
  }

  /** Mine image name ↔ OriginalFileName pairs from process-creation rules. */
  addSigmaRules(collection: Pick<RuleCollection, 'rules'>): this {
    for (const r of collection.rules) {
      if (r.logsource.category !== 'process_creation') continue;
      this.mineRule(r);
    }
    return this;
  }

  private mineRule(r: SigmaRule): void {
    for (const s of r.detection.searches.values()) {
      const images: string[] = [];
      const ofns: string[] = [];
      for (const alt of s.alternatives) {
        for (const it of alt) {
          if (it.field === null) continue;
          const f = it.field.toLowerCase();
          for (const v of it.values) {
            if (v.type !== 'string') continue;
            const text = v.parts.map((p) => (p.kind === 'text' ? p.text : '\0')).join('');
            if (text.includes('\0')) continue;
            if ((f === 'image' || f === 'parentimage') && it.modifiers.includes('endswith')) {
              const m = EXE_TAIL.exec(text);
              if (m) images.push(m[1]!.toLowerCase());
            } else if (f === 'originalfilename' && it.modifiers.length === 0) ofns.push(text);
          }
        }
      }
      for (const img of images) this.sigmaImages.add(img);
      if (images.length > 0 && images.length <= 2) this.mineSwitches(r, images);
      // pair names that agree case-insensitively, or a lone pair
      for (const img of images) {
        const same = ofns.find((o) => o.toLowerCase() === img);
        const ofn = same ?? (images.length === 1 && ofns.length === 1 ? ofns[0] : undefined);
        const prev = this.known.get(img);
        if (prev) {
          if (!prev.originalFileName && ofn) this.known.set(img, { ...prev, originalFileName: ofn });
        } else this.known.set(img, { name: img, role: 'lolbin', ...(ofn ? { originalFileName: ofn } : {}) });
      }
    }
  }

  /** Switch words the rule's command-line tests use for its program (`urlcache`, `decode`): what experts found telling. */
  private mineSwitches(r: SigmaRule, images: string[]): void {
    for (const s of r.detection.searches.values()) {
      for (const alt of s.alternatives) {
        for (const it of alt) {
          if (it.field?.toLowerCase() !== 'commandline') continue;
          for (const v of it.values) {
            if (v.type !== 'string') continue;
            const text = v.parts.map((p) => (p.kind === 'text' ? p.text : ' ')).join('');
            const m = /^\s*[-/\u2013\u2014]{0,2}([a-z][a-z0-9-]{1,30})\s*$/i.exec(text);
            if (!m) continue;
            for (const img of images) {
              let set = this.tellingSwitches.get(img);
              if (!set) this.tellingSwitches.set(img, (set = new Set()));
              set.add(m[1]!.toLowerCase());
            }
          }
        }
      }
    }
  }

  /** Switch words (without dashes) SigmaHQ rules test for a program, when the rule set was mined. */
  tellingSwitchesOf(name: string): ReadonlySet<string> | undefined {
    return this.tellingSwitches.get(name.toLowerCase());
  }

  /** ATT&CK software (tools and malware) by name and alias. */
  addSoftware(list: Iterable<SoftwareName>): this {
    for (const s of list) {
      for (const n of [s.name, ...s.aliases]) {
        const key = n.trim().toLowerCase();
        if (key.length < 3) continue;
        this.software.set(key, { kind: s.kind, id: s.id, name: s.name });
        this.software.set(exeOfSoftware(n), { kind: s.kind, id: s.id, name: s.name });
      }
    }
    return this;
  }

  /** Tools the report names (they are expected to be on the victim). */
  addReportTools(names: Iterable<string>): this {
    for (const n of names) {
      const t = n.trim().toLowerCase();
      if (t.length >= 3) {
        this.reportTools.add(t);
        this.reportTools.add(exeOfSoftware(t));
      }
    }
    return this;
  }

  binary(name: string): KnownBinary | undefined {
    return this.known.get(name.toLowerCase());
  }

  role(name: string): BinaryRole | undefined {
    const b = this.known.get(name.toLowerCase());
    if (b) return b.role;
    const s = this.software.get(name.toLowerCase());
    return s?.kind === 'tool' ? 'tool' : undefined;
  }

  /** ATT&CK software a name or executable stands for. */
  softwareOf(name: string): { kind: 'malware' | 'tool'; id?: string; name: string } | undefined {
    return this.software.get(name.toLowerCase());
  }

  /** A program the checkers accept by name (Windows executables, ATT&CK tools, the report's tools). */
  isKnownProgram(name: string): boolean {
    const n = name.toLowerCase();
    return this.known.has(n) || this.sigmaImages.has(n) || this.software.has(n) || this.reportTools.has(n) || this.reportTools.has(n.replace(/\.exe$/, ''));
  }

  get size(): { builtin: number; total: number; sigmaImages: number; software: number } {
    return { builtin: WINDOWS_BINARIES.size, total: this.known.size, sigmaImages: this.sigmaImages.size, software: this.software.size };
  }
}
