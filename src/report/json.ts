// JSON report: the diagnosis as it is, schemaVersion first.
import type { Reporter } from './types.js';

export const renderJson: Reporter = (diagnosis) => `${JSON.stringify(diagnosis, null, 2)}\n`;
