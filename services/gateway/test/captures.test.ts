import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readEpisode, validateEpisode } from '@gsdyn/formats';
import { captureArtifactPrefix, getDirectory, readArtifactManifest } from '@gsdyn/platform';
import { writeGsDynamicsEpisode } from '../../../packages/formats/test/fixtures/gs-dynamics-fixture.js';
import { type ArchiveEntry, directoryEntries, multipartBody, packTar, packZip } from './helpers/archives.js';
import {
  ADMIN_KEY,
  type GatewayKit,
  manifestOf,
  stagingLeftovers,
  startGatewayKit,
  upload,
  withEntry,
} from './helpers/gateway-kit.js';

let kit: GatewayKit;
before(async () => {
  kit = await startGatewayKit();
});
after(async () => {
  await kit.close();
});

const stored = async () => (await kit.store.list('owners/')).length;

interface ErrorBody {
  error: string;
  message: string;
  problems?: { file?: string; field?: string; message: string }[];
}

/** Uploads and expects a refusal: the status, a message matching `pattern`, nothing stored, nothing staged. */
async function refused(
  data: Buffer | undefined,
  status: number,
  pattern: RegExp,
  filename?: string,
): Promise<ErrorBody> {
  const before = await stored();
  const res = await upload(kit.app, ADMIN_KEY, data, filename);
  const body = res.json() as ErrorBody;
  assert.equal(res.statusCode, status, res.body);
  assert.match(`${body.message} ${JSON.stringify(body.problems ?? [])}`, pattern);
  assert.equal(await stored(), before, 'nothing may be stored');
  assert.deepEqual(await stagingLeftovers(kit.tempDir), [], 'the staging directory must be empty');
  return body;
}

function manifestEntry(entries: readonly ArchiveEntry[], text: string): ArchiveEntry[] {
  return withEntry(entries, '/episode.json', Buffer.from(text));
}

describe('POST /v1/captures: accepted uploads', () => {
  it('stores a tar of a simulated episode under the caller and answers 201 with its id', async () => {
    const res = await upload(kit.app, ADMIN_KEY, await packTar(kit.episode));
    assert.equal(res.statusCode, 201, res.body);
    const { captureId, files, source } = res.json() as { captureId: string; files: number; source: string };
    assert.equal(source, 'gsdyn');
    assert.equal(files, kit.episode.length);
    const manifest = await readArtifactManifest(kit.store, captureArtifactPrefix('admin', captureId));
    assert.ok(manifest, 'the capture directory is complete in the store');
    const names = manifest.files.map((f) => f.path).sort();
    assert.deepEqual(names, kit.episode.map((e) => e.name.slice('rope-episode/'.length)).sort());
    const original = kit.episode.find((e) => e.name.endsWith('color/cam0/000001.png'));
    const copy = await kit.store.getBuffer(
      `${captureArtifactPrefix('admin', captureId)}/color/cam0/000001.png`,
    );
    assert.ok(original?.data?.equals(copy));
    const info = await kit.app.inject({
      url: `/v1/captures/${captureId}`,
      headers: { 'x-api-key': ADMIN_KEY },
    });
    assert.equal(info.statusCode, 200);
    assert.equal((info.json() as { files: number }).files, kit.episode.length);
    assert.deepEqual(await stagingLeftovers(kit.tempDir), []);
  });

  it('accepts .tar.gz and .zip archives and an episode at the archive root', async () => {
    const gz = await upload(kit.app, ADMIN_KEY, await packTar(kit.episode, true), 'capture.tar.gz');
    assert.equal(gz.statusCode, 201, gz.body);
    const atRoot = kit.episode.map((e) => ({
      name: e.name.slice('rope-episode/'.length),
      data: e.data ?? Buffer.alloc(0),
    }));
    const zip = await upload(kit.app, ADMIN_KEY, packZip(atRoot), 'capture.zip');
    assert.equal(zip.statusCode, 201, zip.body);
    const list = await kit.app.inject({
      url: '/v1/captures',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const ids = (list.json() as { captures: { captureId: string }[] }).captures.map((c) => c.captureId);
    assert.ok(ids.includes((zip.json() as { captureId: string }).captureId));
  });
});

describe('POST /v1/captures: a gs-dynamics raw episode', () => {
  it('is converted on arrival into a valid episode of our format, its source recorded', async () => {
    const raw = join(kit.work, 'gs-dynamics', 'episode_00');
    await writeGsDynamicsEpisode(raw);
    const entries = await directoryEntries(raw, 'episode_00');
    assert.ok(entries.some((e) => e.name === 'episode_00/camera_1/camera_params.npy'));
    assert.ok(!entries.some((e) => e.name.endsWith('episode.json')), 'the upload is not in our format');

    const res = await upload(kit.app, ADMIN_KEY, await packTar(entries), 'episode_00.tar');
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json() as { captureId: string; source: string; warnings: string[] };
    assert.equal(body.source, 'gs-dynamics');
    // The importer's warnings reach the client: unequal frame counts, the extra actions.txt line dropped.
    assert.ok(
      body.warnings.some((w) => /different frame counts/.test(w)),
      body.warnings.join('\n'),
    );
    assert.ok(
      body.warnings.some((w) => /dropped the first 1 lines/.test(w)),
      body.warnings.join('\n'),
    );

    const info = await kit.app.inject({
      url: `/v1/captures/${body.captureId}`,
      headers: { 'x-api-key': ADMIN_KEY },
    });
    assert.equal(info.statusCode, 200, info.body);
    const meta = (info.json() as { meta: Record<string, unknown> }).meta;
    assert.equal(meta.source, 'gs-dynamics');
    assert.equal(meta.filename, 'episode_00.tar');

    // What the store holds is an episode of our format: it validates and reads back with the converted content.
    const local = join(kit.work, 'downloaded', body.captureId);
    await getDirectory(kit.store, captureArtifactPrefix('admin', body.captureId), local);
    assert.deepEqual(await validateEpisode(local), []);
    const episode = await readEpisode(local);
    assert.equal(episode.manifest.frameCount, 3);
    assert.deepEqual(
      episode.cameras.map((c) => [c.width, c.height]),
      [
        [16, 12],
        [16, 12],
      ],
    );
    assert.equal(episode.manifest.source?.importer, 'gs-dynamics');
    assert.equal(episode.manifest.endEffector?.positions.length, 3);
    assert.deepEqual(await stagingLeftovers(kit.tempDir), []);
  });
});

describe('POST /v1/captures: refused uploads leave nothing behind', () => {
  it('truncated tar and tar.gz archives', async () => {
    const tarball = await packTar(kit.episode);
    await refused(tarball.subarray(0, 512 * 7 + 100), 400, /truncated archive/);
    const gz = await packTar(kit.episode, true);
    await refused(gz.subarray(0, Math.floor(gz.length / 2)), 400, /truncated archive/);
  });

  it('path traversal, absolute paths and links', async () => {
    const evil = [...kit.episode, { name: 'rope-episode/../../escape.txt', data: Buffer.from('x') }];
    await refused(await packTar(evil), 400, /"\.\." segments are not allowed/);
    await refused(
      packZip([{ name: '/etc/passwd', data: Buffer.from('x') }]),
      400,
      /absolute paths are not allowed/,
    );
    const link = [
      ...kit.episode,
      { name: 'rope-episode/link', type: 'symlink' as const, linkname: '/etc/passwd' },
    ];
    await refused(await packTar(link), 400, /symbolic link: links are not allowed/);
    const hard = [
      ...kit.episode,
      { name: 'rope-episode/hard', type: 'link' as const, linkname: 'rope-episode/episode.json' },
    ];
    await refused(await packTar(hard), 400, /hard link: links are not allowed/);
    await refused(
      packZip([{ name: 'link', data: Buffer.from('/etc/passwd'), mode: 0o120777 }]),
      400,
      /symbolic link/,
    );
  });

  it('zip bombs: an entry declaring or expanding beyond the limits', async () => {
    const zeros = Buffer.alloc(2 * 1024 * 1024); // deflates to a few KiB, expands past the 1 MiB per-file limit
    await refused(
      packZip([{ name: 'episode.json', data: zeros }]),
      413,
      /declares 2 MiB, more than the 1 MiB allowed per file/,
    );
    // Declares 100 bytes but inflates to 2 MiB: cut off while streaming.
    await refused(
      packZip([{ name: 'episode.json', data: zeros, declaredSize: 100 }]),
      400,
      /invalid zip archive: too many bytes/,
    );
    // Many small entries past the total extracted size (8 MiB): each under the per-file limit.
    const many = Array.from({ length: 9 }, (_, i) => ({
      name: `f${i}.bin`,
      data: Buffer.alloc(1000 * 1024),
    }));
    await refused(packZip(many), 413, /archive expands to more than 8 MiB/);
    const files = Array.from({ length: 201 }, (_, i) => ({ name: `f${i}`, data: Buffer.from('x') }));
    await refused(packZip(files), 413, /more than 200 entries/);
  });

  it('a wrong manifest: the validator problems are listed with file and field', async () => {
    const m = manifestOf(kit.episode);
    const body = await refused(
      await packTar(manifestEntry(kit.episode, JSON.stringify({ ...m, frameCount: 'three' }))),
      400,
      /not a valid episode/,
    );
    assert.ok(
      body.problems?.some((p) => p.file === 'episode.json' && p.field === 'frameCount'),
      JSON.stringify(body),
    );
    await refused(
      await packTar(kit.episode.filter((e) => !e.name.endsWith('episode.json'))),
      400,
      /no episode\.json/,
    );
  });

  it('images of the wrong size', async () => {
    const m = manifestOf(kit.episode) as { cameras: { width: number }[] };
    m.cameras[0].width = 40;
    const body = await refused(
      await packTar(manifestEntry(kit.episode, JSON.stringify(m))),
      400,
      /expected 40x24/,
    );
    assert.ok(body.problems?.some((p) => p.file === 'color/cam0/000000.png' && p.field === 'images.color'));
  });

  it('a non-finite number in a camera matrix', async () => {
    const m = manifestOf(kit.episode) as { cameras: { K: number[][] }[] };
    m.cameras[0].K[0][0] = 123456;
    // JSON has no NaN; 1e999 parses to Infinity, which the schema must refuse.
    const text = JSON.stringify(m).replace('123456', '1e999');
    const body = await refused(await packTar(manifestEntry(kit.episode, text)), 400, /not a valid episode/);
    assert.ok(
      body.problems?.some((p) => p.file === 'episode.json' && p.field?.startsWith('cameras[0].K')),
      JSON.stringify(body.problems),
    );
  });

  it('an oversized upload, a missing file field, not multipart, not an archive', async () => {
    await refused(Buffer.alloc(5 * 1024 * 1024, 7), 413, /larger than 4 MiB/);
    await refused(undefined, 400, /no file in the upload/);
    const { payload, headers } = multipartBody({ field: 'other', filename: 'x.tar', data: Buffer.from('x') });
    const wrongField = await kit.app.inject({
      method: 'POST',
      url: '/v1/captures',
      payload,
      headers: { ...headers, 'x-api-key': ADMIN_KEY },
    });
    assert.equal(wrongField.statusCode, 400);
    assert.match((wrongField.json() as ErrorBody).message, /expected the archive in "file"/);
    const json = await kit.app.inject({
      method: 'POST',
      url: '/v1/captures',
      payload: {},
      headers: { 'x-api-key': ADMIN_KEY },
    });
    assert.equal(json.statusCode, 400);
    assert.match(json.body, /multipart\/form-data/);
    await refused(
      Buffer.from('just some text, not an archive'),
      400,
      /not a \.tar, \.tar\.gz or \.zip archive/,
    );
  });

  it('stays healthy after the refusals', async () => {
    const res = await kit.app.inject({ url: '/readyz' });
    assert.equal(res.statusCode, 200, res.body);
  });
});
