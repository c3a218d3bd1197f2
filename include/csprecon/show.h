/* show.h -- the display form of untrusted text.
 *
 * Input bytes reach the terminal, summary.txt and the reports only through
 * this form: valid UTF-8 is kept as it is; a byte that is not part of a
 * valid UTF-8 sequence, and every control character (C0, DEL, C1), is
 * written as \xHH.  A file name or a value can then never move the cursor,
 * recolour the terminal or forge a line of output.
 */
#ifndef CSPRECON_SHOW_H
#define CSPRECON_SHOW_H

#include <stddef.h>
#include <stdio.h>

/* The number of bytes at s (n > 0 left) that form one character to keep as
 * it is, or 0 when the byte at s must be written as \xHH. */
size_t show_keep(const unsigned char *s, size_t n);

/* Write the display form of len bytes at s to fp. */
void show_fwrite(FILE *fp, const char *s, size_t len);

/* 1 when the string s is its own display form (nothing to escape). */
int show_plain(const char *s);

/* The display form of the string s, newly allocated (the caller frees). */
char *show_dup(const char *s);

#endif
