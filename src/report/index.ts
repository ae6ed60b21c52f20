// The reporter registry: a new format does not compile until it is registered here.
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';
import { renderTable } from './table.js';
import type { Format, Reporter } from './types.js';

export const reporters = {
  table: renderTable,
  json: renderJson,
  markdown: renderMarkdown,
  sarif: renderSarif,
  html: renderHtml,
} satisfies Record<Format, Reporter>;

export { formats, type Format, type Reporter } from './types.js';
