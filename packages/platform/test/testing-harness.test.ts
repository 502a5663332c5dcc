import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { Queue } from 'bullmq';
import { Client } from 'minio';
import { blockingConnection, startLocalRedis, startLocalS3 } from '../src/index.js';
import { testSettings } from './helpers/queue-test-kit.js';

test('startLocalS3: the minio client stream upload works through the front (ListMultipartUploads)', async () => {
  const s3 = await startLocalS3({ bucket: 'harness' });
  try {
    const url = new URL(s3.endpoint);
    const client = new Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: s3.accessKey,
      secretKey: s3.secretKey,
      region: s3.region,
      partSize: 5 * 1024 * 1024,
      pathStyle: true,
    });
    const bytes = randomBytes(6 * 1024 * 1024);
    await client.putObject(
      'harness',
      'multi/part.bin',
      Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]),
    );
    assert.ok(s3.listUploadsAnswered >= 1);
    const back = Buffer.concat(await (await client.getObject('harness', 'multi/part.bin')).toArray());
    assert.ok(back.equals(bytes));
    // An aborted multipart upload leaves no parts behind.
    const uploadId = await client.initiateNewMultipartUpload('harness', 'multi/aborted.bin', {});
    assert.equal(await s3.pendingUploads(), 1);
    await client.abortMultipartUpload('harness', 'multi/aborted.bin', uploadId);
    assert.equal(await s3.pendingUploads(), 0);
    assert.equal(s3.abortsAnswered, 1);
  } finally {
    await s3.stop();
  }
});

test('startLocalRedis: with persistence, data survives restart() on the same port', async () => {
  const redis = await startLocalRedis({ persistence: true });
  const settings = testSettings(redis.url);
  const queue = new Queue('track', { connection: blockingConnection(settings), prefix: settings.prefix });
  queue.on('error', () => undefined);
  try {
    await queue.add('track', { n: 1 }, { jobId: 'kept' });
    const port = redis.port;
    await redis.restart();
    assert.equal(redis.port, port);
    // The queue's connection reconnects by itself.
    assert.deepEqual((await queue.getJob('kept'))?.data, { n: 1 });
  } finally {
    await queue.close();
    await redis.stop();
  }
});
