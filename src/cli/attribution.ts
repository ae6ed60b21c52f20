// Resolves --bootstrap / --brokers into broker endpoints for the socket commands.
import { attributeBrokers, type BrokerAttribution } from '../collectors/cluster/fetch-broker-endpoints.js';
import { connectionFromFlags, parseHostPorts, type ConnectionFlags } from '../collectors/cluster/connection-options.js';

export interface AttributionFlags extends ConnectionFlags {
  bootstrap?: string;
  brokers?: string;
}

export function brokerAttribution(flags: AttributionFlags): Promise<BrokerAttribution> {
  return attributeBrokers({
    bootstrap: flags.bootstrap ? parseHostPorts(flags.bootstrap, '--bootstrap') : undefined,
    brokers: flags.brokers ? parseHostPorts(flags.brokers, '--brokers') : undefined,
    connection: connectionFromFlags(flags),
  });
}
