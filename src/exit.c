/* exit.c -- the words for an exit code.  See exit.h. */
#include "csprecon/exit.h"
#include "csprecon/banned.h"

const char *exit_meaning(int code)
{
	switch (code) {
#define EXIT_CASE(name, num, words) case name: return words;
	EXIT_CODES(EXIT_CASE)
#undef EXIT_CASE
	}
	return exit_meaning(EXIT_INTERNAL);
}
