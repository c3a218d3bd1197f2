#!/bin/sh
# demo.sh BINARY -- two nights of a distributor's cron job, in a temporary
# folder: create a master, reconcile and apply the first night's snapshot
# (CSV, XML and gzip files of PartnerIDs, resellers and customer
# relationships), then the second night's, which changes, adds and retires
# rows; print both summaries, where the reports are, and the run ledger.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/csprecon-demo.XXXXXX")
master=$work/csprecon.db
cd "$top"

echo "== csprecon demo in $work"
"$bin" --master "$master" init || exit 1
echo
echo "== night 1: reconcile --apply samples/mpn_ids.xml samples/resellers.xml.gz samples/relationships.csv.gz"
"$bin" --master "$master" reconcile --apply --report-dir "$work/night1" \
	samples/mpn_ids.xml samples/resellers.xml.gz samples/relationships.csv.gz
echo "(exit $?)"
echo
echo "== night 2: reconcile --apply samples/night2/*.csv"
"$bin" --master "$master" reconcile --apply --report-dir "$work/night2" \
	samples/night2/mpn_ids.csv samples/night2/resellers.csv \
	samples/night2/relationships.csv
echo "(exit $?; the changes are in $work/night2/changes.csv)"
echo
echo "== the run ledger: csprecon --master $master runs"
"$bin" --master "$master" runs
exit 0
