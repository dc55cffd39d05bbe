/**
 * Mounts cgroupfs (cgroupfs.ts) at /sys/fs/cgroup in the VFS, so the ordinary file calls reach
 * the cgroup tree: mkdir/rmdir make and remove cgroups, readdir lists interface files and
 * children, open gives an interface file to read, write and poll.
 */
import type { Call } from './call.ts';
import { CGROUPFS_MOUNT, CgroupFs } from './cgroupfs.ts';
import { registerPseudoFs } from './pseudofs.ts';

registerPseudoFs(CGROUPFS_MOUNT, (kernel) => {
  const fs = CgroupFs.of(kernel);
  const path = (rel: string[]) => `${CGROUPFS_MOUNT}/${rel.join('/')}`;
  return {
    kindOf: (rel) => fs.lookup(rel)?.kind ?? null,
    readdir(call: Call, rel: string[]) {
      const node = fs.lookup(rel);
      if (!node) call.fail('ENOENT', `${path(rel)} does not exist`);
      if (node.kind !== 'dir') call.fail('ENOTDIR', `${path(rel)} is an interface file`);
      return fs.readdir(node.cgroup);
    },
    mkdir: (call, rel) => fs.mkdir(call, rel),
    rmdir: (call, rel) => fs.rmdir(call, rel),
    open: (call, rel, flags) => fs.open(call, rel, flags),
  };
});
