import { parse as parseYaml } from 'yaml'

/**
 * Parses the text of a settings file. JSON is YAML, and generated files
 * (a national fleet file is tens of thousands of cabinets) are usually
 * JSON: the yaml parser builds a syntax tree of the whole document first,
 * about 80 times the file's size in garbage (800 MB for a fleet file of
 * 100,000 cabinets, which the process keeps as resident memory long after),
 * where JSON.parse builds only the value. The value is the same either way;
 * YAML refuses a key repeated in one mapping, so JSON text with one is
 * refused here too. Text JSON.parse does not take is read as YAML.
 */
export function parseYamlText (source: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(source)
  } catch {
    return parseYaml(source)
  }
  const repeated = repeatedKey(source)
  if (repeated !== undefined) throw new Error(`Map keys must be unique: "${repeated}" appears twice in one object`)
  return value
}

/**
 * The first key that appears twice in one object of `json`, which must be
 * valid JSON (JSON.parse keeps the last value silently). One pass over the
 * text: a string is a key when it opens an object or follows a comma in one.
 */
function repeatedKey (json: string): string | undefined {
  const keys: Array<Set<string> | undefined> = []
  let expectKey = false
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i)
    if (c === 0x7b /* { */) {
      keys.push(new Set())
      expectKey = true
    } else if (c === 0x5b /* [ */) {
      keys.push(undefined)
      expectKey = false
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      keys.pop()
      expectKey = false
    } else if (c === 0x2c /* , */) {
      expectKey = keys.at(-1) !== undefined
    } else if (c === 0x22 /* " */) {
      let end = i + 1
      let escaped = false
      for (; end < json.length; end++) {
        const d = json.charCodeAt(end)
        if (d === 0x5c /* \ */) { escaped = true; end++ } else if (d === 0x22) break
      }
      if (expectKey) {
        const raw = json.slice(i + 1, end)
        const key = escaped ? JSON.parse(`"${raw}"`) as string : raw
        const seen = keys.at(-1)!
        if (seen.has(key)) return key
        seen.add(key)
        expectKey = false
      }
      i = end
    }
  }
  return undefined
}
