/* rules.c -- the rule table.  See rules.h. */
#include <strings.h>

#include "csprecon/rules.h"
#include "csprecon/banned.h"

const struct rule_def rule_defs[RULE_COUNT] = {
#define RULE_DEF(code, sev, dup, text) { #code, sev, dup, text },
	RULE_LIST(RULE_DEF)
#undef RULE_DEF
};

const char *severity_name(enum severity s)
{
	static const char *const names[SEV_COUNT] = {
		[SEV_ERROR] = "error",
		[SEV_VIOLATION] = "violation",
		[SEV_WARNING] = "warning",
	};

	return (unsigned)s < SEV_COUNT ? names[s] : "?";
}

int rule_find(const char *code)
{
	int r;

	for (r = 0; r < RULE_COUNT; r++)
		if (!strcasecmp(rule_defs[r].code, code))
			return r;
	return -1;
}
