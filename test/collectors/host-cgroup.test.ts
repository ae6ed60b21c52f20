// The container or pod of a process from /proc/PID/cgroup, in the forms the kernel shows under systemd
// (cgroup v2), cgroupfs Kubernetes (v1) and plain Docker; the host's own slices give none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerOf } from '../../src/collectors/host/cgroup.js';

const id = 'f3b1a6c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f';

test('a Kubernetes pod and container: systemd cgroup v2 (containerd) and cgroupfs v1', () => {
  assert.equal(
    containerOf(`0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6c1a9e43_2b7f_4f0e_9c1d_5a8b7e6f4d21.slice/cri-containerd-${id}.scope\n`),
    'pod 6c1a9e43-2b7f-4f0e-9c1d-5a8b7e6f4d21 container f3b1a6c2d4e5',
  );
  assert.equal(
    containerOf(
      `12:pids:/kubepods/besteffort/pod6c1a9e43-2b7f-4f0e-9c1d-5a8b7e6f4d21/${id}\n11:memory:/kubepods/besteffort/pod6c1a9e43-2b7f-4f0e-9c1d-5a8b7e6f4d21/${id}\n`,
    ),
    'pod 6c1a9e43-2b7f-4f0e-9c1d-5a8b7e6f4d21 container f3b1a6c2d4e5',
  );
});

test('a Docker container (v2 systemd, v1 cgroupfs), a systemd service; the host itself: none', () => {
  assert.equal(containerOf(`0::/system.slice/docker-${id}.scope\n`), 'container f3b1a6c2d4e5');
  assert.equal(containerOf(`4:cpu,cpuacct:/docker/${id}\n`), 'container f3b1a6c2d4e5');
  assert.equal(containerOf('0::/system.slice/orders-api.service\n'), 'service orders-api.service');
  assert.equal(containerOf('0::/user.slice/user-1000.slice/user@1000.service\n'), null);
  assert.equal(containerOf('0::/\n'), null);
  assert.equal(containerOf('0::/init.scope\n'), null);
});
