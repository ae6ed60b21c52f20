// records-pin-buffers in the source: the scan flags exactly the lines marked `// want "records-pin-buffers"` in fixtures/scan (Go,
// JS and TS), and none of the `// ok` look-alikes beside them.
import rule from '../../../src/scan/rules/records-pin-buffers.js';
import { scanRuleTests } from '../../helpers/scan-markers.js';

scanRuleTests(rule);
