import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ARTIFACT_MANIFEST,
  ArtifactNotFoundError,
  type ArtifactStore,
  contentKey,
  FsArtifactStore,
  getDirectory,
  IncompleteArtifactError,
  isArtifactComplete,
  joinKey,
  type LocalS3,
  putContentAddressed,
  putDirectory,
  readArtifactManifest,
  S3_PART_SIZE,
  S3ArtifactStore,
  sha256Hex,
  startLocalS3,
} from '../src/index.js';

const MiB = 1024 * 1024;

// Buffers that are garbage but not yet collected count in memoryUsage(); collecting before each sample measures
// what an upload really holds.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Deterministic pseudo-random bytes (xorshift32), produced lazily so the source itself holds no memory. */
function* pseudoRandomChunks(totalBytes: number, chunkBytes: number, seed: number): Generator<Buffer> {
  let state = seed >>> 0 || 1;
  for (let done = 0; done < totalBytes; done += chunkBytes) {
    const n = Math.min(chunkBytes, totalBytes - done);
    const chunk = Buffer.allocUnsafe(n);
    for (let i = 0; i + 4 <= n; i += 4) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      chunk.writeUInt32LE(state >>> 0, i);
    }
    for (let i = n - (n % 4); i < n; i++) chunk[i] = i & 0xff;
    yield chunk;
  }
}

function expectedSha256(totalBytes: number, chunkBytes: number, seed: number): string {
  const hash = createHash('sha256');
  for (const chunk of pseudoRandomChunks(totalBytes, chunkBytes, seed)) hash.update(chunk);
  return hash.digest('hex');
}

/** A stream that yields `bytes` bytes then fails, like an upload cut off mid-way. */
async function* failingAfter(bytes: number): AsyncGenerator<Buffer> {
  yield* pseudoRandomChunks(bytes, 256 * 1024, 7);
  throw new Error('client went away');
}

async function sha256OfStream(stream: AsyncIterable<Buffer>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

interface Harness {
  store: ArtifactStore;
  /** Temporary files or incomplete uploads the implementation left behind. */
  leftovers(): Promise<number>;
  close(): Promise<void>;
}

const implementations: { name: string; open: () => Promise<Harness> }[] = [
  {
    name: 'fs',
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'gsdyn-store-'));
      return {
        store: new FsArtifactStore(dir),
        leftovers: async () => (await readdir(join(dir, '.gsdyn-tmp')).catch(() => [])).length,
        close: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 's3',
    open: async () => {
      const s3: LocalS3 = await startLocalS3({ bucket: 'contract' });
      const store = new S3ArtifactStore(s3.storeConfig);
      await store.ensureBucket();
      return { store, leftovers: () => s3.pendingUploads(), close: () => s3.stop() };
    },
  },
];

for (const impl of implementations) {
  describe(`ArtifactStore contract: ${impl.name}`, () => {
    let h: Harness;
    let store: ArtifactStore;
    let scratch: string;
    const prefix = () => `t-${randomUUID()}`;

    before(async () => {
      h = await impl.open();
      store = h.store;
      scratch = await mkdtemp(join(tmpdir(), 'gsdyn-scratch-'));
    });
    after(async () => {
      await h.close();
      await rm(scratch, { recursive: true, force: true });
    });

    test('buffers round trip, with size, sha256, head, exists and replacement', async () => {
      const p = prefix();
      const key = joinKey(p, 'dir', 'hello.txt');
      const bytes = Buffer.from('hello, artifacts');
      const put = await store.put(key, bytes, { contentType: 'text/plain' });
      assert.deepEqual(put, { key, size: bytes.length, sha256: sha256Hex(bytes) });
      assert.deepEqual(await store.getBuffer(key), bytes);
      assert.deepEqual(Buffer.concat(await (await store.get(key)).toArray()), bytes);
      const info = await store.head(key);
      assert.equal(info?.size, bytes.length);
      assert.ok(
        info.lastModified instanceof Date && Math.abs(info.lastModified.getTime() - Date.now()) < 60_000,
      );
      assert.equal(await store.exists(key), true);
      await store.put(key, Buffer.from('replaced'));
      assert.equal((await store.getBuffer(key)).toString(), 'replaced');
      const empty = joinKey(p, 'empty');
      assert.equal((await store.put(empty, new Uint8Array(0))).size, 0);
      assert.equal((await store.getBuffer(empty)).length, 0);
    });

    test('missing objects: get rejects with ArtifactNotFoundError, head is undefined, bad keys are RangeErrors', async () => {
      const key = joinKey(prefix(), 'missing.bin');
      await assert.rejects(
        store.get(key),
        (e: unknown) => e instanceof ArtifactNotFoundError && e.key === key,
      );
      await assert.rejects(store.getBuffer(key), ArtifactNotFoundError);
      assert.equal(await store.head(key), undefined);
      assert.equal(await store.exists(key), false);
      for (const bad of ['', '/abs', 'a/../b', 'a//b', 'a/./b', 'trailing/', 'back\\slash', '.gsdyn-tmp/x'])
        await assert.rejects(store.put(bad, Buffer.from('x')), RangeError, bad);
    });

    test('a stream of strings and bytes is stored whole', async () => {
      const key = joinKey(prefix(), 'stream.txt');
      const put = await store.put(key, Readable.from(['ab', Buffer.from('cd'), 'é']));
      assert.equal(put.size, 6);
      assert.equal((await store.getBuffer(key)).toString('utf8'), 'abcdé');
    });

    test('a 48 MiB stream goes through with flat memory and comes back identical', async () => {
      const key = joinKey(prefix(), 'large.bin');
      const total = 48 * MiB;
      const chunk = 64 * 1024;
      const expected = expectedSha256(total, chunk, 42);
      gc();
      const base = process.memoryUsage();
      let peakRss = base.rss;
      let peakBuffers = base.arrayBuffers;
      let samples = 0;
      const sampler = setInterval(() => {
        samples++;
        gc();
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
      }, 50);
      let put: Awaited<ReturnType<ArtifactStore['put']>>;
      try {
        put = await store.put(key, Readable.from(pseudoRandomChunks(total, chunk, 42)));
      } finally {
        clearInterval(sampler);
      }
      const bufferGrowth = (peakBuffers - base.arrayBuffers) / MiB;
      const rssGrowth = (peakRss - base.rss) / MiB;
      console.log(
        `${impl.name}: 48 MiB put, peak growth: buffers ${bufferGrowth.toFixed(1)} MiB, rss ${rssGrowth.toFixed(1)} MiB (${samples} samples)`,
      );
      assert.equal(put.size, total);
      assert.equal(put.sha256, expected);
      // Whole-body buffering would hold at least 48 MiB; the S3 store holds a part and its copy at most.
      assert.ok(bufferGrowth < 3 * (S3_PART_SIZE / MiB), `buffers grew by ${bufferGrowth.toFixed(1)} MiB`);
      assert.ok(rssGrowth < 100, `rss grew by ${rssGrowth.toFixed(1)} MiB`);
      assert.equal((await store.head(key))?.size, total);
      assert.deepEqual(await sha256OfStream(await store.get(key)), { sha256: expected, size: total });
      assert.equal(await h.leftovers(), 0);
    });

    test('list returns the keys under a string prefix, sorted, with sizes', async () => {
      const p = prefix();
      const keys = ['a/1', 'a/2', 'a/b/3', 'ab/4', 'b/5'];
      for (const [i, k] of keys.entries()) await store.put(joinKey(p, k), Buffer.alloc(i + 1));
      const listed = (q: string) =>
        store.list(`${p}/${q}`).then((l) => l.map((o) => [o.key.slice(p.length + 1), o.size]));
      assert.deepEqual(await listed('a/'), [
        ['a/1', 1],
        ['a/2', 2],
        ['a/b/3', 3],
      ]);
      assert.deepEqual(await listed('a'), [
        ['a/1', 1],
        ['a/2', 2],
        ['a/b/3', 3],
        ['ab/4', 4],
      ]);
      assert.deepEqual(await listed('a/b'), [['a/b/3', 3]]);
      assert.deepEqual(await listed('nothing/'), []);
      assert.equal((await store.list(`${p}/`)).length, 5);
      assert.ok((await store.list('')).some((o) => o.key === joinKey(p, 'b/5')));
    });

    test('delete is idempotent; deletePrefix removes exactly the prefix', async () => {
      const p = prefix();
      for (const k of ['x/1', 'x/2', 'y/3']) await store.put(joinKey(p, k), Buffer.from(k));
      await store.delete(joinKey(p, 'x/1'));
      await store.delete(joinKey(p, 'x/1'));
      assert.equal(await store.exists(joinKey(p, 'x/1')), false);
      assert.equal(await store.deletePrefix(`${p}/x/`), 1);
      assert.deepEqual(
        (await store.list(`${p}/`)).map((o) => o.key),
        [joinKey(p, 'y/3')],
      );
      assert.equal(await store.deletePrefix(`${p}/`), 1);
      assert.deepEqual(await store.list(`${p}/`), []);
    });

    test('a failing stream leaves nothing visible, and an existing object untouched', async () => {
      const p = prefix();
      // Within one part (one PUT) and across parts (a multipart upload, which must be aborted).
      for (const bytes of [1 * MiB, S3_PART_SIZE + 2 * MiB]) {
        const key = joinKey(p, `cut-${bytes}.bin`);
        await assert.rejects(store.put(key, failingAfter(bytes)), /client went away/);
        assert.equal(await store.exists(key), false);
        const kept = joinKey(p, `kept-${bytes}.bin`);
        await store.put(kept, Buffer.from('old'));
        await assert.rejects(store.put(kept, failingAfter(bytes)), /client went away/);
        assert.equal((await store.getBuffer(kept)).toString(), 'old');
      }
      assert.deepEqual(
        (await store.list(`${p}/`)).map((o) => o.key.slice(p.length + 1)),
        [`kept-${1 * MiB}.bin`, `kept-${S3_PART_SIZE + 2 * MiB}.bin`],
      );
      assert.equal(await h.leftovers(), 0);
    });

    test('a directory round trips through putDirectory / getDirectory, manifest last', async () => {
      const p = prefix();
      const src = join(scratch, `src-${p}`);
      const files: Record<string, Buffer> = {
        'manifest.json': Buffer.from('{"episode":1}'),
        'cams/0/000000.png': Buffer.from(pseudoRandomChunks(3000, 3000, 3).next().value as Buffer),
        'cams/1/000000.png': Buffer.alloc(0),
        'tracks/means.npy': Buffer.from(pseudoRandomChunks(100_000, 100_000, 9).next().value as Buffer),
      };
      for (const [rel, bytes] of Object.entries(files)) {
        await mkdir(join(src, rel, '..'), { recursive: true });
        await writeFile(join(src, rel), bytes);
      }
      const dirKey = joinKey(p, 'capture');
      assert.equal(await isArtifactComplete(store, dirKey), false);
      const manifest = await putDirectory(store, src, dirKey, { meta: { frames: 1 } });
      assert.deepEqual(
        manifest.files.map((f) => [f.path, f.size, f.sha256]),
        Object.keys(files)
          .sort()
          .map((k) => [k, files[k].length, sha256Hex(files[k])]),
      );
      assert.equal(await isArtifactComplete(store, dirKey), true);
      assert.deepEqual(await readArtifactManifest(store, dirKey), manifest);
      const dst = join(scratch, `dst-${p}`);
      assert.deepEqual(await getDirectory(store, dirKey, dst), manifest);
      for (const [rel, bytes] of Object.entries(files))
        assert.deepEqual(await readFile(join(dst, rel)), bytes, rel);

      // Without its manifest (an upload that stopped part-way) the directory is not complete.
      await store.delete(joinKey(dirKey, ARTIFACT_MANIFEST));
      await assert.rejects(getDirectory(store, dirKey, join(scratch, `none-${p}`)), IncompleteArtifactError);
      await putDirectory(store, src, dirKey);

      // A file altered after the manifest was written is detected, and no partial file is left behind.
      await store.put(joinKey(dirKey, 'tracks/means.npy'), Buffer.from('tampered'));
      const bad = join(scratch, `bad-${p}`);
      await assert.rejects(getDirectory(store, dirKey, bad), /tracks\/means\.npy: expected 100000 bytes/);
      assert.deepEqual(await readdir(join(bad, 'tracks')), []);
    });

    test('content-addressed puts of the same bytes land on one key and upload once', async () => {
      const p = prefix();
      const bytes = Buffer.from(pseudoRandomChunks(10_000, 10_000, 5).next().value as Buffer);
      const first = await putContentAddressed(store, p, bytes, { extension: '.npy' });
      assert.equal(first.key, contentKey(p, sha256Hex(bytes), '.npy'));
      assert.equal(first.existed, false);
      const second = await putContentAddressed(
        store,
        p,
        Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]),
        {
          extension: '.npy',
        },
      );
      assert.deepEqual(second, { ...first, existed: true });
      assert.deepEqual(await store.getBuffer(first.key), bytes);
      assert.equal((await store.list(`${p}/`)).length, 1);
    });

    test('presignedGetUrl: a URL that downloads the object (s3), undefined (fs)', async () => {
      const key = joinKey(prefix(), 'video.mp4');
      await store.put(key, Buffer.from('not really a video'), { contentType: 'video/mp4' });
      const url = await store.presignedGetUrl(key, 60);
      if (impl.name === 'fs') {
        assert.equal(url, undefined);
        return;
      }
      if (url === undefined) return assert.fail('the s3 store must presign');
      assert.ok(url.startsWith('http://127.0.0.1:'), url);
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'not really a video');
      assert.equal(res.headers.get('content-type'), 'video/mp4');
      assert.match(url, /X-Amz-Expires=60&/);
    });
  });
}
