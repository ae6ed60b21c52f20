// producer-closed-client-open in the source: the scan flags exactly the lines marked `// want "producer-closed-client-open"` in fixtures/scan (Go,
// JS and TS), and none of the `// ok` look-alikes beside them.
import rule from '../../../src/scan/rules/producer-closed-client-open.js';
import { scanRuleTests } from '../../helpers/scan-markers.js';

scanRuleTests(rule);
