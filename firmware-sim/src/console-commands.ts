import type { SimulatedCabinet } from './simulated-cabinet.ts'

export const CONSOLE_HELP = `Commands (cabinet id may be "all"):
  open <id>                 open the cabinet door (raises door_open)
  close <id>                close the door
  fail <id> [code ...]      fail a self-test now (default fault E-ELECTRODE); later self-tests fail too
  pass <id>                 clear injected faults and pass a self-test now
  selftest <id>             run a self-test now
  battery <id> <percent>    set the battery level and report it
  temp <id> <celsius>       set the cabinet temperature and send a heartbeat
  pads <id> <YYYY-MM-DD>    fit pads with this expiry date and report it
  offline <id> [seconds]    lose the connection (last will); back after seconds, or on "online"
  online <id>               reconnect and send what was queued
  report <id>               publish every reading now
  status                    list cabinets, connection and state
  help                      this text
  quit                      power off all cabinets and exit`

export class ConsoleCommandError extends Error {}

/** Runs one console line against the simulated cabinets; returns what to print. */
export function runConsoleCommand (line: string, cabinets: Map<string, SimulatedCabinet>): string {
  const [verb, target, ...args] = line.trim().split(/\s+/)
  if (verb === undefined || verb === '') return ''
  if (verb === 'help') return CONSOLE_HELP
  if (verb === 'status') {
    return [...cabinets.values()].map(c =>
      `${c.id}  ${c.connected ? 'online ' : 'offline'}  door=${c.door}  battery=${c.batteryPercent.toFixed(1)}%  ` +
      `pads=${c.padsExpires}  faults=${c.faults.join(',') || '-'}  queued=${c.queued}`).join('\n')
  }
  if (target === undefined) throw new ConsoleCommandError(`"${verb}" needs a cabinet id (or "all")`)
  const selected = target === 'all' ? [...cabinets.values()] : [cabinets.get(target)].filter(c => c !== undefined)
  if (selected.length === 0) throw new ConsoleCommandError(`no simulated cabinet "${target}" (have: ${[...cabinets.keys()].join(', ')})`)
  const number = (value: string | undefined, what: string): number => {
    const n = Number(value)
    if (value === undefined || !Number.isFinite(n)) throw new ConsoleCommandError(`"${verb}" needs ${what}`)
    return n
  }
  for (const cabinet of selected) {
    switch (verb) {
      case 'open': cabinet.openDoor(); break
      case 'close': cabinet.closeDoor(); break
      case 'fail': cabinet.failSelftest(args.length > 0 ? args : undefined); break
      case 'pass': cabinet.passSelftest(); break
      case 'selftest': cabinet.selftest('manual'); break
      case 'battery': cabinet.setBattery(number(args[0], 'a percentage')); break
      case 'temp': cabinet.setTemperature(number(args[0], 'a temperature in °C')); break
      case 'pads': {
        if (args[0] === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(args[0])) throw new ConsoleCommandError('"pads" needs a date YYYY-MM-DD')
        cabinet.setPadsExpiry(args[0])
        break
      }
      case 'offline': cabinet.goOffline(args[0] === undefined ? undefined : number(args[0], 'seconds') * 1000); break
      case 'online': cabinet.goOnline(); break
      case 'report': cabinet.report(); break
      default: throw new ConsoleCommandError(`unknown command "${verb}" (try "help")`)
    }
  }
  return `${verb}: ${selected.map(c => c.id).join(', ')}`
}
