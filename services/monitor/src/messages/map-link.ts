/** An OpenStreetMap page centred on the point with a marker, zoomed to street level. */
export function mapLink ({ lat, lon }: { lat: number, lon: number }): string {
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=18/${lat}/${lon}`
}
