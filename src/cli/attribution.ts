// --bootstrap / --brokers and the connection flags, as the core's broker options.
import { connectionFromFlags, parseHostPorts, type ConnectionFlags } from '../collectors/cluster/connection-options.js';
import type { BrokerOptions } from '../core/sockets.js';

export interface AttributionFlags extends ConnectionFlags {
  bootstrap?: string;
  brokers?: string;
}

export function brokerFlags(flags: AttributionFlags): BrokerOptions {
  return {
    bootstrap: flags.bootstrap ? parseHostPorts(flags.bootstrap, '--bootstrap') : undefined,
    brokers: flags.brokers ? parseHostPorts(flags.brokers, '--brokers') : undefined,
    connection: connectionFromFlags(flags),
  };
}
