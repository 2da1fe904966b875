/**
 * The one template syntax: `{{name}}` is replaced by a value, nothing else
 * (no logic, no escaping rules to remember). Values are inserted as they are;
 * HTML escaping is the HTML renderer's business.
 */

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g

export function placeholdersIn (template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map(match => match[1] ?? '')
}

/** `{{` or `}}` left over once the well-formed placeholders are taken out. */
export function hasStrayBraces (template: string): boolean {
  const rest = template.replace(PLACEHOLDER, '')
  return rest.includes('{{') || rest.includes('}}')
}

export function fillPlaceholders (template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name]
    if (value === undefined) throw new Error(`no value for placeholder {{${name}}} in "${template}"`)
    return value
  })
}
