// The target line of a diagnosis, from the processes a socket inventory found.
import type { SocketInventory } from '../collectors/process/types.js';
import type { Diagnosis } from '../types.js';

export function targetOf(inventory: SocketInventory | undefined, pids: number[]): Diagnosis['target'] {
  if (!inventory) return { pids };
  return { pids: inventory.processes.map((p) => p.pid), description: inventory.processes.map((p) => `${p.pid} ${p.runtime} ${p.command}`).join('; ') };
}
