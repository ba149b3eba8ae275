import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** A user coturn switches to once its ports are bound, and its primary group. */
export interface ProcessUser {
  user: string;
  group: string;
}

/** Debian's coturn package makes this system user; coturn runs as it when the controller runs as root. */
const coturnUser = 'turnserver';

/** `turnserver` with its primary group when we run as root and that user exists; else `undefined`. */
export async function processUser(name = coturnUser): Promise<ProcessUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const entry = (await readLines('/etc/passwd')).map((line) => line.split(':')).find((fields) => fields[0] === name);
  if (!entry) return undefined;
  const group = (await readLines('/etc/group')).map((line) => line.split(':')).find((fields) => fields[2] === entry[3])?.[0];
  return group === undefined ? undefined : { user: name, group };
}

async function readLines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n');
  } catch {
    return [];
  }
}

/**
 * Stops the coturn a previous controller left running in `dir` (it was killed before it could
 * stop it), so that its ports are free again. Only a process named `turnserver` is touched.
 */
export async function stopStaleCoturn(dir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(path.join(dir, 'turnserver.pid'), 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !(await isCoturn(pid))) return;
  process.kill(pid, 'SIGKILL');
  for (let waited = 0; waited < 2000 && (await isCoturn(pid)); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
}

async function isCoturn(pid: number): Promise<boolean> {
  try {
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
    const state = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.[0];
    return comm === 'turnserver' && state !== 'Z';
  } catch {
    return false;
  }
}
