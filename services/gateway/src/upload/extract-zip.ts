import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { HttpError, unprocessable } from '../http-error.js';
import { safeEntryPath } from './entry-path.js';
import type { ExtractionBudget } from './extraction-budget.js';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

function zipError(error: unknown): unknown {
  if (error instanceof HttpError) return error;
  const message = (error as Error).message ?? String(error);
  return unprocessable(`invalid zip archive: ${message}`);
}

function entryName(entry: yauzl.Entry): string {
  // decodeStrings is off (the paths are checked here, with our messages): names are raw bytes, UTF-8 in practice.
  const raw = entry.fileName as unknown as Buffer | string;
  return typeof raw === 'string' ? raw : raw.toString('utf8');
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      file,
      { lazyEntries: true, autoClose: true, decodeStrings: false, validateEntrySizes: true },
      (error, zip) => (error || !zip ? reject(zipError(error)) : resolve(zip)),
    );
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) {
        reject(zipError(error));
        return;
      }
      // yauzl starts inflating before the caller consumes: keep an early size error from going unhandled (the
      // consumer's pipeline still sees it, as the stream is destroyed with it).
      stream.on('error', () => undefined);
      resolve(stream);
    });
  });
}

/**
 * Extracts a .zip file into the budget's directory. Declared sizes are checked before an entry is inflated and the
 * inflated bytes while it is (yauzl also fails an entry whose bytes disagree with its declared size): a zip bomb is
 * refused at the first limit it passes. Symbolic links and special files are refused.
 */
export async function extractZip(file: string, budget: ExtractionBudget): Promise<void> {
  const zip = await openZip(file);
  const handle = async (entry: yauzl.Entry) => {
    const name = entryName(entry);
    const path = safeEntryPath(name);
    const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
    if (mode === S_IFLNK)
      throw unprocessable(`archive entry ${JSON.stringify(name)} is a symbolic link: links are not allowed`);
    const isDirectory = name.endsWith('/') || mode === S_IFDIR;
    if (!isDirectory && mode !== 0 && mode !== S_IFREG)
      throw unprocessable(
        `archive entry ${JSON.stringify(name)} is a special file: only files and folders are allowed`,
      );
    if (path === undefined) return;
    budget.countEntry(path);
    if (isDirectory) {
      await budget.directory(path);
      return;
    }
    budget.declare(path, entry.uncompressedSize);
    await budget.file(path, await openEntry(zip, entry));
  };
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      zip.close();
      reject(zipError(error));
    };
    zip.on('error', fail);
    zip.on('end', () => {
      if (!failed) resolve();
    });
    zip.on('entry', (entry: yauzl.Entry) => {
      handle(entry).then(() => {
        if (!failed) zip.readEntry();
      }, fail);
    });
    zip.readEntry();
  });
}
