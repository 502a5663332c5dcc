import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EPISODE_MANIFEST_FILE, ImportError, importGsDynamics } from '@gsdyn/formats';
import { unprocessable } from '../http-error.js';

export interface LocatedEpisode {
  /** Directory holding episode.json (our format, ready to validate). */
  dir: string;
  /** How it arrived: our format, or converted from a gs-dynamics raw episode. */
  source: 'gsdyn' | 'gs-dynamics';
  warnings: string[];
}

async function names(dir: string): Promise<{ name: string; isDirectory: boolean }[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.name !== '__MACOSX' && !e.name.startsWith('._'))
    .map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
}

/**
 * Finds the episode in an extracted archive: at its root, or inside its single top-level folder (archives of a
 * folder). A gs-dynamics raw episode (camera_<n>/ folders and actions.txt) is converted into `convertDir`.
 */
export async function locateEpisode(extracted: string, convertDir: string): Promise<LocatedEpisode> {
  let dir = extracted;
  let entries = await names(dir);
  if (entries.length === 1 && entries[0].isDirectory) {
    dir = join(dir, entries[0].name);
    entries = await names(dir);
  }
  if (entries.some((e) => e.name === EPISODE_MANIFEST_FILE && !e.isDirectory))
    return { dir, source: 'gsdyn', warnings: [] };
  if (entries.some((e) => e.isDirectory && /^camera_\d+$/.test(e.name))) {
    await mkdir(convertDir, { recursive: true });
    const out = join(convertDir, 'episode');
    try {
      const report = await importGsDynamics(dir, out);
      return { dir: out, source: 'gs-dynamics', warnings: report.warnings };
    } catch (error) {
      if (error instanceof ImportError)
        throw unprocessable(
          `gs-dynamics episode could not be converted: ${error.message.replaceAll(dir, '.')}`,
        );
      throw error;
    }
  }
  if (entries.length === 0) throw unprocessable('the archive is empty');
  throw unprocessable(
    `no ${EPISODE_MANIFEST_FILE} at the archive's root or in its single top-level folder (expected an episode directory in the gsdyn format, or a gs-dynamics episode with camera_<n>/ folders)`,
    [{ file: EPISODE_MANIFEST_FILE, message: 'missing' }],
  );
}
