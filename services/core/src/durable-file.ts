import { mkdir, open, rename } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/**
 * Replaces a file's content so that a crash leaves either the old content
 * or the new, never half of either: the text goes to a temporary file in the
 * same directory, which is synced, renamed over the file, and then the
 * directory is synced so the rename itself survives a power cut.
 */
export async function replaceFileDurably (path: string, text: string, mode = 0o600): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true })
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`)
  const file = await open(tmp, 'w', mode)
  try {
    await file.writeFile(text)
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(tmp, path)
  await syncDirectory(dir)
}

/** Makes a directory's entries (a new or renamed file) durable; Linux and macOS allow opening a directory for this. */
export async function syncDirectory (dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
