/**
 * Cabinets are split among replicas by slot, not one by one: a fixed number
 * of slots keeps the number of leases (and Redis round trips) independent of
 * the fleet's size, and a cabinet's slot depends on its id alone, so every
 * replica computes the same split without asking anyone.
 *
 * The count is part of the protocol between replicas: replicas with
 * different counts would disagree about who owns a cabinet, so it is a
 * constant, not a setting.
 */
export const SLOT_COUNT = 64

/** The slot of a cabinet: FNV-1a (32 bit) of its id, modulo SLOT_COUNT. */
export function slotOf (cabinetId: string, slots = SLOT_COUNT): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(cabinetId, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash % slots
}

/** How many slots each of `members` replicas aims to hold: rounded up, so that together they cover every slot. */
export function fairShare (members: number, slots = SLOT_COUNT): number {
  return Math.ceil(slots / Math.max(1, members))
}

/**
 * The order in which a replica tries free slots: every slot once, starting
 * from a place its id decides, so replicas joining at the same moment mostly
 * try different slots first instead of racing for slot 0.
 */
export function preferredOrder (replicaId: string, slots = SLOT_COUNT): number[] {
  const start = slotOf(replicaId, slots)
  return Array.from({ length: slots }, (_, i) => (start + i) % slots)
}
