#!/usr/bin/env bash
# The leak-check step of action.yml: one `kleak diagnose` run (JSON), then the Markdown and SARIF
# reports rendered from it by `kleak report`, the Markdown appended to the job summary, the paths and
# the exit code as step outputs. Inputs come as KLEAK_* variables; GitHub's GITHUB_OUTPUT and
# GITHUB_STEP_SUMMARY files are written. The step ends with kleak's exit code.
set -uo pipefail
kleak=(node "${GITHUB_ACTION_PATH:-$(dirname "$0")/..}/bin/kleak.js")

pid="${KLEAK_PID:-}"
if [ -z "$pid" ] && [ -n "${KLEAK_PID_FILE:-}" ]; then
  pid=$(tr -d ' \n' < "$KLEAK_PID_FILE") || { echo "::error::kleak: cannot read pid-file $KLEAK_PID_FILE"; exit 2; }
fi
if [ -z "$pid" ]; then
  echo "::error::kleak: give the pid or pid-file input: the process of the service the job started"
  exit 2
fi

out="${KLEAK_OUTPUT_DIR:-kleak-reports}"
mkdir -p "$out"
args=(diagnose --pid "$pid" --probe --source-root "${KLEAK_SOURCE_ROOT:-.}")
[ -n "${KLEAK_BOOTSTRAP:-}" ] && args+=(--bootstrap "$KLEAK_BOOTSTRAP")
[ -n "${KLEAK_DRIVE:-}" ] && args+=(--drive "$KLEAK_DRIVE" --method "${KLEAK_METHOD:-POST}" --requests "${KLEAK_REQUESTS:-50}")

"${kleak[@]}" "${args[@]}" --format json --output "$out/kleak.json" --fail-on never
collected=$?
if [ "$collected" -ne 0 ]; then
  echo "::error::kleak could not check the service (exit $collected); see the lines above"
  echo "exit-code=$collected" >> "${GITHUB_OUTPUT:-/dev/null}"
  exit "$collected"
fi

gate=(--source-root "${KLEAK_SOURCE_ROOT:-.}" --fail-on "${KLEAK_FAIL_ON:-error}")
[ -n "${KLEAK_BASELINE:-}" ] && gate+=(--baseline "$KLEAK_BASELINE")
"${kleak[@]}" report "$out/kleak.json" --format sarif --output "$out/kleak.sarif" --fail-on never
"${kleak[@]}" report "$out/kleak.json" --format markdown --output "$out/kleak.md" "${gate[@]}"
code=$?

[ -n "${GITHUB_STEP_SUMMARY:-}" ] && cat "$out/kleak.md" >> "$GITHUB_STEP_SUMMARY"
{
  echo "json=$out/kleak.json"
  echo "markdown=$out/kleak.md"
  echo "sarif=$out/kleak.sarif"
  echo "exit-code=$code"
} >> "${GITHUB_OUTPUT:-/dev/null}"
[ "$code" -eq 1 ] && echo "::error::kleak found Kafka-client leaks at or above ${KLEAK_FAIL_ON:-error}: see the job summary"
exit "$code"
