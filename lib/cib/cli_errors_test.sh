#!/usr/bin/env bash
# `crm simulate -x BAD.xml -S` on a broken CIB: exactly one line on stderr
# naming what is wrong and where (file and line), and a non-zero exit.
#   cli_errors_test.sh CRM TESTDATA_DIR
set -u
crm=$1
data=$2
failed=0 passed=0

check() {  # check FILE EXPECTED_STDERR_LINE
  local file=$1 want=$2 err rc lines
  err=$("$crm" simulate -x "$file" -S 2>&1 >/dev/null)
  rc=$?
  lines=$(printf '%s' "$err" | grep -c '')
  if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] && [ "$err" = "$want" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    printf 'FAIL %s: exit %s, %s stderr line(s)\n  got:  %s\n  want: %s\n' "$file" "$rc" "$lines" "$err" "$want"
  fi
}

check "$data/malformed.xml" \
  "crm simulate: $data/malformed.xml: line 4: malformed XML: Start-end tags mismatch at </configuration>"
check "$data/unknown-element.xml" \
  "crm simulate: $data/unknown-element.xml: line 5: unknown element <bogus> in <primitive id='web'> (line 4)"
check "$data/dangling-idref.xml" \
  "crm simulate: $data/dangling-idref.xml: line 5: <meta_attributes>: id-ref 'shared-meta' names no <meta_attributes>"
check "$data/missing-resource.xml" \
  "crm simulate: $data/missing-resource.xml: line 10: <rsc_colocation id='web-with-db'>: with-rsc='db' names no resource"
check "$data/no-such-file.xml" \
  "crm simulate: $data/no-such-file.xml: cannot open: No such file or directory"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
