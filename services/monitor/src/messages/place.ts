import type { SiteDefinition } from '@aed/core/fleet'

type Site = Pick<SiteDefinition, 'name' | 'shortName' | 'address'>

/** What people call a site: its `shortName`, or its name up to " — " ("Община Перник"). */
export function siteShortName (site: Site): string {
  const name = site.name.trim()
  return site.shortName?.trim() ?? name.split(/\s+[—–-]\s+/)[0]?.trim() ?? name
}

/** "Община Перник, пл. „Св. Иван Рилски“ 1А": where to go, for subjects and SMS. */
export function siteAndAddress (site: Site): string {
  return joinPlace(siteShortName(site), site.address)
}

/** The site, if any, then the address. */
export function joinPlace (site: string | undefined, address: string): string {
  return site === undefined || site === '' ? address.trim() : `${site}, ${address.trim()}`
}
