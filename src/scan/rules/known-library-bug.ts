// known-library-bug in the source tree: the Kafka client versions its manifests and lock files declare,
// matched against kleak's advisories — the runtime rule itself (one id, one check), on the scan's evidence
// only, so that `kleak scan` and a CI gate put the finding on the dependency's line.
import knownLibraryBug from '../../rules/known-library-bug.js';
import { defineRule } from '../../rules/define-rule.js';

export default defineRule({
  id: knownLibraryBug.id,
  meta: knownLibraryBug.meta,
  needs: ['source'],
  check: ({ source }) => knownLibraryBug.check({ source } as Parameters<typeof knownLibraryBug.check>[0]),
});
