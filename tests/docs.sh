#!/bin/sh
# docs.sh [MAN] -- the man page (MAN, default man/csprecon.1) lists what the
# code has: every rule code of include/csprecon/rules.h as a `.B CODE` line
# whose text starts with the rule's severity word, every command of
# src/main.c as the first word of a tag in COMMANDS and
# every option of src/main.c in a tag of OPTIONS (`.B \-\-apply`,
# `.BI \-\-mode " M"`, `.BR \-q ", " \-\-quiet`).  A tag is the line after
# `.TP`; a name mentioned only in running text does not count.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
man=${1:-$top/man/csprecon.1}
main=$top/src/main.c
passed=0 failed=0

# words SECTION: the words of the tags of SECTION, one a line, "\-" read
# as "-" and the quotes and commas of the macros' arguments dropped.
words() {
	awk -v sec="$1" '
	/^\.SH / { on = ($2 == sec); tp = 0; next }
	on && tp {
		sub(/^\.[A-Z]+ /, "")
		gsub(/\\-/, "-")
		gsub(/[",]/, " ")
		print
	}
	{ tp = ($0 == ".TP") }' "$man"
}

# Every rule: its entry, whose text starts with its severity word
# ("violation: ...", "warning (file): ...").
sed -n 's/^[[:space:]]*X(\([A-Z_]*\), SEV_\([A-Z]*\),.*/\1 \2/p' \
	"$top/include/csprecon/rules.h" >"${TMPDIR:-/tmp}/docs.$$"
while read -r code sev; do
	sev=$(printf '%s' "$sev" | tr '[:upper:]' '[:lower:]')
	if grep -q "^\.B $code\$" "$man"; then passed=$((passed + 1))
	else failed=$((failed + 1)); echo "docs: FAIL: rule $code not in man page" >&2; continue; fi
	said=$(awk -v c=".B $code" 'f { print; exit } $0 == c { f = 1 }' "$man" |
		sed 's/^\([a-z]*\).*/\1/')
	if [ "$said" = "$sev" ]; then passed=$((passed + 1))
	else failed=$((failed + 1)); echo "docs: FAIL: rule $code is $sev, the man page says '$said'" >&2; fi
done <"${TMPDIR:-/tmp}/docs.$$"
rm -f "${TMPDIR:-/tmp}/docs.$$"
# Commands: { "name", C_..., options: { "name", 0 or 'c', ...
commands=$(words COMMANDS | awk '{ print $1 }')
for cmd in $(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", C_.*/\1/p' "$main"); do
	if printf '%s\n' "$commands" | grep -qx -- "$cmd"; then passed=$((passed + 1))
	else failed=$((failed + 1)); echo "docs: FAIL: command $cmd not in man page" >&2; fi
done
options=$(words OPTIONS | tr -s ' ' '\n')
for opt in $(sed -n "s/^[[:space:]]*{ \"\([a-z-]*\)\", \(0\|'.'\), .*/\1/p" "$main"); do
	if printf '%s\n' "$options" | grep -qx -- "--$opt"; then passed=$((passed + 1))
	else failed=$((failed + 1)); echo "docs: FAIL: option --$opt not in man page" >&2; fi
done
echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
