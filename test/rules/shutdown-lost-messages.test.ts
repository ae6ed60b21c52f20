// shutdown-lost-messages: accepted ids missing from the topics after exit; silent when every one was found.
import lostMessages from '../../src/rules/shutdown-lost-messages.js';
import { shutdownDrive, shutdownRun } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const ids = Array.from({ length: 7 }, (_, i) => `kleakab12cd34-${i + 1}`);

ruleTester(lostMessages, {
  valid: [
    { name: 'every accepted id found', evidence: { shutdown: { runs: [shutdownRun({ drive: shutdownDrive() })] } } },
    { name: 'no drive: the producer side is not evaluated', evidence: { shutdown: { runs: [shutdownRun()], producerNotEvaluated: 'no --drive' } } },
  ],
  invalid: [
    {
      name: 'a buffered producer exits without its flush',
      evidence: { shutdown: { runs: [shutdownRun({ drive: shutdownDrive({ found: 93, lost: 7, lostIds: ids }) })] } },
      findings: [
        {
          summary: '7 of 100 accepted requests lost at shutdown: their ids are not in orders after the process exited',
          library: 'sarama',
          data: { lost: 7, accepted: 100 },
          evidence: [/run 1: 120 sent, 100 accepted \(4 after the signal\), 93 found in 100 messages read back, 7 lost \(kleakab12cd34-1, .*, …\)/],
        },
      ],
    },
    {
      name: 'duplicates are not a loss: info, with the count',
      evidence: { shutdown: { runs: [shutdownRun({ drive: shutdownDrive({ found: 100, duplicates: 3 }) })] } },
      findings: [
        {
          summary: '3 accepted ids were written more than once around the signal (at-least-once: a retry through the shutdown), none lost',
          severity: 'info',
          messageId: 'duplicates',
        },
      ],
    },
    {
      name: 'with --repeat: summed over the runs that lost, and how many did',
      evidence: {
        shutdown: {
          runs: [
            shutdownRun({ drive: shutdownDrive({ lost: 2, found: 98, lostIds: ids.slice(0, 2) }) }),
            shutdownRun({ run: 2, drive: shutdownDrive() }),
            shutdownRun({ run: 3, drive: shutdownDrive({ lost: 5, found: 95, lostIds: ids.slice(2) }) }),
          ],
        },
      },
      findings: [{ summary: '7 of 200 accepted requests lost at shutdown: their ids are not in orders after the process exited (in 2 of 3 runs)' }],
    },
  ],
  missing: {},
});
