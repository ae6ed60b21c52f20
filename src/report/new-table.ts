// cli-table3, loaded on first use (JSON output does not pay for it), with kleak's plain style.
import { createRequire } from 'node:module';
import type TableType from 'cli-table3';

type TableOptions = ConstructorParameters<typeof TableType>[0];

export function newTable(options: TableOptions & { head: string[] }): InstanceType<typeof TableType> {
  const Table = createRequire(import.meta.url)('cli-table3') as typeof TableType;
  return new Table({ style: { head: [], border: [] }, ...options });
}
