// client-not-closed in the source: the scan flags exactly the lines marked `// want "client-not-closed"` in fixtures/scan (Go,
// JS and TS), and none of the `// ok` look-alikes beside them.
import rule from '../../../src/scan/rules/client-not-closed.js';
import { scanRuleTests } from '../../helpers/scan-markers.js';

scanRuleTests(rule);
