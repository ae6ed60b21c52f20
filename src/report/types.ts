// A reporter turns a diagnosis into a string; it never prints.
import type { ChalkInstance } from 'chalk';
import type { AnyRule } from '../rules/define-rule.js';
import type { Diagnosis } from '../types.js';

export const formats = ['table', 'json', 'markdown', 'sarif', 'html'] as const;
export type Format = (typeof formats)[number];

export interface ReportOptions {
  chalk: ChalkInstance;
  /** where rule pages are read, for SARIF's helpUri (default: the pages kleak's npm package ships) */
  docsBaseUrl?: string;
  /** the rules whose metadata SARIF lists (default: the runtime rules; kleak scan: the scan's) */
  rules?: readonly AnyRule[];
}

export type Reporter = (diagnosis: Diagnosis, options: ReportOptions) => string;
