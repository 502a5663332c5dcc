// MP4 (H.264) writing by piping raw frames into the static ffmpeg of @ffmpeg-installer/ffmpeg, and the tracking
// video built on it. ffmpeg runs in its own process, so it encodes frame t while we render frame t + 1.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Episode, RgbImage } from '@gsdyn/formats';
import { type ContactSheetTile, composeContactSheet } from '@gsdyn/sim';
import type { GaussianCloud, PixelConvention, TileRasterizer } from '@gsdyn/splat';
import { positionColors } from './position-colors.js';
import { checkEpisodeFrames, renderColorView, selectCameras } from './render-view.js';
import { checkTrackArrays, type TrackArrays } from './track-arrays.js';

export interface VideoWriterOptions {
  fps: number;
  width: number;
  height: number;
  /** x264 constant rate factor, 0 (lossless) .. 51; default 20 (visually close to lossless for renders). */
  crf?: number;
  /** x264 preset; default 'veryfast' (see the report in the test: the encode hides behind rendering). */
  preset?: string;
}

/** How much of ffmpeg's stderr an error quotes. */
const STDERR_TAIL = 2000;
const DEFAULT_CRF = 20;
const DEFAULT_PRESET = 'veryfast';

let ffmpegBinary: Promise<string> | undefined;

/**
 * The ffmpeg executable. Loaded on first use so that importing this package does not fail on a platform the
 * installer has no binary for, only writing a video does.
 */
export function ffmpegPath(): Promise<string> {
  ffmpegBinary ??= import('@ffmpeg-installer/ffmpeg').then(
    (m) => m.default.path,
    (error: unknown) => {
      ffmpegBinary = undefined;
      throw new Error(`@ffmpeg-installer/ffmpeg: no ffmpeg binary for this platform (${String(error)})`);
    },
  );
  return ffmpegBinary;
}

/** A failure on ffmpeg's side (it died or refused its input), as opposed to one of the frames we were given. */
class FfmpegPipeError extends Error {}

/**
 * Encodes RGB frames as an H.264 MP4 (yuv420p, which every player decodes; odd sizes are padded by one black
 * row/column because 4:2:0 needs even ones). The file is written under a temporary name in the same directory and
 * renamed when ffmpeg has finished, so `path` is either the whole video or untouched. On any failure ffmpeg is
 * killed and reaped and the temporary file removed; ffmpeg's own failures carry the tail of its stderr.
 */
export async function writeMp4(
  path: string,
  frames: AsyncIterable<RgbImage> | Iterable<RgbImage>,
  options: VideoWriterOptions,
): Promise<void> {
  const { fps, width, height } = options;
  const crf = options.crf ?? DEFAULT_CRF;
  const what = `writeMp4 ${path}`;
  if (!(Number.isFinite(fps) && fps > 0)) throw new RangeError(`${what}: fps must be > 0, got ${fps}`);
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0))
    throw new RangeError(`${what}: width and height must be positive integers, got ${width}x${height}`);
  if (!(Number.isInteger(crf) && crf >= 0 && crf <= 51))
    throw new RangeError(`${what}: crf must be an integer in 0..51, got ${crf}`);
  const binary = await ffmpegPath();
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.partial-${randomBytes(4).toString('hex')}`);
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${width}x${height}`,
    '-r',
    String(fps),
    '-i',
    '-',
    ...(width % 2 || height % 2 ? ['-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2'] : []),
    '-c:v',
    'libx264',
    '-preset',
    options.preset ?? DEFAULT_PRESET,
    '-crf',
    String(crf),
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    temp,
  ];
  const child = spawn(binary, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const exited = waitExit(child);
  const stdin = child.stdin as Writable;
  // EPIPE when ffmpeg dies early: reported through its exit status and stderr, not as an unhandled error.
  stdin.on('error', () => {});
  const ffmpegFailure = async () => {
    const { code, signal, error } = await exited;
    const status = error ? `could not run (${error.message})` : `exited with ${signal ?? `code ${code}`}`;
    return new Error(`${what}: ffmpeg ${status}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
  };

  let count = 0;
  try {
    for await (const frame of frames) {
      if (frame.width !== width || frame.height !== height || frame.data.length !== width * height * 3)
        throw new RangeError(
          `${what}: frame ${count} is ${frame.width}x${frame.height} with ${frame.data.length} bytes, expected ${width}x${height} RGB (${width * height * 3} bytes)`,
        );
      // A copy: the producer may reuse its buffer once we ask for the next frame, before the pipe has taken it.
      if (!stdin.write(Buffer.from(frame.data))) await drained(stdin);
      count++;
    }
    if (count === 0) throw new RangeError(`${what}: no frames to encode`);
    stdin.end();
    const { code, error } = await exited;
    if (error || code !== 0) throw new FfmpegPipeError();
    await rename(temp, target);
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(temp, { force: true });
    if (error instanceof FfmpegPipeError) throw await ffmpegFailure();
    throw error;
  }
}

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** Settles once the process is gone and reaped (or could not start); never rejects. */
function waitExit(child: ChildProcess): Promise<ExitStatus> {
  return new Promise((resolvePromise) => {
    child.once('error', (error) => resolvePromise({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolvePromise({ code, signal }));
  });
}

/** Waits for the pipe to take more; fails (as ffmpeg's failure) when ffmpeg closes it instead. */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const finish = (error?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', onFail);
      stream.off('close', onFail);
      if (error) reject(error);
      else resolvePromise();
    };
    const onDrain = () => finish();
    const onFail = () => finish(new FfmpegPipeError());
    stream.on('drain', onDrain);
    stream.on('error', onFail);
    stream.on('close', onFail);
  });
}

export interface TrackVideoInput {
  episode: Episode;
  tracks: TrackArrays;
  /** The convention the tracker rendered with (the track manifest records it). */
  pixelConvention: PixelConvention;
  rasterizer?: TileRasterizer;
  /** Camera indices (default all). */
  cameras?: number[];
  crf?: number;
  /** Called after each frame is handed to the encoder. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The tracking video: every tracked frame, the Gaussians coloured by where they were at frame 0 (positionColors)
 * rendered into each selected camera, each render beside that camera's captured image, the cameras laid out in a
 * near-square grid, at the episode's frame rate. A Gaussian that drifts shows as a patch of foreign colour moving
 * against the captured texture.
 */
export async function trackVideo(path: string, input: TrackVideoInput): Promise<void> {
  const { episode, tracks } = input;
  const what = `trackVideo ${path}`;
  checkTrackArrays(tracks, what);
  checkEpisodeFrames(episode, tracks.frames, what);
  const cameras = selectCameras(episode, input.cameras, what);
  const n = tracks.cloud.count;
  const T = tracks.frames;
  const colored: GaussianCloud = {
    ...tracks.cloud,
    colors: positionColors(tracks.means.subarray(0, 3 * n)),
    extraChannels: 0,
    extras: new Float32Array(0),
  };
  const pairsPerRow = Math.ceil(Math.sqrt(cameras.length));
  const labelScale = Math.max(
    1,
    Math.floor(Math.min(...cameras.map((c) => episode.cameras[c].height)) / 200),
  );

  const readCaptured = (t: number) => {
    const reads = Promise.all(cameras.map((c) => episode.readColor(c, t)));
    // A prefetch may be abandoned when a render fails; its rejection must not go unhandled meanwhile.
    reads.catch(() => {});
    return reads;
  };
  const composeFrame = (t: number, captured: RgbImage[]): RgbImage => {
    const frameCloud: GaussianCloud = {
      ...colored,
      means: tracks.means.subarray(t * n * 3, (t + 1) * n * 3),
      quaternions: tracks.rotations.subarray(t * n * 4, (t + 1) * n * 4),
    };
    const rows: ContactSheetTile[][] = [];
    cameras.forEach((c, k) => {
      if (k % pairsPerRow === 0) rows.push([]);
      const camera = episode.cameras[c];
      rows[rows.length - 1].push(
        {
          image: renderColorView(frameCloud, camera, input.pixelConvention, input.rasterizer),
          label: `${camera.id} t=${t}`,
        },
        { image: captured[k], label: 'captured' },
      );
    });
    return composeContactSheet(rows, { labelScale });
  };

  // The first frame fixes the video's size; later frames have the same layout.
  let next = readCaptured(0);
  const first = composeFrame(0, await next);
  if (T > 1) next = readCaptured(1);
  async function* frames(): AsyncGenerator<RgbImage> {
    yield first;
    input.onProgress?.(1, T);
    for (let t = 1; t < T; t++) {
      const captured = await next;
      if (t + 1 < T) next = readCaptured(t + 1);
      yield composeFrame(t, captured);
      input.onProgress?.(t + 1, T);
    }
  }
  await writeMp4(path, frames(), {
    fps: episode.manifest.fps,
    width: first.width,
    height: first.height,
    crf: input.crf,
  });
}
