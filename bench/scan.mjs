// Benchmark: kleak scan on a generated monorepo of 5,000 files where every file uses Kafka (the worst
// case: no package is skipped by the import check), beside its peers on the same files in the same run:
// `gofmt -l` (Go's own parser over every file: the floor of any Go analysis), `go vet` (type-checked
// analysis, the Go peer the issue names), and ESLint with one rule (espree for JS, typescript-eslint's
// parser for TS) and typescript-eslint's type-aware lint (one rule that needs the checker, no-floating-promises,
// through the project service) on the JS/TS files, whose modules call each other (kleak builds its TypeScript
// program there). Also each real tree under $KLEAK_REAL_CODE, if present.
// Usage: npm run build && node bench/scan.mjs [--runs 3] [--go-packages 250] [--js-files 2500]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, 'go-packages': { type: 'string', default: '250' }, 'js-files': { type: 'string', default: '2500' } },
});
const runs = Number(values.runs);
const goPackages = Number(values['go-packages']);
const jsFiles = Number(values['js-files']);
const dir = mkdtempSync(join(tmpdir(), 'kleak-bench-scan-'));

// ---- the corpus ----
const goFile = (pkg, i) => `package ${pkg}

import (
	"encoding/json"
	"net/http"

	"github.com/IBM/sarama"
)

type event${i} struct {
	ID    string \`json:"id"\`
	Count int    \`json:"count"\`
}

type server${i} struct {
	producer sarama.SyncProducer
	ids      [][]byte
}

// NewServer${i} builds the producer once.
func NewServer${i}(brokers []string) (*server${i}, error) {
	p, err := sarama.NewSyncProducer(brokers, nil)
	if err != nil {
		return nil, err
	}
	return &server${i}{producer: p}, nil
}

func (s *server${i}) handle${i}(w http.ResponseWriter, r *http.Request) {
	var e event${i}
	if err := json.NewDecoder(r.Body).Decode(&e); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	body, _ := json.Marshal(e)
	if _, _, err := s.producer.SendMessage(&sarama.ProducerMessage{Topic: "events", Value: sarama.ByteEncoder(body)}); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *server${i}) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for msg := range claim.Messages() {
		if len(msg.Value) > 16 {
			s.ids = append(s.ids, append([]byte(nil), msg.Value[:16]...))
		}
		sess.MarkMessage(msg, "")
	}
	return nil
}

func (s *server${i}) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (s *server${i}) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func perRequest${i}(w http.ResponseWriter, r *http.Request) {
	p, err := sarama.NewSyncProducer([]string{"127.0.0.1:9092"}, nil)
	if err != nil {
		return
	}
	defer p.Close()
	_, _, _ = p.SendMessage(&sarama.ProducerMessage{Topic: "events"})
}
`;
const jsFile = (i, ts) => `import express${ts ? ', { type Request, type Response }' : ''} from 'express';
import { Kafka } from 'kafkajs';
${i ? `import { audit${i - 1} } from './m${i - 1}.js';\n` : ''}
const kafka = new Kafka({ clientId: 'svc-${i}', brokers: ['127.0.0.1:9092'] });
const producer = kafka.producer();
const seen = new Map();
export const router${i} = express.Router();

router${i}.post('/events/${i}', async (req${ts ? ': Request' : ''}, res${ts ? ': Response' : ''}) => {
  const body = req.body;
  if (!body || typeof body.id !== 'string') {
    res.status(400).end();
    return;
  }
  await producer.send({ topic: 'events', messages: [{ key: body.id, value: JSON.stringify(body) }] });
  ${i ? `await audit${i - 1}(body.id);` : ''}
  res.status(202).json({ ok: true });
});

export async function audit${i}(id${ts ? ': string' : ''}) {
  await producer.send({ topic: 'audit', messages: [{ key: id, value: id }] });
}

router${i}.get('/admin/${i}', async (req${ts ? ': Request' : ''}, res${ts ? ': Response' : ''}) => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    res.json(await admin.listTopics());
  } finally {
    await admin.disconnect();
  }
});

export async function consume${i}() {
  const consumer = kafka.consumer({ groupId: 'g-${i}' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'events' });
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.set(String(message.offset), message.value ? message.value.toString() : '');
    },
  });
}

process.once('SIGTERM', async () => {
  await producer.disconnect();
});
`;
const mono = join(dir, 'monorepo');
mkdirSync(join(mono, 'go'), { recursive: true });
copyFileSync(join(root, 'fixtures/go/go.mod'), join(mono, 'go/go.mod'));
copyFileSync(join(root, 'fixtures/go/go.sum'), join(mono, 'go/go.sum'));
writeFileSync(join(mono, 'go/go.mod'), spawnSync('sed', ['s#^module .*#module bench.example/mono#', join(mono, 'go/go.mod')], { encoding: 'utf8' }).stdout);
for (let p = 0; p < goPackages; p++) {
  const pkgDir = join(mono, 'go', `svc${p}`);
  mkdirSync(pkgDir);
  for (let i = 0; i < 10; i++) writeFileSync(join(pkgDir, `f${i}.go`), goFile(`svc${p}`, i));
}
mkdirSync(join(mono, 'js'));
for (let i = 0; i < jsFiles; i++) writeFileSync(join(mono, 'js', `m${i}.${i % 2 ? 'ts' : 'js'}`), jsFile(i, i % 2 === 1));
writeFileSync(join(mono, 'js/package.json'), '{ "name": "bench", "private": true, "type": "module" }\n');
// for the type-aware lint (typescript-eslint's project service): the JS files are in the program too
writeFileSync(
  join(mono, 'js/tsconfig.json'),
  '{ "compilerOptions": { "allowJs": true, "checkJs": false, "noEmit": true, "strict": true, "skipLibCheck": true, "module": "nodenext", "target": "es2022" }, "include": ["*.ts", "*.js"] }\n',
);
const tsParser = pathToFileURL(join(root, 'node_modules/typescript-eslint/dist/index.js')).href;
writeFileSync(
  join(dir, 'eslint.config.mjs'),
  `import tseslint from '${tsParser}';\nexport default [{ files: ['**/*.js'], rules: { 'no-unused-vars': 'error' } }, { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, rules: { 'no-unused-vars': 'error' } }];\n`,
);
// type-aware: one rule that needs the type checker, on the same JS and TS files
writeFileSync(
  join(dir, 'eslint.typed.mjs'),
  `import tseslint from '${tsParser}';\nexport default [{ files: ['**/*.js', '**/*.ts'], languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: ${JSON.stringify(join(mono, 'js'))} } }, plugins: { '@typescript-eslint': tseslint.plugin }, rules: { '@typescript-eslint/no-floating-promises': 'error' } }];\n`,
);

// ---- timing ----
function run(cmd, args, cwd, before, env = {}) {
  const walls = [];
  let last;
  for (let i = 0; i < runs; i++) {
    before?.(i);
    const started = process.hrtime.bigint();
    last = spawnSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 1 << 30, env: { ...process.env, GOFLAGS: '-mod=mod', ...env } });
    walls.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  return { wall: [...walls].sort((a, b) => a - b)[Math.floor(walls.length / 2)], out: last };
}
// the analyzer's result on an unchanged module is reused (kleak's cache): off, except in the row that measures it
const kleak = (target, before, env) =>
  run(process.execPath, [join(root, 'bin/kleak.js'), 'scan', target, '--format', 'json'], root, before, { KLEAK_SCAN_GO_CACHE: 'off', ...env });
/** the engines the scan reports for Go, in words */
const engines = (k) =>
  (JSON.parse(k.out.stdout).scan.engines ?? [])
    .filter((e) => e.language === 'go')
    .map((e) => (e.engine === 'go/analysis' ? `go/analysis on ${e.packages} packages${e.reused ? ', result reused' : ''}` : `tree-sitter (${e.reason})`))
    .join(', ') || 'tree-sitter';
/** the engines the scan reports for JS/TS, in words */
const jsEngines = (k) =>
  (JSON.parse(k.out.stdout).scan.engines ?? [])
    .filter((e) => e.language === 'js')
    .map((e) => (e.engine === 'typescript' ? `TypeScript checker on ${e.files} files` : `oxc (${e.reason})`))
    .join(', ') || 'oxc';
const count = (d, re) => readdirSync(d, { recursive: true }).filter((f) => re.test(String(f))).length;

const goCount = count(join(mono, 'go'), /\.go$/);
const jsCount = count(join(mono, 'js'), /\.(js|ts)$/);
console.log(
  `scan benchmark: ${goCount} Go files in ${goPackages} packages and ${jsCount} JS/TS files, every one using Kafka; medians of ${runs} runs, seconds`,
);
console.log('\n| tree | files | kleak scan | files/s | peer | peer time | kleak / peer |');
console.log('|---|---|---|---|---|---|---|');
const row = (name, files, k, peer, p) =>
  console.log(
    `| ${name} | ${files} | ${k.wall.toFixed(2)} | ${Math.round(files / k.wall)} | ${peer} | ${p ? p.wall.toFixed(2) : '—'} | ${p ? (k.wall / p.wall).toFixed(2) : '—'} |`,
  );
// go vet caches its results by file content: one changed comment per package makes it analyse every package again
// (kleak's analyzer engine runs under go vet too: it is timed on touched files as well)
spawnSync('go', ['build', './...'], { cwd: join(mono, 'go'), env: { ...process.env, GOFLAGS: '-mod=mod' } });
const touch = (i) => {
  for (let p = 0; p < goPackages; p++) writeFileSync(join(mono, 'go', `svc${p}`, 'f0.go'), `${goFile(`svc${p}`, 0)}\n// run ${i} ${Date.now()}\n`);
};
// the analyzer is built into kleak's cache by a first run, not timed
kleak(join(mono, 'go'));
const kGo = kleak(join(mono, 'go'), touch);
const kGoSyntax = kleak(join(mono, 'go'), touch, { KLEAK_SCAN_GO_ENGINE: 'tree-sitter' });
const findings = JSON.parse(kGo.out.stdout).findings.length;
row(`Go, ${engines(kGo)}`, goCount, kGo, 'gofmt -l (parse only)', run('gofmt', ['-l', '.'], join(mono, 'go')));
const vet = run('go', ['vet', './...'], join(mono, 'go'), touch);
// a second scan of the same tree: the analyzer's last result, and go vet's own cache
kleak(join(mono, 'go'), undefined, { KLEAK_SCAN_GO_CACHE: '' });
const kGoAgain = kleak(join(mono, 'go'), undefined, { KLEAK_SCAN_GO_CACHE: '' });
const vetAgain = run('go', ['vet', './...'], join(mono, 'go'));
const vetName = vet.out.status === 0 || vet.out.status === 1 ? 'go vet ./...' : `go vet (exit ${vet.out.status}: ${vet.out.stderr.split('\n')[0]})`;
row(`Go, ${engines(kGo)}`, goCount, kGo, vetName, vet);
row(`Go, ${engines(kGoSyntax)}`, goCount, kGoSyntax, vetName, vet);
row(`Go unchanged, ${engines(kGoAgain)}`, goCount, kGoAgain, `${vetName} (its cache)`, vetAgain);
const kJs = kleak(join(mono, 'js'));
const eslint = join(root, 'node_modules/eslint/bin/eslint.js');
row(
  'JS/TS',
  jsCount,
  kJs,
  'eslint, one rule',
  run(process.execPath, [eslint, '--config', join(dir, 'eslint.config.mjs'), '--no-warn-ignored', '.'], join(mono, 'js')),
);
const typed = run(process.execPath, [eslint, '--config', join(dir, 'eslint.typed.mjs'), '--no-warn-ignored', '.'], join(mono, 'js'));
const typedName =
  typed.out.status === 0 || typed.out.status === 1
    ? 'typescript-eslint type-aware (no-floating-promises)'
    : `type-aware eslint (exit ${typed.out.status}: ${typed.out.stderr.split('\n')[0]})`;
row(`JS/TS, ${jsEngines(kJs)}`, jsCount, kJs, typedName, typed);
row('monorepo (Go + JS/TS)', goCount + jsCount, kleak(mono), '—');
console.log(`\nfindings on the Go tree: ${findings} (one closed per-request producer in each of ${goPackages * 10} files: the warning)`);

const real = process.env.KLEAK_REAL_CODE;
if (real && existsSync(real)) {
  console.log('\n| real tree | files | kleak scan | files/s | gofmt -l | kleak / gofmt |');
  console.log('|---|---|---|---|---|---|');
  for (const name of readdirSync(real).filter((n) => n.includes('+') && !n.endsWith('.json') && !n.endsWith('.err'))) {
    const t = join(real, name);
    const k = kleak(t);
    const s = JSON.parse(k.out.stdout).scan;
    const files = s.files.go + s.files.js + s.files.ts;
    const g = s.files.go ? run('gofmt', ['-l', '.'], t) : undefined;
    console.log(
      `| ${name.replace('+', '/')} | ${files} | ${k.wall.toFixed(2)} | ${Math.round(files / k.wall)} | ${g ? g.wall.toFixed(2) : '—'} | ${g ? (k.wall / g.wall).toFixed(2) : '—'} |`,
    );
  }
}
