/**
 * Names a file that is not text by its first bytes (its "magic number"), whatever its extension:
 * an `.xlsx` renamed `.csv` is still a zip archive, and reading it as CSV yields one row of junk.
 */

/** A kind of file a requests CSV is sometimes mistaken for. */
export interface FileKind {
  /** Stable id, for tests and logs: `xlsx`, `xls`, `zip`, `gzip`, `pdf`, … */
  id: string;
  /** What the file is, for a person: "an Excel workbook (xlsx)". */
  description: string;
  /** What to do instead. */
  advice: string;
}

const EXPORT_CSV = 'open it in its program and save or export it as "CSV UTF-8", then pass that file';
const UNPACK = 'unpack it and pass the CSV inside';

interface Signature {
  /** The bytes the file starts with, at `offset`. */
  bytes: readonly number[];
  offset?: number;
  kind: FileKind;
}

const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));

/** Zip archives first: an xlsx is a zip, told apart below by the names of its entries. */
const ZIP_MAGICS: readonly (readonly number[])[] = [
  [0x50, 0x4b, 0x03, 0x04], // local file header: every non-empty zip starts with one
  [0x50, 0x4b, 0x05, 0x06], // end of central directory: an empty zip
  [0x50, 0x4b, 0x07, 0x08], // spanned archive marker
];

/** Other formats, checked in order; sources: the formats' own specifications (RFC 1952, ISO 32000, MS-CFB, …). */
const SIGNATURES: readonly Signature[] = [
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    kind: {
      id: 'xls',
      description: 'a legacy Office file (an Excel 97–2003 workbook, .xls, or another OLE compound document)',
      advice: EXPORT_CSV,
    },
  },
  { bytes: [0x1f, 0x8b], kind: { id: 'gzip', description: 'a gzip-compressed file', advice: 'decompress it (gunzip) and pass the CSV' } },
  { bytes: ascii('%PDF-'), kind: { id: 'pdf', description: 'a PDF document', advice: 'pass the CSV export the PDF was made from' } },
  { bytes: ascii('SQLite format 3\0'), kind: { id: 'sqlite', description: 'an SQLite database (a stripe-redact state file?)', advice: 'pass the requests CSV; a state file goes to --state' } },
  { bytes: [0x42, 0x5a, 0x68], kind: { id: 'bzip2', description: 'a bzip2-compressed file', advice: UNPACK } },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], kind: { id: 'xz', description: 'an xz-compressed file', advice: UNPACK } },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], kind: { id: 'zstd', description: 'a zstd-compressed file', advice: UNPACK } },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], kind: { id: '7z', description: 'a 7-Zip archive', advice: UNPACK } },
  { bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], kind: { id: 'rar', description: 'a RAR archive', advice: UNPACK } },
  { bytes: ascii('ustar'), offset: 257, kind: { id: 'tar', description: 'a tar archive', advice: UNPACK } },
  { bytes: [0x89, 0x50, 0x4e, 0x47], kind: { id: 'png', description: 'a PNG image', advice: 'pass the requests CSV' } },
  { bytes: [0xff, 0xd8, 0xff], kind: { id: 'jpeg', description: 'a JPEG image', advice: 'pass the requests CSV' } },
];

function startsWith(head: Uint8Array, bytes: readonly number[], offset = 0): boolean {
  if (head.length < offset + bytes.length) return false;
  return bytes.every((byte, i) => head[offset + i] === byte);
}

function includesAscii(head: Uint8Array, text: string): boolean {
  return Buffer.from(head.buffer, head.byteOffset, head.byteLength).includes(text, 0, 'latin1');
}

/**
 * A zip's local file headers name its entries in clear text, and an Office Open XML or
 * OpenDocument file's first entries are small: their names show in the first kilobytes.
 */
function identifyZip(head: Uint8Array): FileKind {
  if (includesAscii(head, 'mimetypeapplication/vnd.oasis.opendocument.spreadsheet')) {
    return { id: 'ods', description: 'an OpenDocument spreadsheet (ods)', advice: EXPORT_CSV };
  }
  if (includesAscii(head, 'xl/')) return { id: 'xlsx', description: 'an Excel workbook (xlsx)', advice: EXPORT_CSV };
  if (includesAscii(head, 'word/')) return { id: 'docx', description: 'a Word document (docx)', advice: 'pass the requests CSV' };
  if (includesAscii(head, '[Content_Types].xml')) {
    return { id: 'ooxml', description: 'an Office document (xlsx, docx or pptx)', advice: EXPORT_CSV };
  }
  return { id: 'zip', description: 'a zip archive', advice: UNPACK };
}

/**
 * The kind of non-text file `head` (the file's first bytes; 4 KiB or more tells an xlsx from a plain
 * zip) starts like, or `undefined` when it starts like no known binary format. A text file with a
 * NUL byte further on is caught while it is decoded, not here.
 */
export function identifyBinaryFile(head: Uint8Array): FileKind | undefined {
  if (ZIP_MAGICS.some((magic) => startsWith(head, magic))) return identifyZip(head);
  return SIGNATURES.find((signature) => startsWith(head, signature.bytes, signature.offset))?.kind;
}
