/**
 * Routes declare their form or query shape as a zod schema when they are
 * registered (`schema: { body: … }`); Fastify runs it before the handler, so a
 * handler only sees typed input. A body that does not fit the shape (a field
 * sent twice, an array, a 10 MB string) is a 400 page, never a crash. Rules a
 * user can break by typing (a short password, a taken name) are checked in the
 * handler and shown beside the field instead.
 */
import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import { problemText, type Messages } from '../i18n/messages.js';
import { isRowId } from '../lib/row-id.js';

export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema }) => {
  return (data: unknown) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    const error = Object.assign(new Error('The form could not be read.'), {
      statusCode: 400,
      code: 'GH_FORM_SHAPE',
      issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
    return { error };
  };
};

/** One text field as a form sends it: a single string of bounded length. */
export const field = (maxLength = 1000) => z.string().max(maxLength);

/** A row id in a path or query: digits, within what the databases hold (else a 400, not a driver error). */
export const rowId = () => z.string().refine(isRowId, 'not an id');

/** Free text typed into a search or filter: no control characters (PostgreSQL refuses a NUL in text). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
export const searchText = (maxLength: number) => z.string().max(maxLength).regex(/^[^\u0000-\u001f\u007f]*$/, 'control characters');
/** A checkbox: present ("on") or absent. */
export const checkbox = () => z.string().max(10).optional().transform((v) => v !== undefined);

/** Every state-changing form carries its CSRF token (checked by the CSRF hook before validation). */
export const formSchema = <T extends z.ZodRawShape>(shape: T) => z.object({ _csrf: field(200), ...shape });

/** Map a zod error to the first message per field, in the reader's language, for showing beside each input. */
export function fieldErrors(error: z.ZodError, t: Messages): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '_form');
    out[key] ??= problemText(t, issue.message);
  }
  return out;
}
