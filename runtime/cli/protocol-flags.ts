/**
 * `--protocol key=value` (repeatable), as `ringcast sim` and the five-process benchmarks take it:
 * protocol options by name (src/protocol/options.ts). Only the form is checked here; the names and
 * values are checked where the options are resolved, which names the field.
 */
export function parseProtocolFlags(list: readonly string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kv of list ?? []) {
    const [k, v] = kv.split('=');
    if (k === undefined || k === '' || v === undefined || v.trim() === '' || !Number.isFinite(Number(v))) throw new Error(`--protocol: key=value with a number, got ${kv}`);
    out[k] = Number(v);
  }
  return out;
}
