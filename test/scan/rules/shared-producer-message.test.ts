// shared-producer-message in the source: the scan flags exactly the lines marked `// want "shared-producer-message"` in fixtures/scan (Go,
// JS and TS), and none of the `// ok` look-alikes beside them.
import rule from '../../../src/scan/rules/shared-producer-message.js';
import { scanRuleTests } from '../../helpers/scan-markers.js';

scanRuleTests(rule);
