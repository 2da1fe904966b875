import type { FleetCabinet } from '@aed/core/fleet'
import { countSmsSegments, smsEncoding } from './sms-segments.ts'

/**
 * Ways to name where a cabinet is, best first: the site name, its short form
 * (the part before " — " or ","), the address. One of them, never several:
 * an SMS has room for the essentials only.
 */
export function placeCandidates (cabinet: FleetCabinet): string[] {
  const name = cabinet.site.name.trim()
  const shortName = name.split(/\s+[—–-]\s+|,\s*/)[0]?.trim() ?? name
  return [...new Set([name, shortName, cabinet.site.address.trim()].filter(candidate => candidate !== ''))]
}

/**
 * Renders with the first place that keeps the SMS within `maxSegments`;
 * failing that, with the shortest place cut down until it fits, at a word
 * boundary if possible. The place is what gives way, never the link or what
 * happened.
 */
export function fitSmsPlace (render: (place: string) => string, candidates: string[], maxSegments: number): string {
  const fits = (text: string): boolean => countSmsSegments(text).segments <= maxSegments
  for (const place of candidates) {
    const text = render(place)
    if (fits(text)) return text
  }
  const shortest = [...candidates].sort((a, b) => a.length - b.length)[0] ?? ''
  // An ellipsis outside GSM-7 would turn a GSM-7 text into UCS-2 and halve the room.
  const ellipsis = smsEncoding(render(shortest)) === 'GSM-7' ? '...' : '…'
  const shortened = (prefix: string): string =>
    render(prefix.replace(/[\s,;:—–-]+$/, '') + ellipsis).replace(`${ellipsis}.`, ellipsis)

  const words = shortest.split(/\s+/)
  for (let keep = words.length - 1; keep > 0; keep--) {
    const text = shortened(words.slice(0, keep).join(' '))
    if (fits(text)) return text
  }
  const chars = [...shortest]
  for (let keep = chars.length - 1; keep > 0; keep--) {
    const text = shortened(chars.slice(0, keep).join(''))
    if (fits(text)) return text
  }
  return render('')
}
