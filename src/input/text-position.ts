/** Where the decoder is in the decoded text, to name the line and column of a refused byte. */

const LF = 0x0a;
const CR = 0x0d;

/**
 * Where the next character of the decoded text sits. Line breaks are LF, CRLF and a lone CR, as the
 * reader counts them; columns count UTF-16 code units, as editors mostly do.
 */
export class TextPosition {
  /** 1-based line of the next character. */
  line = 1;
  /** Characters already on that line. */
  column = 0;
  /** The last byte seen was a CR: a line break whether or not an LF follows. */
  #afterCr = false;

  /** Moves past `utf8`. */
  advance(utf8: Buffer): void {
    if (utf8.length === 0) return;
    let breaks = 0;
    /** Index where the last line of `utf8` starts; -1 while `utf8` holds no break. */
    let lineStart = -1;
    // The LF of a CRLF whose CR ended the previous buffer: that break is counted already.
    const isLfOfEarlierCr = this.#afterCr && utf8[0] === LF;
    if (isLfOfEarlierCr) lineStart = 1;
    for (let i = utf8.indexOf(LF, isLfOfEarlierCr ? 1 : 0); i !== -1; i = utf8.indexOf(LF, i + 1)) {
      // An LF after a CR is the CR's break, counted below.
      if (i === 0 || utf8[i - 1] !== CR) breaks += 1;
      lineStart = i + 1;
    }
    for (let i = utf8.indexOf(CR); i !== -1; i = utf8.indexOf(CR, i + 1)) {
      breaks += 1;
      lineStart = Math.max(lineStart, utf8[i + 1] === LF ? i + 2 : i + 1);
    }
    this.#afterCr = utf8[utf8.length - 1] === CR;
    if (breaks > 0) {
      this.line += breaks;
      this.column = 0;
    }
    this.column += (lineStart === -1 ? utf8 : utf8.subarray(lineStart)).toString('utf8').length;
  }

  /** Where the character at byte `index` of `utf8` (the next buffer to pass) sits: 1-based line and column. */
  at(utf8: Buffer, index: number): { line: number; column: number } {
    const probe = new TextPosition();
    probe.line = this.line;
    probe.column = this.column;
    probe.#afterCr = this.#afterCr;
    probe.advance(utf8.subarray(0, index));
    return { line: probe.line, column: probe.column + 1 };
  }
}
