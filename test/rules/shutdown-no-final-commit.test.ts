// shutdown-no-final-commit: no commit in [signal, exit] with messages left uncommitted.
import noFinalCommit from '../../src/rules/shutdown-no-final-commit.js';
import { shutdownGroup, shutdownRun } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const noCommit = shutdownGroup({ commitAtMs: undefined, committedPartitions: 0, committedAfterExit: { 'orders/0': 100 }, uncommittedAfterExit: 420 });

ruleTester(noFinalCommit, {
  valid: [
    { name: 'a commit landed between the signal and the exit', evidence: { shutdown: { runs: [shutdownRun({ groups: [shutdownGroup()] })] } } },
    {
      name: 'nothing was left to commit',
      evidence: { shutdown: { runs: [shutdownRun({ groups: [{ ...noCommit, uncommittedAfterExit: 0 }] })] } },
    },
    {
      name: 'killed after the grace period: exceeds-grace',
      evidence: {
        shutdown: {
          runs: [shutdownRun({ exit: { exited: true, afterMs: 31_000, statusFrom: 'parent', signal: 'SIGKILL', killed: true }, groups: [noCommit] })],
        },
      },
    },
  ],
  invalid: [
    {
      name: 'exited without committing',
      evidence: { shutdown: { runs: [shutdownRun({ groups: [noCommit] })] } },
      findings: [
        {
          summary: 'group orders: no offset committed between the signal and exit; 420 messages uncommitted after PID 4242 exited',
          data: { tail: 420 },
          evidence: [/none moved; end − committed after exit = 420 over orders/],
        },
      ],
    },
  ],
  missing: {},
});
