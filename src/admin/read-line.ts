/** Reads the password `create-user --password-stdin` is given: the first line of a stream. */
import type { Readable } from 'node:stream';

/**
 * Characters read at most. Well past MAX_PASSWORD_LENGTH (1024 code points),
 * so a longer line is still refused by the password rules with their own
 * message, yet a stream with no newline cannot fill memory.
 */
export const MAX_LINE_CHARACTERS = 16 * 1024;

/**
 * The first line of `stream` without its line ending (LF or CRLF), or null
 * when the stream ends before giving a single character. Spaces are kept:
 * they may be part of a passphrase.
 */
export async function readFirstLine(stream: Readable): Promise<string | null> {
  stream.setEncoding('utf8');
  let text = '';
  let sawInput = false;
  // Leaving the loop early destroys the stream, so a writer still sending gets EPIPE rather than filling memory.
  for await (const chunk of stream as AsyncIterable<string>) {
    sawInput = true;
    text += chunk;
    if (text.includes('\n') || text.length >= MAX_LINE_CHARACTERS) break;
  }
  if (!sawInput) return null;
  const newline = text.indexOf('\n');
  const line = newline === -1 ? text.slice(0, MAX_LINE_CHARACTERS) : text.slice(0, newline);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
