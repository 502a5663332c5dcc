import { open } from 'node:fs/promises';

export type ArchiveFormat = 'tar' | 'tar.gz' | 'zip';

/** The archive format from the first bytes of the file (magic numbers, not the file name), or undefined. */
export async function sniffArchiveFormat(file: string): Promise<ArchiveFormat | undefined> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
    if (bytesRead >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5))
      return 'zip';
    // ustar (POSIX and GNU) carries its magic at offset 257 of the first header.
    if (bytesRead >= 263 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
    return undefined;
  } finally {
    await handle.close();
  }
}
