import type { z } from 'zod'

/**
 * Judges secrets given in the configuration (tokens, passwords, HMAC keys)
 * at start-up, so a placeholder copied from .env.example or a value typed by
 * hand never guards a production system. The value itself is never part of
 * a verdict.
 */

/** A secret must be able to hold 128 bits: 22 base64 characters, 32 hex digits (a Twilio auth token), … */
export const MIN_SECRET_BITS = 128
/**
 * What must be left once patterns are discounted. A random value has a few
 * patterns by chance ("5432", "aaaa"), so this is below MIN_SECRET_BITS: a
 * 32-hex-digit token has exactly 128 bits and must pass whatever its digits
 * happen to be (of a million random ones, none came below 104).
 */
export const MIN_UNPATTERNED_BITS = 96
export const HOW_TO_GENERATE = 'generate one with `openssl rand -base64 32`'

// Placeholders of .env.example ("change-me-…") and of other templates.
const PLACEHOLDER = /change[-_. ]?me|replace[-_. ]?me|placeholder|^<.*>$|^\$\{.*\}$/i

// Words people put into secrets; each counts as one character wherever it appears.
const WORDS = [
  'password', 'passwd', 'secret', 'token', 'changeme', 'admin', 'test', 'example', 'default', 'letmein', 'welcome',
  'qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'qwerty', 'asdf', 'zxcv', 'monitor', 'mqtt', 'influx', 'smtp', 'twilio', 'webhook', 'link', 'alert', 'demo',
  'bench', 'scenario', 'dummy', 'sample', 'root', 'user', 'pass'
]
const MIN_PATTERN = 4
const LEET: Record<string, string> = { 0: 'o', 1: 'i', 3: 'e', 4: 'a', 5: 's', 7: 't', '@': 'a', $: 's' }

export interface SecretEstimate {
  /** Length × log2 of the alphabet the value draws from: what it could hold if it were random. */
  alphabetBits: number
  /** The same, counting a common word as one character and a run, sequence or repeated chunk as two. */
  unpatternedBits: number
  placeholder: boolean
}

export function estimateSecret (value: string): SecretEstimate {
  const perCharacter = Math.log2(alphabetSize(value))
  return {
    alphabetBits: value.length * perCharacter,
    unpatternedBits: patternUnits(value) * perCharacter,
    placeholder: PLACEHOLDER.test(value)
  }
}

/** Why a value is not good enough as a secret, or undefined when it is; never quotes the value. */
export function secretWeakness (value: string): string | undefined {
  const estimate = estimateSecret(value)
  if (estimate.placeholder) return `a placeholder, not a secret; ${HOW_TO_GENERATE}`
  if (estimate.alphabetBits < MIN_SECRET_BITS) {
    return `too short for a secret: about ${Math.floor(estimate.alphabetBits)} bits, at least ${MIN_SECRET_BITS} needed; ${HOW_TO_GENERATE}`
  }
  if (estimate.unpatternedBits < MIN_UNPATTERNED_BITS) {
    return `too predictable for a secret: repeated characters, sequences or common words leave about ${Math.floor(estimate.unpatternedBits)} bits; ${HOW_TO_GENERATE}`
  }
  return undefined
}

/**
 * The zod refinement every secret setting uses:
 * `z.string().superRefine(strongSecret)`. An unset optional secret passes;
 * the issue lands on the setting's path, so the problem list names it.
 */
export function strongSecret<T extends string | undefined> (value: T, ctx: z.RefinementCtx<T>): void {
  if (value === undefined) return
  const weakness = secretWeakness(value)
  if (weakness !== undefined) ctx.addIssue({ code: 'custom', message: weakness })
}

function alphabetSize (value: string): number {
  if (/^[0-9]+$/.test(value)) return 10
  if (/^[0-9a-f]+$/.test(value) || /^[0-9A-F]+$/.test(value)) return 16
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter(c => c.test(value)).length
  // base64 and base64url: a random value may lack '+/' or '-_' or digits by chance, not its alphabet.
  if (/^[A-Za-z0-9+/=_-]+$/.test(value) && classes >= 2) return 64
  let size = 0
  if (/[a-z]/.test(value)) size += 26
  if (/[A-Z]/.test(value)) size += 26
  if (/[0-9]/.test(value)) size += 10
  if (/[ -/:-@[-`{-~]/.test(value)) size += 33
  if (/[^ -~]/.test(value)) size += 64
  return Math.max(size, 2)
}

/**
 * Characters a guesser has to find, reading left to right, where a pattern
 * counts as one or two. Patterns are at least four characters long; shorter
 * ones turn up in random values too often to count against them.
 */
function patternUnits (value: string): number {
  const words = [...value.toLowerCase()].map(c => LEET[c] ?? c).join('')
  let units = 0
  for (let i = 0; i < value.length;) {
    const run = Math.max(runAt(value, i), repeatAt(value, i))
    const word = wordAt(words, i)
    // A run or a repeat is told by where it starts and how long it is; a word by which word it is.
    if (word >= run && word > 0) {
      units += 1
      i += word
    } else if (run > 0) {
      units += 2
      i += run
    } else {
      units += 1
      i += 1
    }
  }
  return units
}

/** Length of a run with a constant step of -1, 0 or +1 ("aaaa", "1234", "fedc") starting at i. */
function runAt (value: string, i: number): number {
  const step = value.charCodeAt(i + 1) - value.charCodeAt(i)
  if (!(Math.abs(step) <= 1)) return 0
  let end = i + 1
  while (end + 1 < value.length && value.charCodeAt(end + 1) - value.charCodeAt(end) === step) end++
  const length = end - i + 1
  return length >= MIN_PATTERN ? length : 0
}

/** Length of the longest chunk starting at i that already began earlier ("abcdabcd"). */
function repeatAt (value: string, i: number): number {
  let best = 0
  for (let start = 0; start < i; start++) {
    let length = 0
    while (i + length < value.length && value[start + length] === value[i + length]) length++
    best = Math.max(best, length)
  }
  return best >= MIN_PATTERN ? best : 0
}

function wordAt (words: string, i: number): number {
  let best = 0
  for (const word of WORDS) if (word.length > best && words.startsWith(word, i)) best = word.length
  return best
}
