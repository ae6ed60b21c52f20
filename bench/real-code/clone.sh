#!/usr/bin/env bash
# Clone every repository of bench/real-code/expected.json at its pinned commit into DEST/owner+name, the layout
# bench/real-code.mjs reads (KLEAK_REAL_CODE=DEST).
#   bench/real-code/clone.sh SOURCE DEST
# SOURCE is either a directory of mirrors (SOURCE/owner+name/repo, SOURCE/owner+name or SOURCE/owner+name.git,
# each a git directory, bare or not) or a URL base such as https://github.com (cloned as SOURCE/owner/name.git).
# A clone already in DEST is fetched into and checked out at the commit. A commit the source lacks is reported
# and the script goes on; it exits 1 if any repository could not be placed at its commit.
set -uo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 SOURCE DEST" >&2
  exit 2
fi
source=$1 dest=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dest"
failed=0
while read -r repo commit; do
  name=${repo/\//+}
  into=$dest/$name
  from=
  if [[ -d $source ]]; then
    for candidate in "$source/$name/repo" "$source/$name" "$source/$name.git"; do
      if git -C "$candidate" rev-parse --git-dir >/dev/null 2>&1; then
        from=$candidate
        break
      fi
    done
    if [[ -z $from ]]; then
      echo "$repo: no mirror under $source" >&2
      failed=1
      continue
    fi
  else
    from=${source%/}/$repo.git
  fi
  if [[ ! -d $into/.git ]]; then
    rm -rf "$into"
    if [[ -d $source ]]; then
      git clone -q --no-checkout "$from" "$into" || { failed=1; continue; }
    else
      # GitHub serves a single commit by its id; fall back to the whole history if the server does not.
      git init -q "$into" && git -C "$into" remote add origin "$from"
      git -C "$into" fetch -q --depth 1 origin "$commit" || git -C "$into" fetch -q origin || { failed=1; continue; }
    fi
  fi
  if ! git -C "$into" cat-file -e "$commit^{commit}" 2>/dev/null; then
    git -C "$into" fetch -q origin "$commit" 2>/dev/null || git -C "$into" fetch -q origin 2>/dev/null
  fi
  if git -C "$into" checkout -q --force "$commit" 2>/dev/null; then
    echo "$repo at ${commit:0:12}"
  elif git -C "$into" cat-file -e "$commit^{commit}" 2>/dev/null; then
    # The commit is there but some blob is not (a mirror that lacks a large file): write every file it can.
    git -C "$into" update-ref --no-deref HEAD "$commit" && git -C "$into" read-tree "$commit"
    git -C "$into" checkout-index -a -f 2>&1 | sed "s|^|$repo: |" >&2
    echo "$repo at ${commit:0:12}, without the files listed above"
  else
    echo "$repo: commit $commit not in $from" >&2
    failed=1
  fi
done < <(node -e '
  for (const r of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))) console.log(r.repo, r.commit);
' "$here/expected.json")
exit $failed
