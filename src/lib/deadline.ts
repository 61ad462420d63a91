/**
 * Rejects when `promise` has not settled within `ms`. Client libraries' own
 * timeouts are often idle-socket timeouts, which a peer trickling bytes never
 * trips; this bounds the whole call. (The underlying work is not cancelled.)
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
