/**
 * How many SMS parts a text costs (3GPP TS 23.038 alphabets, TS 23.040
 * concatenation). A single character outside the GSM 7-bit alphabet, such as
 * any Cyrillic letter or the „“ quotes of Bulgarian addresses, switches the
 * whole message to UCS-2.
 */

const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
)
/** Sent as ESC + character: two septets each. */
const GSM7_EXTENSION = new Set('\f^{}\\[~]|€')

export type SmsEncoding = 'GSM-7' | 'UCS-2'

export interface SmsSegmentCount {
  encoding: SmsEncoding
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number
  segments: number
}

const LIMITS = {
  'GSM-7': { single: 160, concatenated: 153 },
  'UCS-2': { single: 70, concatenated: 67 }
} as const

/** The largest UCS-2 text that fits in two parts: 2 × 67. */
export const UCS2_TWO_SEGMENTS = 2 * LIMITS['UCS-2'].concatenated

export function smsEncoding (text: string): SmsEncoding {
  for (const char of text) {
    if (!GSM7_BASIC.has(char) && !GSM7_EXTENSION.has(char)) return 'UCS-2'
  }
  return 'GSM-7'
}

export function countSmsSegments (text: string): SmsSegmentCount {
  const encoding = smsEncoding(text)
  // A character never straddles two parts: an escape pair or a surrogate
  // pair that does not fit is moved whole into the next part.
  const widths = [...text].map(char => encoding === 'GSM-7' ? (GSM7_EXTENSION.has(char) ? 2 : 1) : char.length)
  const units = widths.reduce((sum, width) => sum + width, 0)
  const limit = LIMITS[encoding]
  if (units <= limit.single) return { encoding, units, segments: units === 0 ? 0 : 1 }
  let segments = 1
  let used = 0
  for (const width of widths) {
    if (used + width > limit.concatenated) {
      segments++
      used = 0
    }
    used += width
  }
  return { encoding, units, segments }
}

export function fitsInSegments (text: string, segments: number): boolean {
  return countSmsSegments(text).segments <= segments
}
