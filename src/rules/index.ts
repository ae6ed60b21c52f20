// Every rule kleak runs, in one explicit list.
import type { AnyRule } from './define-rule.js';

export const rules: readonly AnyRule[] = [];
