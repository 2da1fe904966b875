import { countSmsSegments, smsEncoding } from './sms-segments.ts'

/**
 * What an alert SMS says besides what happened and the link. Every part but
 * the address may be left out: an SMS that does not fit its budget loses the
 * least important part first (DROP_ORDER), and only when nothing is left to
 * drop is the address shortened, by whole words.
 */
export interface SmsParts {
  /** What people call the site ("Община Перник"). */
  site?: string | undefined
  /** The street address; never cut inside a word. */
  address: string
  /** The spot in the building ("Партер, входно фоайе"). */
  spot?: string | undefined
  /** What to do, one sentence. */
  action?: string | undefined
  /** When it happened, and how late it was reported ("отворен в 14:02, съобщено с 3 мин закъснение"). */
  when?: string | undefined
  /** That it is already over ("вече затворен в 14:03"). */
  over?: string | undefined
}

type Droppable = Exclude<keyof SmsParts, 'address'>

/**
 * Least important first. What to do outlives the site's name: a person in
 * the street finds the cabinet by its address, and the instruction (call
 * 112) matters more than what the building is called.
 */
export const DROP_ORDER: readonly Droppable[] = ['spot', 'site', 'action', 'when', 'over']

/**
 * The SMS `compose` makes of `parts`, or of as few parts as it takes to stay
 * within `maxSegments`. The link, the step's frame and what happened are
 * `compose`'s own and never touched. If even the address cut to its first
 * word does not fit (a link longer than the budget), that shortest form is
 * returned: an SMS over budget is better than none.
 */
export function fitSms (compose: (parts: SmsParts) => string, parts: SmsParts, maxSegments: number): string {
  const fits = (text: string): boolean => countSmsSegments(text).segments <= maxSegments
  let current: SmsParts = { ...parts }
  let text = compose(current)
  if (fits(text)) return text
  for (const part of DROP_ORDER) {
    if (current[part] === undefined) continue
    current = { ...current, [part]: undefined }
    text = compose(current)
    if (fits(text)) return text
  }
  // An ellipsis outside GSM-7 would turn a GSM-7 text into UCS-2 and halve the room.
  const ellipsis = smsEncoding(text) === 'GSM-7' ? '...' : '…'
  const shortened = (prefix: string): string => {
    const address = prefix.replace(/[,;:—–-]+$/, '') + ellipsis
    return compose({ ...current, address }).replace(`${address}.`, address)
  }
  const prefixes = addressPrefixes(current.address)
  for (const prefix of prefixes) {
    text = shortened(prefix)
    if (fits(text)) return text
  }
  const shortest = prefixes.reduce<string | undefined>((a, b) => a === undefined || b.length < a.length ? b : a, undefined)
  return shortest === undefined ? text : shortened(shortest)
}

/**
 * Shorter forms of an address, longest first, each ending at a word
 * boundary. Cuts that would leave an abbreviation without what it names
 * ("бл." without "7", "„Св." without "Иван") come first to be avoided: they
 * are tried only after every cleaner cut.
 */
function addressPrefixes (address: string): string[] {
  const words = address.trim().split(/\s+/)
  const cuts = words.slice(0, -1).map((_, i) => words.slice(0, i + 1).join(' ')).reverse()
  const dangling = (prefix: string): boolean => /(\.|№)$/.test(prefix) && prefix !== words[0]
  return [...cuts.filter(cut => !dangling(cut)), ...cuts.filter(dangling)]
}
