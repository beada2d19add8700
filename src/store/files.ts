/** Small file-system helpers the key files and the index snapshots share. */
import { open } from 'node:fs/promises';

export function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/** Flushes a file or a directory (its entries) to disk; 'r+' where the platform needs a writable handle to sync a file. */
export async function fsyncPath(path: string, flags: 'r' | 'r+' = 'r'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
