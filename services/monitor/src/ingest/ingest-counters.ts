/** Counts of what happened to incoming MQTT messages, exposed on /metrics. */
export class IngestCounters {
  received = 0
  accepted = 0
  duplicates = 0
  rejected = 0
  /** Valid messages from cabinets the fleet file does not declare (stored, not tracked). */
  unregistered = 0
  readonly rejectedByChannel = new Map<string, number>()

  countRejected (channel: string): void {
    this.rejected++
    this.rejectedByChannel.set(channel, (this.rejectedByChannel.get(channel) ?? 0) + 1)
  }
}
