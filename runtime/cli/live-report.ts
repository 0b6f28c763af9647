/** Live throughput and latency lines on the terminal, and the summary at the end of a run. */
import { Histogram } from '../../src/metrics/histogram.ts';

export class LiveReport {
  private readonly window = new Histogram();
  private readonly whole = new Histogram();
  private windowValues = 0;
  private windowBytes = 0;
  private totalValues = 0;
  private totalBytes = 0;
  private readonly startedMs = performance.now();
  private windowStartMs = this.startedMs;

  constructor(private readonly print: (line: string) => void = (l) => console.log(l)) {}

  /** One value delivered, `latencyUs` after it was proposed. */
  delivered(bytes: number, latencyUs: number): void {
    this.windowValues++;
    this.windowBytes += bytes;
    this.window.record(latencyUs);
  }

  /** Prints a line for the window since the last call, and starts a new window. */
  tick(extra = ''): void {
    const now = performance.now();
    const seconds = (now - this.windowStartMs) / 1000;
    this.print(
      `${((now - this.startedMs) / 1000).toFixed(1).padStart(6)}s  ${fmtRate(this.windowValues / seconds)} values/s  ${(this.windowBytes / seconds / 1e6).toFixed(1).padStart(7)} MB/s  ` +
        `p50 ${fmtMs(this.window.quantile(0.5))}  p99 ${fmtMs(this.window.quantile(0.99))}${extra === '' ? '' : '  ' + extra}`,
    );
    this.totalValues += this.windowValues;
    this.totalBytes += this.windowBytes;
    this.whole.merge(this.window);
    this.window.reset();
    this.windowValues = 0;
    this.windowBytes = 0;
    this.windowStartMs = now;
  }

  summary(title: string): void {
    // Close the last window only if it holds something (it was just closed by a tick otherwise).
    if (this.windowValues > 0) this.tick();
    else this.whole.merge(this.window);
    const seconds = (performance.now() - this.startedMs) / 1000;
    const h = this.whole;
    this.print('');
    this.print(`${title}`);
    this.print(`  delivered   ${this.totalValues} values, ${(this.totalBytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s`);
    this.print(`  throughput  ${fmtRate(this.totalValues / seconds).trim()} values/s, ${(this.totalBytes / seconds / 1e6).toFixed(1)} MB/s`);
    this.print(`  latency     p50 ${fmtMs(h.quantile(0.5))}  p99 ${fmtMs(h.quantile(0.99))}  p99.9 ${fmtMs(h.quantile(0.999))}  max ${fmtMs(h.max)}`);
  }

  get values(): number {
    return this.totalValues + this.windowValues;
  }
}

export function fmtRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en-US').padStart(10);
}
export function fmtMs(us: number): string {
  return `${(us / 1000).toFixed(2)} ms`;
}
