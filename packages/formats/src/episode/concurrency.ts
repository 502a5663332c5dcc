/**
 * Runs `fn` over `items` with at most `limit` calls in flight, returning results in input order. Reading
 * hundreds of image headers one by one is latency-bound; all at once exhausts file descriptors.
 * On the first failure no new call starts, and the error is thrown only once the calls in flight have
 * settled, so a caller that cleans up afterwards (removing a temp dir) does not race with them.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (err) {
        if (!failed) firstError = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw firstError;
  return results;
}
