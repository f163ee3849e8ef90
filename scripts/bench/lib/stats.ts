// Latency samples and their percentiles, for the benchmarks under scripts/bench/.

/** A growable list of numbers (milliseconds) that sorts as doubles, not as strings. */
export class Samples {
  private values = new Float64Array(4096);
  private size = 0;

  get count(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = value;
  }

  /** A sorted copy; the samples themselves stay in arrival order. */
  sorted(): Float64Array {
    return this.values.slice(0, this.size).sort();
  }
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarise(samples: Samples | number[]): LatencySummary {
  const sorted = samples instanceof Samples ? samples.sorted() : Float64Array.from(samples).sort();
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}

export const ms = (value: number): string => (Number.isNaN(value) ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(1));

export function describe(summary: LatencySummary): string {
  return `p50 ${ms(summary.p50)} ms, p95 ${ms(summary.p95)} ms, p99 ${ms(summary.p99)} ms, max ${ms(summary.max)} ms (n=${summary.n})`;
}

/** Formats rows as a plain-text table with aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
