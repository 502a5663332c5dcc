// Reading MP4s back with the same static ffmpeg (ffprobe is not shipped with it) to check what writeMp4 wrote.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ffmpegPath } from '../src/export/video.js';

const run = promisify(execFile);

export interface DecodedVideo {
  frames: number;
  width: number;
  height: number;
  codec: string;
  /** All frames, rgb24, frame-major. */
  rgb: Buffer;
}

export async function decodeMp4(path: string): Promise<DecodedVideo> {
  const ffmpeg = await ffmpegPath();
  // Counting through the null muxer: the 'frame=N' of the final progress line.
  const probe = await run(ffmpeg, ['-hide_banner', '-nostdin', '-i', path, '-f', 'null', '-']);
  const counts = [...probe.stderr.matchAll(/frame=\s*(\d+)/g)];
  const stream = /Stream #0:0.*Video: (\w+).*?, (\d+)x(\d+)/.exec(probe.stderr);
  if (counts.length === 0 || !stream)
    throw new Error(`${path}: cannot read ffmpeg's report:\n${probe.stderr}`);
  const raw = await run(
    ffmpeg,
    ['-hide_banner', '-nostdin', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    {
      encoding: 'buffer',
      maxBuffer: 1 << 30,
    },
  );
  return {
    frames: Number(counts[counts.length - 1][1]),
    codec: stream[1],
    width: Number(stream[2]),
    height: Number(stream[3]),
    rgb: raw.stdout,
  };
}

/** The ISO base media file starts with a box of type 'ftyp' at bytes 4..8. */
export function hasFtyp(path: string): boolean {
  return readFileSync(path).subarray(4, 8).toString('latin1') === 'ftyp';
}

/** ffmpeg processes that are children of this process (Linux /proc), to check that none is left behind. */
export function ffmpegChildren(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && comm.includes('ffmpeg')) pids.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Mean absolute difference of two equally long byte arrays. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`lengths ${a.length} and ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}
