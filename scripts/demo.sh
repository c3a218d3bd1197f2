#!/bin/sh
# demo.sh BINARY -- a nightly run on samples/, in a temporary folder.
#
# Checks the first night's batch (CSV, XML and gzip files of resellers,
# PartnerIDs and customer relationships), then a file with planted bad
# rows, printing each summary and where its reports are.  The master and
# the reconcile step join the demo when they exist.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/csprecon-demo.XXXXXX")
cd "$top"

echo "== csprecon demo in $work"
echo "== night 1: check samples/mpn_ids.csv samples/resellers.xml.gz samples/relationships.csv.gz"
"$bin" check --report-dir "$work/night1" samples/mpn_ids.csv \
	samples/resellers.xml.gz samples/relationships.csv.gz
echo "(exit $?)"
echo
echo "== planted bad rows: check samples/bad/resellers_bad.csv"
"$bin" check --max-errors 5 --report-dir "$work/bad" \
	samples/bad/resellers_bad.csv
echo "(exit $?: rows with errors are rejected; see $work/bad/rejects.csv)"
exit 0
