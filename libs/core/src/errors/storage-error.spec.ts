import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DomainError } from './domain-error';
import { storageFaultOf } from './storage-error';

/** What the file system really throws when a write finds no space: /dev/full answers every write with ENOSPC. */
async function realEnospc(): Promise<Error> {
  const fh = await fs.open('/dev/full', 'w');
  try {
    await fh.write(Buffer.alloc(16));
  } catch (e) {
    return e as Error;
  } finally {
    await fh.close();
  }
  throw new Error('/dev/full accepted a write');
}

/** What a write into a directory that refuses new files throws (sysfs refuses them even to root). */
async function realNotWritable(): Promise<Error> {
  try {
    await fs.writeFile('/sys/vitrine-storage-probe', 'x');
  } catch (e) {
    return e as Error;
  }
  throw new Error('/sys accepted a new file');
}

const errno = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(code), { code, ...extra });

describe('storageFaultOf', () => {
  it('turns a real ENOSPC into INSUFFICIENT_STORAGE, also wrapped by an adapter', async () => {
    const enospc = await realEnospc();
    expect((enospc as NodeJS.ErrnoException).code).toBe('ENOSPC');
    for (const thrown of [enospc, new Error('append failed', { cause: enospc })]) {
      const fault = storageFaultOf(thrown);
      expect(fault).toBeInstanceOf(DomainError);
      expect(fault).toMatchObject({ code: 'INSUFFICIENT_STORAGE', details: { reason: 'ENOSPC' } });
      expect(fault?.transient).toBe(true);
      expect(fault?.message).not.toContain('/dev/full');
    }
  });

  it('turns a real refusal to create a file into STORAGE_UNAVAILABLE', async () => {
    const refused = await realNotWritable();
    expect(['EACCES', 'EROFS', 'EPERM']).toContain((refused as NodeJS.ErrnoException).code);
    expect(storageFaultOf(refused)).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });

  it.each([
    ['EDQUOT from a write', errno('EDQUOT', { syscall: 'write' }), 'INSUFFICIENT_STORAGE'],
    ['PostgreSQL disk_full (53100)', errno('53100'), 'INSUFFICIENT_STORAGE'],
    ['EROFS on a path', errno('EROFS', { path: path.join(os.tmpdir(), 'x') }), 'STORAGE_UNAVAILABLE'],
    ['EPERM from open', errno('EPERM', { syscall: 'open' }), 'STORAGE_UNAVAILABLE'],
    ['PostgreSQL io_error (58030)', errno('58030'), 'STORAGE_UNAVAILABLE'],
    [
      'PostgreSQL on a read-only disk (42501 about a file)',
      Object.assign(new Error('could not extend file "base/16384/16385": Read-only file system'), {
        code: '42501',
      }),
      'STORAGE_UNAVAILABLE',
    ],
  ])('maps %s', (_name, error, code) => {
    expect(storageFaultOf(error)?.code).toBe(code);
  });

  it.each([
    ['a socket EACCES (a firewall, not the disk)', errno('EACCES', { syscall: 'connect' })],
    ['a missing file', errno('ENOENT', { syscall: 'open', path: '/x' })],
    ['a PostgreSQL unique violation', errno('23505')],
    [
      'a missing GRANT (42501 about a table)',
      Object.assign(new Error('permission denied for table products'), { code: '42501' }),
    ],
    ['a plain error', new Error('boom')],
    ['not an error', 'ENOSPC'],
  ])('leaves %s alone', (_name, error) => {
    expect(storageFaultOf(error)).toBeUndefined();
  });
});
