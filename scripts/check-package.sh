#!/usr/bin/env bash
# The package as a user gets it: pack kleak, install the tarball into an empty project, and run the
# installed command, the programmatic API (imported, and compiled with tsc against the installed
# types), and the demo. Usage: bash scripts/check-package.sh (after npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
echo "packed $tarball ($(du -k "$work/$tarball" | cut -f1) KiB, $(tar tzf "$work/$tarball" | wc -l) files)"
if tar tzf "$work/$tarball" | grep -E '^package/(test|src|fixtures/captured|bench)/|\.map$'; then
  echo "the package carries tests, TypeScript sources, captured fixtures, benchmarks or source maps (above)" >&2
  exit 1
fi

mkdir -p "$work/app"
cd "$work/app"
npm init -y >/dev/null
# as a user installs it: no environment variable (memlab and its browser are dev dependencies only; heapdump is
# optional, so an install where node-gyp cannot build it still succeeds and the agent uses v8.writeHeapSnapshot)
npm install --no-audit --no-fund "$work/$tarball" typescript@5.9.3 @types/node@20 >/dev/null

echo "== npx kleak --help"
npx kleak --help | head -n 3
echo "== import('kleak')"
node -e "import('kleak').then((m) => { for (const f of ['diagnose', 'inspectSockets', 'evaluate', 'exitCodeFor', 'scan']) if (typeof m[f] !== 'function') { console.error('missing export ' + f); process.exit(1); } console.log('exports: ' + Object.keys(m).length + ' names, diagnose is a function'); })"
echo "== npx kleak scan: the vendored Go and Java grammars and the JS parser ship with the package"
mkdir -p scan-me
printf 'package svc\n\nimport (\n\t"net/http"\n\n\t"github.com/IBM/sarama"\n)\n\nfunc H(w http.ResponseWriter, r *http.Request) {\n\tp, _ := sarama.NewSyncProducer(nil, nil)\n\t_ = p\n}\n' > scan-me/h.go
printf "import { Kafka } from 'kafkajs';\nconst kafka = new Kafka({ brokers: [] });\napp.post('/x', async () => { await kafka.producer().connect(); });\n" > scan-me/app.mjs
printf 'package svc;\n\nimport org.apache.kafka.clients.producer.KafkaProducer;\n\nclass C {\n  @org.springframework.web.bind.annotation.PostMapping("/x")\n  String x() {\n    new KafkaProducer<String, String>(new java.util.Properties()).send(null);\n    return "ok";\n  }\n}\n' > scan-me/C.java
npx kleak scan scan-me --format json > scan.json && { echo "the scan found no leak pattern" >&2; exit 1; } || test $? -eq 1
node -e "const j = JSON.parse(require('fs').readFileSync('scan.json', 'utf8')); const ids = j.findings.map((f) => f.ruleId + ' ' + f.locations[0].file); console.log(ids.join('; ')); if (j.findings.length !== 3) process.exit(1);"
echo "== require.resolve('kleak/agent'), and the agent loads"
node -r kleak/agent -e "console.log('agent loaded')"
echo "== tsc against the installed types"
cat > use.mts <<'TS'
import { diagnose, exitCodeFor, type Diagnosis, type DiagnoseOptions } from 'kleak';
const options: DiagnoseOptions = { pids: [process.pid], durationMs: 0 };
const run: Promise<{ diagnosis: Diagnosis }> = diagnose(options);
const code: number = exitCodeFor([], 'error');
void run;
void code;
TS
npx tsc --noEmit --strict --module nodenext --moduleResolution nodenext --target es2022 --skipLibCheck false --types node use.mts
echo "typed: ok"
if [ "${KLEAK_SKIP_PACKAGE_DEMO:-}" != "1" ]; then
  echo "== npx kleak demo"
  npx kleak demo --requests 20 --fail-on error && { echo "the demo's leak did not fail the gate" >&2; exit 1; } || test $? -eq 1
  echo "demo: exit 1 (the leak found)"
fi
