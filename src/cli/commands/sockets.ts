// kleak sockets: one inventory of a process's sockets, per broker and TCP state.
import type { Command } from 'commander';
import { readSocketInventory } from '../../collectors/process/index.js';
import { rules } from '../../rules/index.js';
import { runRules } from '../../rules/run-rules.js';
import { renderSocketsTable, toSocketsJson } from '../../report/sockets-view.js';
import { exitCodeFor } from '../exit-code.js';
import type { CliContext } from '../context.js';
import { brokerAttribution, type AttributionFlags } from '../attribution.js';
import { addOutputOptions, addTargetOptions, wantsJson, type OutputFlags } from '../options.js';

interface SocketsFlags extends AttributionFlags, OutputFlags {
  pid: number[];
  children?: boolean;
}

export function registerSockets(program: Command, ctx: CliContext): void {
  const command = program
    .command('sockets')
    .description("inventory of a process's sockets, per broker and TCP state")
    .addHelpText('after', '\nExamples:\n  $ kleak sockets --pid 4242 --bootstrap 127.0.0.1:9092\n  $ kleak sockets --pid 4242 --children --brokers 10.0.0.5:9092,10.0.0.6:9092 --json');
  addOutputOptions(addTargetOptions(command)).action(async (flags: SocketsFlags) => {
    const attribution = await brokerAttribution(flags);
    const inventory = await readSocketInventory({ pids: flags.pid, children: flags.children, endpoints: attribution.endpoints, brokerSource: attribution.source, warnings: attribution.warnings });
    const { findings } = runRules(rules, { sockets: inventory });
    ctx.io.stdout(wantsJson(flags) ? `${JSON.stringify(toSocketsJson(inventory, findings), null, 2)}\n` : renderSocketsTable(inventory, findings, ctx.chalk));
    ctx.exitCode = exitCodeFor(findings, flags.failOn);
  });
}
