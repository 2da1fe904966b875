const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** For text and for attribute values in double or single quotes. */
export function escapeHtml (value: string): string {
  return value.replace(/[&<>"']/g, char => ENTITIES[char] ?? char)
}
