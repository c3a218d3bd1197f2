/* test_ingest.c -- the CSV and XML readers at every chunk size.
 *
 * Each input is written to a file (plain, and gzip-compressed), then read
 * with the readers handed 1, 2, 3, ... bytes at a time up to the whole
 * file.  Every cut must give exactly the records (line, entity, values) and
 * findings of the reference reading, which is also checked against a
 * literal expectation.  This catches state kept wrongly across chunk
 * boundaries, which gzip's uneven output would otherwise expose only in
 * production.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "csprecon/dedup.h"
#include "csprecon/findings.h"
#include "csprecon/ingest.h"
#include "csprecon/util.h"
#include "csprecon/webmail.h"
#include "csprecon/ingest_xml.h"

/* What a reading produced, as text: one line per record or finding. */
static struct strbuf got;

static int sink(struct run *run, struct record *rec)
{
	const struct entity_def *d = &entity_defs[rec->entity];
	size_t i;

	(void)run;
	if (rec->broken) /* a row the reader rejected: see its finding */
		return 0;
	strbuf_addf(&got, "R %s %llu", d->name, (unsigned long long)rec->line);
	for (i = 0; i < d->ncols; i++)
		strbuf_addf(&got, "|%s", rec->present[i] ? rec->raw[i] : "-");
	strbuf_addstr(&got, "\n");
	return 0;
}

static int collect_finding(const struct finding *fd, void *ctx)
{
	(void)ctx;
	strbuf_addf(&got, "F %llu %s %s\n", (unsigned long long)fd->line,
		    rule_defs[fd->rule].code, fd->field);
	return 0;
}

static void write_file(const char *path, const char *data, size_t len,
		       int gzip)
{
	if (gzip) {
		gzFile gz = gzopen(path, "wb");

		assert_non_null(gz);
		if (len)
			assert_int_equal(gzwrite(gz, data, (unsigned)len),
					 (int)len);
		assert_int_equal(gzclose(gz), Z_OK);
	} else {
		FILE *fp = fopen(path, "wb");

		assert_non_null(fp);
		assert_int_equal(fwrite(data, 1, len, fp), len);
		assert_int_equal(fclose(fp), 0);
	}
}

/* Read path with the given chunk size; the result is left in got. */
static int read_once(const char *path, size_t chunk)
{
	struct run run;
	struct source src;
	struct input in;
	static struct head head;
	enum ingest_result ret;

	memset(&run, 0, sizeof(run));
	memset(&src, 0, sizeof(src));
	run.opt.entity = ENTITY_NONE;
	run.opt.read_chunk = chunk;
	run.findings = findings_open();
	run.dedup = dedup_new();
	run.webmail = webmail_new();
	run.nsrc = 1;
	run.src = &src;
	src.path = path;
	src.entity = ENTITY_NONE;
	strbuf_reset(&got);
	assert_int_equal(input_open(&in, path, (uint64_t)1 << 30), 0);
	ingest_peek(&in, &head);
	ret = ingest_file(&run, &src, &in, &head, sink);
	input_close(&in);
	strbuf_addf(&got, "ret %d refused %d read %llu rejected %llu\n", ret,
		    src.refused, (unsigned long long)src.rows_read,
		    (unsigned long long)src.rows_rejected);
	findings_each(run.findings, collect_finding, NULL);
	findings_close(run.findings);
	dedup_free(run.dedup);
	webmail_free(run.webmail);
	return ret;
}

struct chunk_case {
	const char *name;
	const char *input;
	const char *expect; /* the reference reading */
};

static const struct chunk_case cases[] = {
	{ "csv plain",
	  "mpn_id,type,country\n1234567,location,DE\n7654321,PGA,FR\n",
	  "R mpn_ids 2|1234567|location|DE|-|-|-\n"
	  "R mpn_ids 3|7654321|PGA|FR|-|-|-\n"
	  "ret 0 refused 0 read 0 rejected 0\n" },
	{ "csv BOM CRLF quotes multi-line semicolon",
	  "\xef\xbb\xbfmpn_id;type;country;name\r\n"
	  "1234567;location;DE;\"Contoso; \"\"Berlin\"\"\"\r\n"
	  "2345678;location;FR;\"two\r\nlines\"\r\n"
	  "3456789;global;NL;plain\r\n",
	  "R mpn_ids 2|1234567|location|DE|Contoso; \"Berlin\"|-|-\n"
	  "R mpn_ids 3|2345678|location|FR|two\r\nlines|-|-\n"
	  "R mpn_ids 5|3456789|global|NL|plain|-|-\n"
	  "ret 0 refused 0 read 0 rejected 0\n" },
	{ "csv CR on some lines only: CRLF, a lone CR, CR in and after quotes",
	  "mpn_id,type,country,name\n"
	  "1111111,location,DE,plain lf\n"
	  "2222222,location,DE,crlf  \r\n"
	  "3333333,location,DE,lone\rcr\n"
	  "4444444,location,DE,\"q\nno cr then\r\ncr\"\n"
	  "5555555,location,DE,\"closed\"\r\n"
	  "\r\n"
	  "6666666,location,DE,\r lead\n"
	  "7777777,location,DE,end cr\r",
	  "R mpn_ids 2|1111111|location|DE|plain lf|-|-\n"
	  "R mpn_ids 3|2222222|location|DE|crlf|-|-\n"
	  "R mpn_ids 4|3333333|location|DE|lone\rcr|-|-\n"
	  "R mpn_ids 5|4444444|location|DE|q\nno cr then\r\ncr|-|-\n"
	  "R mpn_ids 8|5555555|location|DE|closed|-|-\n"
	  "R mpn_ids 10|6666666|location|DE|lead|-|-\n"
	  "R mpn_ids 11|7777777|location|DE|end cr|-|-\n"
	  "ret 0 refused 0 read 0 rejected 0\n" },
	{ "csv tab, blank line, no final newline",
	  "mpn_id\ttype\tcountry\n1234567\tlocation\tDE\n\n7654321\tglobal\tFR",
	  "R mpn_ids 2|1234567|location|DE|-|-|-\n"
	  "R mpn_ids 4|7654321|global|FR|-|-|-\n"
	  "ret 0 refused 0 read 0 rejected 0\n" },
	{ "csv stray quote resumes on the next line, ragged row",
	  "mpn_id,type,country\n12\"34,location,DE\n1234567,location\n"
	  "7654321,global,FR\n",
	  "R mpn_ids 4|7654321|global|FR|-|-|-\n"
	  "ret 0 refused 0 read 2 rejected 2\n"
	  "F 2 CSV_MALFORMED mpn_id\n"
	  "F 3 COLUMN_COUNT \n" },
	{ "csv unterminated quote at the end",
	  "mpn_id,type,country\n1234567,location,DE\n7654321,\"global,FR\n"
	  "1111111,location,DE\n",
	  "R mpn_ids 2|1234567|location|DE|-|-|-\n"
	  "ret 0 refused 0 read 1 rejected 1\n"
	  "F 3 CSV_MALFORMED \n" },
	{ "csv missing column refuses the file",
	  "mpn_id,type\n1234567,location\n",
	  "ret -1 refused 65 read 0 rejected 0\n"
	  "F 1 COLUMN_MISSING country\n" },
	{ "csv entity not detected",
	  "mpn_id,country\n1234567,DE\n",
	  "ret -1 refused 65 read 0 rejected 0\n"
	  "F 1 COLUMN_MISSING \n" },
	{ "xml records with start lines",
	  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	  "<mpnIds xmlns=\"urn:csprecon:batch:1\">\n"
	  "  <mpnId>\n    <mpnId>1234567</mpnId>\n    <type>location</type>\n"
	  "    <country>DE</country>\n    <name>A &amp; B <![CDATA[<x>]]></name>\n"
	  "  </mpnId>\n"
	  "  <mpnId><mpnId>7654321</mpnId><type>global</type>"
	  "<country>FR</country><name/></mpnId>\n"
	  "</mpnIds>\n",
	  "R mpn_ids 3|1234567|location|DE|A & B <x>|-|-\n"
	  "R mpn_ids 9|7654321|global|FR||-|-\n"
	  "ret 0 refused 0 read 0 rejected 0\n" },
	{ "xml DOCTYPE refused before libxml2 parses it, split anywhere",
	  "<?xml version=\"1.0\"?>\n<!-- <!DOCTYPE in a comment -->\n"
	  "<?pi <!DOCTYPE ?>\n<!DOCTYPE mpnIds [\n<!ENTITY a \"b\">\n]>\n"
	  "<mpnIds xmlns=\"urn:csprecon:batch:1\">&a;</mpnIds>\n",
	  "ret -1 refused 65 read 0 rejected 0\n"
	  "F 4 XML_INVALID \n" },
	{ "xml not well-formed",
	  "<mpnIds xmlns=\"urn:csprecon:batch:1\">\n<mpnId><mpnId>1</mpnId>\n",
	  NULL },
};

static void test_every_chunk_size(void **state)
{
	char path[] = "/tmp/csprecon-test-ingest-XXXXXX";
	struct strbuf ref;
	size_t i, k, len;
	int fd, gz;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	strbuf_init(&got);
	strbuf_init(&ref);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].input);
		for (gz = 0; gz < 2; gz++) {
			write_file(path, cases[i].input, len, gz);
			read_once(path, 0);
			if (cases[i].expect && strcmp(got.buf, cases[i].expect)) {
				print_error("case '%s' gz %d:\n%s\nexpected:\n%s\n",
					    cases[i].name, gz, got.buf,
					    cases[i].expect);
				fail();
			}
			strbuf_reset(&ref);
			strbuf_add(&ref, got.buf, got.len);
			for (k = 1; k <= len; k++) {
				read_once(path, k);
				if (strcmp(got.buf, ref.buf)) {
					print_error("case '%s' gz %d chunk %zu:"
						    "\n%s\nreference:\n%s\n",
						    cases[i].name, gz, k,
						    got.buf, ref.buf);
					fail();
				}
			}
		}
	}
	strbuf_release(&ref);
	strbuf_release(&got);
	unlink(path);
}

static int setup(void **state)
{
	(void)state;
	return xml_init();
}

static int teardown(void **state)
{
	(void)state;
	xml_release();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_chunk_size),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
