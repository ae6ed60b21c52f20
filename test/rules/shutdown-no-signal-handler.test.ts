// shutdown-no-signal-handler: killed by the signal within 250 ms, before any shutdown step.
import noHandler from '../../src/rules/shutdown-no-signal-handler.js';
import { shutdownRun } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const killed = { exited: true, afterMs: 7, signal: 'SIGTERM', statusFrom: 'parent' as const };
const timeline = (afterMs: number) => [
  { kind: 'signal' as const, atMs: 0, detail: '' },
  { kind: 'exit' as const, atMs: afterMs, detail: '' },
];

ruleTester(noHandler, {
  valid: [
    { name: 'a handler: exit 0 after closing', evidence: { shutdown: { runs: [shutdownRun()] } } },
    {
      name: 'a handler that closes, then re-raises the signal (kafkajs example): steps before the death',
      evidence: {
        shutdown: {
          runs: [
            shutdownRun({
              exit: { ...killed, afterMs: 60 },
              timeline: [
                { kind: 'signal', atMs: 0, detail: '' },
                { kind: 'leave', atMs: 40, detail: '' },
                { kind: 'exit', atMs: 60, detail: '' },
              ],
            }),
          ],
        },
      },
    },
    {
      name: 'killed by the signal, but after 2 s of work',
      evidence: { shutdown: { runs: [shutdownRun({ exit: { ...killed, afterMs: 2000 }, timeline: timeline(2000) })] } },
    },
    {
      name: 'killed by the signal 300 ms after it, nothing done: past the bound (a handler that waited, then re-raised)',
      evidence: { shutdown: { runs: [shutdownRun({ exit: { ...killed, afterMs: 300 }, timeline: timeline(300) })] } },
    },
    {
      name: 'exit(0) at once: a handler (other rules tell what it skipped)',
      evidence: { shutdown: { runs: [shutdownRun({ exit: { exited: true, afterMs: 5, code: 0, statusFrom: 'parent' }, timeline: timeline(5) })] } },
    },
  ],
  invalid: [
    {
      name: 'Go without signal.Notify: killed by SIGTERM in milliseconds',
      evidence: { shutdown: { runs: [shutdownRun({ exit: killed, timeline: timeline(7), sockets: { atSignal: 2, closedWhileAlive: 0, openAtExit: 2 } })] } },
      findings: [
        {
          summary: 'PID 4242 died 7 ms after SIGTERM, killed by SIGTERM, before any commit, LeaveGroup or socket close: no signal handler',
          confidence: 'confirmed',
          evidence: [/run 1: killed by SIGTERM 7 ms after SIGTERM; 2 broker socket\(s\) open at the signal, 0 closed before exit/],
        },
      ],
    },
    {
      name: 'killed at once, timed 180 ms late by a busy machine: still no handler',
      evidence: { shutdown: { runs: [shutdownRun({ exit: { ...killed, afterMs: 180 }, timeline: timeline(180) })] } },
      findings: [{ summary: /died 180 ms after SIGTERM, killed by SIGTERM, before any commit, LeaveGroup or socket close: no signal handler/ }],
    },
  ],
  missing: {},
});
