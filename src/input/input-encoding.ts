/**
 * Which character encoding the requests file is read in. Never guessed: strict UTF-8 unless a BOM
 * or `--encoding` says otherwise, and a BOM that contradicts `--encoding` is refused rather than
 * one of them silently winning.
 */

/** The values of `--encoding` (docs/contract.md#commands). */
export const INPUT_ENCODINGS = ['utf-8', 'windows-1252', 'latin1', 'utf-16le'] as const;

/** An encoding a person can name with `--encoding`. */
export type InputEncoding = (typeof INPUT_ENCODINGS)[number];

/** An encoding the reader decodes: the named ones, and UTF-16BE, which only its BOM selects. */
export type TextEncoding = InputEncoding | 'utf-16be';

/** How the file will be decoded, and why. */
export interface InputDecoding {
  encoding: TextEncoding;
  /** Bytes of byte order mark at the start of the file, skipped before decoding (0 without one). */
  bomLength: number;
  /** `bom`: the file's BOM; `option`: `--encoding`; `default`: neither, so strict UTF-8. */
  decidedBy: 'bom' | 'option' | 'default';
}

/** Names people and other tools use for the same encodings (lower-cased, `_` read as `-`). */
const ALIASES: Readonly<Record<string, InputEncoding>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  win1252: 'windows-1252',
  latin1: 'latin1',
  'latin-1': 'latin1',
  'iso-8859-1': 'latin1',
  'iso8859-1': 'latin1',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
};

/** The `--encoding` value as an {@link InputEncoding}, or `undefined` when it names none. */
export function parseInputEncoding(value: string): InputEncoding | undefined {
  return ALIASES[value.trim().toLowerCase().replaceAll('_', '-')];
}

/** How an encoding is named in messages. */
export function encodingLabel(encoding: TextEncoding): string {
  switch (encoding) {
    case 'utf-8':
      return 'UTF-8';
    case 'windows-1252':
      return 'Windows-1252';
    case 'latin1':
      return 'Latin-1 (ISO-8859-1)';
    case 'utf-16le':
      return 'UTF-16LE';
    case 'utf-16be':
      return 'UTF-16BE';
  }
}

interface Bom {
  bytes: readonly number[];
  /** `undefined`: a BOM of an encoding the reader refuses (UTF-32). */
  encoding: TextEncoding | undefined;
  label: string;
}

/** Longest first: the UTF-32LE BOM starts with the UTF-16LE one. */
const BOMS: readonly Bom[] = [
  { bytes: [0xff, 0xfe, 0x00, 0x00], encoding: undefined, label: 'UTF-32LE' },
  { bytes: [0x00, 0x00, 0xfe, 0xff], encoding: undefined, label: 'UTF-32BE' },
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8', label: 'UTF-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le', label: 'UTF-16LE' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be', label: 'UTF-16BE' },
];

/** Why {@link decideDecoding} refused: a message without the file's name. */
export interface DecodingProblem {
  problem: string;
}

/** How many leading bytes {@link decideDecoding} looks at for UTF-16 without a BOM. */
const UTF16_SAMPLE_BYTES = 4096;

/**
 * Decides the decoding from the file's first bytes and `--encoding` (`requested`, `undefined` when
 * not given): a BOM decides UTF-8 or UTF-16, and must agree with `--encoding` when both are there;
 * without a BOM, `--encoding` or else UTF-8.
 */
export function decideDecoding(head: Uint8Array, requested: InputEncoding | undefined): InputDecoding | DecodingProblem {
  const bom = BOMS.find((candidate) => candidate.bytes.every((byte, i) => head[i] === byte));
  if (bom !== undefined) {
    if (bom.encoding === undefined) {
      return { problem: `the file starts with a ${bom.label} byte order mark; ${bom.label} is not supported: save it as UTF-8` };
    }
    if (requested !== undefined && requested !== bom.encoding) {
      return {
        problem:
          `--encoding ${requested} says ${encodingLabel(requested)}, but the file starts with a ${bom.label} byte order mark; ` +
          `drop --encoding (the mark decides) or check that this is the file you meant`,
      };
    }
    return { encoding: bom.encoding, bomLength: bom.bytes.length, decidedBy: 'bom' };
  }
  if (requested === 'utf-16le' && !hasUtf16LeAscii(head)) {
    return {
      problem:
        '--encoding utf-16le, but the file has no byte order mark and its first bytes are not UTF-16LE text ' +
        '(in UTF-16LE every comma, line break and letter a–z has a zero byte after it); drop --encoding or name the right one',
    };
  }
  return { encoding: requested ?? 'utf-8', bomLength: 0, decidedBy: requested === undefined ? 'default' : 'option' };
}

/** Whether `head` holds a UTF-16LE ASCII character (a printable or line-break byte followed by 0). */
function hasUtf16LeAscii(head: Uint8Array): boolean {
  const end = Math.min(head.length, UTF16_SAMPLE_BYTES) - 1;
  for (let i = 0; i < end; i += 2) {
    const low = head[i] ?? 0;
    if (head[i + 1] === 0 && (low === 0x0a || low === 0x0d || (low >= 0x20 && low < 0x7f))) return true;
  }
  return head.length === 0;
}
