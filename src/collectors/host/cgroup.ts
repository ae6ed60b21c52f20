// The container or pod a process runs in, from /proc/PID/cgroup (v1 or v2): the Kubernetes pod (its UID)
// and container id, a Docker/containerd/CRI-O container id, a systemd service; null on the host's own slices.
export function containerOf(cgroup: string): string | null {
  for (const line of cgroup.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    if (!path || path === '/') continue;
    // kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope
    // /kubepods/burstable/pod<uid>/<id>
    const pod = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/.exec(path);
    const id = /(?:docker-|cri-containerd-|crio-|containerd-|libpod-)?([0-9a-f]{64})(?:\.scope)?/.exec(path);
    if (pod) return `pod ${pod[1]!.replaceAll('_', '-')}${id ? ` container ${id[1]!.slice(0, 12)}` : ''}`;
    if (id) return `container ${id[1]!.slice(0, 12)}`;
    const service = /\/([^/]+\.service)$/.exec(path);
    if (service && !/^(user@\d+|session-\d+)/.test(service[1]!)) return `service ${service[1]}`;
  }
  return null;
}
