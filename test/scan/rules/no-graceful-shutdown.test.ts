// no-graceful-shutdown in the source: the scan flags exactly the lines marked `// want "no-graceful-shutdown"` in fixtures/scan (Go,
// JS and TS), and none of the `// ok` look-alikes beside them.
import rule from '../../../src/scan/rules/no-graceful-shutdown.js';
import { scanRuleTests } from '../../helpers/scan-markers.js';

scanRuleTests(rule);
