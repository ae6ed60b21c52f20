// `kleak watch` on a terminal: one panel redrawn in place at every sample (now, start, range, change per
// minute and a sparkline per metric), instead of a row per sample. Piped output keeps the rows.
import { stripVTControlCharacters } from 'node:util';
import type { ChalkInstance } from 'chalk';
import type { WatchSample } from '../collectors/watch/types.js';
import { newTable } from './new-table.js';

const blocks = '▁▂▃▄▅▆▇█';
const asciiBars = '_.-:=+*#';

/**
 * Block characters where the terminal takes them; ASCII under NO_COLOR (the chalk level kleak runs with is 0) or
 * a locale that is not UTF-8.
 */
export function sparkChars(chalk: ChalkInstance, env: NodeJS.ProcessEnv = process.env): string {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  const utf8 = locale === '' || /utf-?8/i.test(locale);
  return chalk.level > 0 && utf8 ? blocks : asciiBars;
}

/** The last `width` values as bar characters, scaled between their own min and max. */
export function sparkline(values: readonly number[], width = 32, bars = blocks): string {
  const shown = values.slice(-width);
  if (shown.length === 0) return '';
  const min = Math.min(...shown);
  const max = Math.max(...shown);
  return shown.map((v) => (max === min ? bars[0] : bars[Math.round(((v - min) / (max - min)) * (bars.length - 1))])).join('');
}

/** A whole series in at most `width` characters: each character the last value of its slice of the samples. */
export function sparklineOf(values: readonly number[], width: number, bars = blocks): string {
  if (values.length <= width) return sparkline(values, width, bars);
  const step = values.length / width;
  return sparkline(
    Array.from({ length: width }, (_, k) => values[Math.min(values.length - 1, Math.floor((k + 1) * step) - 1)]!),
    width,
    bars,
  );
}

interface Metric {
  name: string;
  value: (s: WatchSample) => number | undefined;
}

const metrics: Metric[] = [
  { name: 'broker ESTABLISHED', value: (s) => s.brokerEstablished },
  { name: 'broker CLOSE_WAIT', value: (s) => s.brokerCloseWait },
  { name: 'fds', value: (s) => s.fds },
  { name: 'goroutines', value: (s) => s.goroutines },
];

export interface LivePanelOptions {
  /** how long the watch runs (without a driver), for "12.0 s of 30.0 s" */
  durationMs?: number;
  chalk: ChalkInstance;
  /** the terminal's width: the sparklines shrink so that no line wraps (a wrapped line breaks the redraw) */
  columns?: number;
}

const visibleWidth = (line: string) => [...stripVTControlCharacters(line)].length;

/** The panel for the samples so far: a status line and a table, without a trailing newline. */
export function renderLivePanel(samples: readonly WatchSample[], options: LivePanelOptions): string {
  let panel = renderPanel(samples, options, 32);
  const widest = Math.max(...panel.split('\n').map(visibleWidth));
  if (options.columns && widest > options.columns) panel = renderPanel(samples, options, Math.max(4, 32 - (widest - options.columns)));
  return panel;
}

function renderPanel(samples: readonly WatchSample[], options: LivePanelOptions, sparkWidth: number): string {
  const last = samples[samples.length - 1];
  if (!last) return '';
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const status = `kleak watch · ${seconds(last.atMs)}${options.durationMs && last.phase === 'watch' ? ` of ${seconds(options.durationMs)}` : ''} · ${samples.length} sample${samples.length === 1 ? '' : 's'} · ${last.phase}`;
  // no rule between rows: the panel stays short enough to redraw without scrolling
  const table = newTable({
    head: ['', 'now', 'start', 'min–max', 'per minute', `last ${Math.min(samples.length, sparkWidth)}`],
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  const minutes = (last.atMs - samples[0]!.atMs) / 60_000;
  for (const m of metrics) {
    const values = samples.map(m.value).filter((v): v is number => v !== undefined);
    if (values.length === 0) continue;
    const first = values[0]!;
    const now = values[values.length - 1]!;
    const perMinute = minutes > 0 ? ((now - first) / minutes).toFixed(1) : '—';
    table.push([m.name, now, first, `${Math.min(...values)}–${Math.max(...values)}`, perMinute, sparkline(values, sparkWidth, sparkChars(options.chalk))]);
  }
  return `${options.chalk.bold(status)}\n${table.toString()}`;
}

/**
 * Redraws the panel in place: moves the cursor up over the previous panel and clears to the end of the
 * screen before writing the new one. Only for a terminal.
 */
export class LiveView {
  private samples: WatchSample[] = [];
  private lines = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly options: LivePanelOptions,
  ) {}

  update(sample: WatchSample): void {
    this.samples.push(sample);
    const panel = renderLivePanel(this.samples, this.options);
    this.write(`${this.lines ? `\x1b[${this.lines}A\r\x1b[J` : ''}${panel}\n`);
    this.lines = panel.split('\n').length;
  }
}
