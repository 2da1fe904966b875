/**
 * A strict reader of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), so a test
 * can check that /metrics parses the way a Prometheus server would read it,
 * and then look values up. It throws, naming the line, on anything a scraper
 * would refuse or misread: a malformed name, label or value, a sample outside
 * its family, a family declared twice, a series repeated, a histogram whose
 * buckets are not cumulative or whose +Inf bucket differs from its count.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'

export interface Sample {
  /** The sample's own name: for a histogram `…_bucket`, `…_sum` or `…_count`. */
  name: string
  labels: Record<string, string>
  value: number
}

export interface MetricFamily {
  name: string
  type: MetricType
  help: string | undefined
  samples: Sample[]
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped'])
const SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count']
}

export class ExpositionError extends Error {
  constructor (readonly lineNumber: number, message: string) {
    super(`line ${lineNumber}: ${message}`)
    this.name = 'ExpositionError'
  }
}

/** Every metric family of an exposition, by name, in the order they appear. */
export function parsePrometheusText (text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>()
  const seenSeries = new Set<string>()
  let current: MetricFamily | undefined
  const lines = text.split('\n')
  if (text.length > 0 && !text.endsWith('\n')) throw new ExpositionError(lines.length, 'the exposition must end with a newline')

  const family = (name: string, lineNumber: number): MetricFamily => {
    if (!METRIC_NAME.test(name)) throw new ExpositionError(lineNumber, `invalid metric name ${JSON.stringify(name)}`)
    let found = families.get(name)
    if (found === undefined) {
      found = { name, type: 'untyped', help: undefined, samples: [] }
      families.set(name, found)
    } else if (found !== current) {
      throw new ExpositionError(lineNumber, `${name}: a family's lines must be contiguous`)
    }
    current = found
    return found
  }

  lines.forEach((line, index) => {
    const lineNumber = index + 1
    if (line.trim() === '') return
    if (line.startsWith('#')) {
      const match = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line)
      if (match === null) return // a plain comment
      const [, keyword, name, rest = ''] = match as unknown as [string, 'HELP' | 'TYPE', string, string | undefined]
      const target = family(name, lineNumber)
      if (keyword === 'HELP') {
        if (target.help !== undefined) throw new ExpositionError(lineNumber, `${name}: HELP given twice`)
        target.help = rest.replace(/\\(\\|n)/g, (_all, c: string) => c === 'n' ? '\n' : '\\')
        return
      }
      const type = rest.trim() as MetricType
      if (!TYPES.has(type)) throw new ExpositionError(lineNumber, `${name}: unknown type ${JSON.stringify(rest)}`)
      if (target.samples.length > 0) throw new ExpositionError(lineNumber, `${name}: TYPE after its samples`)
      if (target.type !== 'untyped') throw new ExpositionError(lineNumber, `${name}: TYPE given twice`)
      target.type = type
      return
    }
    const sample = parseSample(line, lineNumber)
    const owner = current !== undefined && belongsTo(sample.name, current) ? current : family(sample.name, lineNumber)
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => a.localeCompare(b)))}`
    if (seenSeries.has(key)) throw new ExpositionError(lineNumber, `series ${sample.name} ${JSON.stringify(sample.labels)} given twice`)
    seenSeries.add(key)
    if (owner.type === 'histogram' && sample.name.endsWith('_bucket') && sample.labels.le === undefined) {
      throw new ExpositionError(lineNumber, `${sample.name}: a bucket without le`)
    }
    owner.samples.push(sample)
  })

  for (const found of families.values()) {
    if (found.type === 'histogram') checkHistogram(found)
  }
  return families
}

/** The value of one series, or undefined when the exposition has none. Labels must match exactly. */
export function sampleValue (families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const found of families.values()) {
    for (const sample of found.samples) {
      if (sample.name === name && sameLabels(sample.labels, labels)) return sample.value
    }
  }
  return undefined
}

function belongsTo (sampleName: string, owner: MetricFamily): boolean {
  return SUFFIXES[owner.type].some(suffix => sampleName === owner.name + suffix)
}

function sameLabels (a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every(key => a[key] === b[key])
}

function parseSample (line: string, lineNumber: number): Sample {
  const nameEnd = line.search(/[{\s]/)
  if (nameEnd <= 0) throw new ExpositionError(lineNumber, `not a sample: ${JSON.stringify(line)}`)
  const name = line.slice(0, nameEnd)
  if (!METRIC_NAME.test(name)) throw new ExpositionError(lineNumber, `invalid metric name ${JSON.stringify(name)}`)
  let position = nameEnd
  const labels: Record<string, string> = {}
  if (line[position] === '{') {
    position++
    while (line[position] !== '}') {
      const eq = line.indexOf('=', position)
      if (eq < 0) throw new ExpositionError(lineNumber, `${name}: unterminated labels`)
      const labelName = line.slice(position, eq).trim()
      if (!LABEL_NAME.test(labelName)) throw new ExpositionError(lineNumber, `${name}: invalid label name ${JSON.stringify(labelName)}`)
      if (Object.hasOwn(labels, labelName)) throw new ExpositionError(lineNumber, `${name}: label ${labelName} given twice`)
      if (line[eq + 1] !== '"') throw new ExpositionError(lineNumber, `${name}: the value of ${labelName} is not quoted`)
      let value = ''
      let i = eq + 2
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\') {
          const escaped = line[++i]
          if (escaped === 'n') value += '\n'
          else if (escaped === '\\' || escaped === '"') value += escaped
          else throw new ExpositionError(lineNumber, `${name}: invalid escape in ${labelName}`)
        } else {
          value += line[i]
        }
      }
      if (i >= line.length) throw new ExpositionError(lineNumber, `${name}: unterminated value of ${labelName}`)
      labels[labelName] = value
      position = i + 1
      if (line[position] === ',') position++
      else if (line[position] !== '}') throw new ExpositionError(lineNumber, `${name}: expected , or } after ${labelName}`)
    }
    position++
  }
  const fields = line.slice(position).trim().split(/\s+/)
  if (fields.length < 1 || fields.length > 2 || fields[0] === '') throw new ExpositionError(lineNumber, `${name}: expected a value and an optional timestamp`)
  const value = parseValue(fields[0]!)
  if (value === undefined) throw new ExpositionError(lineNumber, `${name}: invalid value ${JSON.stringify(fields[0])}`)
  if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new ExpositionError(lineNumber, `${name}: invalid timestamp ${JSON.stringify(fields[1])}`)
  return { name, labels, value }
}

/** A float as Prometheus reads it (Go's strconv.ParseFloat): NaN and Inf in any case, with an optional sign. */
function parseValue (text: string): number | undefined {
  const special = text.toLowerCase()
  if (special === 'nan') return Number.NaN
  if (/^\+?inf(inity)?$/.test(special)) return Number.POSITIVE_INFINITY
  if (/^-inf(inity)?$/.test(special)) return Number.NEGATIVE_INFINITY
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined
  return Number(text)
}

/** Buckets of each series cumulative, ending in +Inf, equal to its count. */
function checkHistogram (found: MetricFamily): void {
  const series = new Map<string, { buckets: Array<[number, number]>, count: number | undefined }>()
  const keyOf = (labels: Record<string, string>): string => JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort(([a], [b]) => a.localeCompare(b)))
  for (const sample of found.samples) {
    const key = keyOf(sample.labels)
    const entry = series.get(key) ?? { buckets: [], count: undefined }
    series.set(key, entry)
    if (sample.name.endsWith('_bucket')) entry.buckets.push([parseValue(sample.labels.le!) ?? Number.NaN, sample.value])
    else if (sample.name.endsWith('_count')) entry.count = sample.value
  }
  for (const [key, { buckets, count }] of series) {
    const sorted = [...buckets].sort(([a], [b]) => a - b)
    sorted.forEach(([le, value], i) => {
      if (Number.isNaN(le)) throw new Error(`${found.name} ${key}: a bucket with an invalid le`)
      if (i > 0 && value < sorted[i - 1]![1]) throw new Error(`${found.name} ${key}: buckets are not cumulative`)
    })
    const last = sorted.at(-1)
    if (last === undefined || last[0] !== Number.POSITIVE_INFINITY) throw new Error(`${found.name} ${key}: no +Inf bucket`)
    if (last[1] !== count) throw new Error(`${found.name} ${key}: the +Inf bucket (${last[1]}) is not the count (${String(count)})`)
  }
}
