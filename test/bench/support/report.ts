/**
 * What a benchmark hands back: a table for people, comparisons with the
 * baseline measured in the same run, and the raw figures for latest.json.
 */
export interface Comparison {
  metric: string
  unit: string
  value: number
  baseline: number
  /** What the baseline measured, in a few words. */
  baselineLabel: string
  /** Throughput: higher is better. Latency, memory: lower is better. */
  higherIsBetter: boolean
}

export interface Table {
  columns: string[]
  rows: Array<Array<string | number>>
}

export interface BenchmarkReport {
  name: string
  title: string
  tables: Array<{ caption: string, table: Table }>
  comparisons: Comparison[]
  notes: string[]
  figures: Record<string, unknown>
  elapsedS: number
}

export function ratioOf (comparison: Comparison): number {
  return comparison.value / comparison.baseline
}

export function formatNumber (value: number | string): string {
  if (typeof value === 'string') return value
  if (!Number.isFinite(value)) return '–'
  const abs = Math.abs(value)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
}

export function renderTable ({ columns, rows }: Table): string {
  const cells = [columns, ...rows.map(row => row.map(formatNumber))]
  const widths = columns.map((_, i) => Math.max(...cells.map(row => String(row[i] ?? '').length)))
  const line = (row: Array<string | number>): string => row
    .map((cell, i) => i === 0 ? String(cell).padEnd(widths[i]!) : String(cell).padStart(widths[i]!))
    .join('  ')
  return [line(cells[0]!), widths.map(w => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n')
}

export function renderReport (report: BenchmarkReport): string {
  const parts = [`\n== ${report.title} (${report.elapsedS.toFixed(1)} s) ==`]
  for (const { caption, table } of report.tables) parts.push(`\n${caption}\n${renderTable(table)}`)
  if (report.comparisons.length > 0) parts.push(`\nagainst the baseline\n${renderTable(comparisonTable(report.comparisons))}`)
  for (const note of report.notes) parts.push(`note: ${note}`)
  return parts.join('\n')
}

export function comparisonTable (comparisons: readonly Comparison[], name?: string): Table {
  return {
    columns: [...(name !== undefined ? ['benchmark'] : []), 'metric', 'value', 'baseline', 'ratio', 'baseline is'],
    rows: comparisons.map(c => [
      ...(name !== undefined ? [name] : []),
      `${c.metric} (${c.unit})`,
      c.value,
      c.baseline,
      `${ratioOf(c).toFixed(2)}×`,
      c.baselineLabel
    ])
  }
}

export function renderSummary (reports: readonly BenchmarkReport[]): string {
  const rows = reports.flatMap(report => comparisonTable(report.comparisons, report.name).rows)
  const columns = comparisonTable([], 'x').columns
  return `\n== Summary ==\n${renderTable({ columns, rows })}`
}
