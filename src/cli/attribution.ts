// Resolves --bootstrap / --brokers into broker endpoints for the socket commands.
import { attributeBrokers, type BrokerAttribution } from '../collectors/cluster/fetch-broker-endpoints.js';
import { parseHostPorts } from '../collectors/cluster/connection-options.js';

export interface AttributionFlags {
  bootstrap?: string;
  brokers?: string;
  clientId?: string;
}

export function brokerAttribution(flags: AttributionFlags): Promise<BrokerAttribution> {
  return attributeBrokers({
    bootstrap: flags.bootstrap ? parseHostPorts(flags.bootstrap, '--bootstrap') : undefined,
    brokers: flags.brokers ? parseHostPorts(flags.brokers, '--brokers') : undefined,
    connection: { clientId: flags.clientId },
  });
}
