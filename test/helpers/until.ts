/** Polls `probe` every `every` ms until it gives a truthy value, failing after `ms`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  ms = 30_000,
  every = 100,
): Promise<T> {
  for (const started = Date.now(); Date.now() - started < ms;) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, every));
  }
  throw new Error(`timed out waiting for ${what}`);
}
