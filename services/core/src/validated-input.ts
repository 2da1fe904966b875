import type { z } from 'zod'
import { parseYamlText } from './yaml-text.ts'

/** A validated value, or every problem found, each as "path: message". */
export type Validated<T> = { ok: true, value: T } | { ok: false, problems: string[] }

export function validate<S extends z.ZodType> (schema: S, input: unknown): Validated<z.infer<S>> {
  const result = schema.safeParse(input)
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, problems: result.error.issues.map(issue => `${issue.path.join('.') || '(root)'}: ${issue.message}`) }
}

/** Parses YAML text and validates it; malformed YAML is one more problem, not an exception. */
export function validateYaml<S extends z.ZodType> (schema: S, source: string): Validated<z.infer<S>> {
  let raw: unknown
  try {
    raw = parseYamlText(source)
  } catch (err) {
    return { ok: false, problems: [`not YAML: ${(err as Error).message}`] }
  }
  return validate(schema, raw)
}

export class ConfigError extends Error {
  constructor (readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

/**
 * Reads a service's settings from the environment once, listing every
 * problem. An empty variable means unset (compose passes "${X:-}" for
 * optional settings).
 */
export function parseEnvironment<S extends z.ZodType> (schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = validate(schema, Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')))
  if (!result.ok) throw new ConfigError(result.problems)
  return result.value
}
