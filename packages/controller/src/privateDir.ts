import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Makes `dir` readable by its owner only (0700). Parents it has to create get 0755: a
 * recursive mkdir would give them 0700 too, and on a fresh `/run` that locks the bridges,
 * which run as other users, out of `/run/plenum`.
 */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true, mode: 0o755 });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}
