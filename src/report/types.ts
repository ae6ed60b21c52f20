// A reporter turns a diagnosis into a string; it never prints.
import type { ChalkInstance } from 'chalk';
import type { Diagnosis } from '../types.js';

export const formats = ['table', 'json', 'markdown', 'sarif'] as const;
export type Format = (typeof formats)[number];

export interface ReportOptions {
  chalk: ChalkInstance;
  /** where rule pages are read, for SARIF's helpUri (default: the pages kleak's npm package ships) */
  docsBaseUrl?: string;
}

export type Reporter = (diagnosis: Diagnosis, options: ReportOptions) => string;
