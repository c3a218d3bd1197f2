/* cmd_export.c -- `csprecon export --entity E [--format csv|xml] [-o FILE]`.
 *
 * Writes the master's current (not retired) rows of one entity, by key, in
 * a form csprecon reads back unchanged: CSV with the canonical header, or
 * XML in the batch namespace (valid against schemas/batch.xsd).  Values are
 * written as stored: this is a data file for re-import, so cells are
 * quoted as RFC 4180 needs but not neutralised as report cells are.  With
 * -o the file is written to a temporary name and renamed into place, and
 * gzip-compressed when the name ends in ".gz"; the format defaults to xml
 * for a name ending in ".xml" or ".xml.gz", else csv.  XML goes through
 * libxml2's xmlTextWriter, CSV quoting through libcsv.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <csv.h>
#include <libxml/xmlwriter.h>

#include "csprecon/cli.h"
#include "csprecon/master.h"
#include "csprecon/report.h"
#include "csprecon/util.h"
#include "csprecon/ingest_xml.h"
#include "csprecon/banned.h"

struct out {
	FILE *fp;      /* plain output, or NULL */
	gzFile gz;     /* gzip output, or NULL */
	int failed;
	int err;       /* errno of the first failure */
};

/* Record the first failure with its errno while it is still true: later
 * calls (SQLite's among them) overwrite errno. */
static void out_failed(struct out *o, int err)
{
	if (o->failed)
		return;
	o->failed = 1;
	o->err = err ? err : EIO;
	if (o->fp == stdout)
		util_stdout_errno = o->err;
}

static void out_write(struct out *o, const void *p, size_t n)
{
	int zerr;

	if (o->failed || !n)
		return;
	if (o->gz) {
		if (gzwrite(o->gz, p, (unsigned)n) != (int)n) {
			gzerror(o->gz, &zerr);
			out_failed(o, zerr == Z_ERRNO ? errno : EIO);
		}
	} else if (fwrite(p, 1, n, o->fp) != n) {
		out_failed(o, errno);
	}
}

static int xml_write_cb(void *ctx, const char *buf, int len)
{
	struct out *o = ctx;

	out_write(o, buf, (size_t)len);
	return o->failed ? -1 : len;
}

static int xml_close_cb(void *ctx)
{
	(void)ctx;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

static void csv_cell(struct out *o, const char *v, int last)
{
	size_t len = strlen(v);

	if (strpbrk(v, ",\"\r\n") || (len && (v[0] == ' ' || v[len - 1] == ' '))) {
		/* csv_write quotes and doubles quotes; size it first. */
		size_t need = csv_write(NULL, 0, v, len);
		char *buf = xmalloc(need);

		csv_write(buf, need, v, len);
		out_write(o, buf, need);
		free(buf);
	} else {
		out_write(o, v, len);
	}
	out_write(o, last ? "\n" : ",", 1);
}

static int write_rows(struct master *m, enum entity e, int xml, struct out *o)
{
	const struct entity_def *d = &entity_defs[e];
	xmlTextWriterPtr w = NULL;
	struct strbuf sql;
	sqlite3_stmt *s;
	size_t i;
	int rc, bad = 0;

	strbuf_init(&sql);
	strbuf_addstr(&sql, "SELECT ");
	for (i = 0; i < d->ncols; i++)
		strbuf_addf(&sql, "%s%s", i ? ", " : "", d->cols[i].name);
	strbuf_addf(&sql, " FROM main.%s WHERE retired_run IS NULL ORDER BY ",
		    d->name);
	for (i = 0; i < d->nkey; i++)
		strbuf_addf(&sql, "%s%s", i ? ", " : "",
			    d->cols[d->key[i]].name);
	s = m_prepare(m, sql.buf);
	strbuf_release(&sql);
	if (!s)
		return -1;
	if (xml) {
		xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(
			xml_write_cb, xml_close_cb, o, NULL);

		w = ob ? xmlNewTextWriter(ob) : NULL;
		if (!w) {
			sqlite3_finalize(s);
			return error("cannot start the XML writer");
		}
		xmlTextWriterSetIndent(w, 1);
		bad |= xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0;
		bad |= xmlTextWriterStartElementNS(w, NULL,
			(const xmlChar *)d->xml_root, (const xmlChar *)"urn:csprecon:batch:1") < 0;
	} else {
		for (i = 0; i < d->ncols; i++)
			csv_cell(o, d->cols[i].name, i + 1 == d->ncols);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && !bad) {
		if (xml)
			bad |= xmlTextWriterStartElement(w,
				(const xmlChar *)d->xml_record) < 0;
		for (i = 0; i < d->ncols; i++) {
			const char *v = (const char *)
				sqlite3_column_text(s, (int)i);

			if (!xml)
				csv_cell(o, v ? v : "", i + 1 == d->ncols);
			else if (v)
				bad |= xmlTextWriterWriteElement(w,
					(const xmlChar *)d->cols[i].xml, (const xmlChar *)v) < 0;
		}
		if (xml)
			bad |= xmlTextWriterEndElement(w) < 0;
	}
	if (rc != SQLITE_DONE && !bad)
		m_fail(m, "read");
	sqlite3_finalize(s);
	if (xml) {
		bad |= xmlTextWriterEndDocument(w) < 0;
		xmlFreeTextWriter(w);
	}
	return bad || m->failed || o->failed ? -1 : 0;
}

int cmd_export(struct cli *cli)
{
	enum entity e = cli->run.entity;
	const char *path = cli->output;
	struct master m;
	struct out o = { NULL, NULL, 0, 0 };
	char *tmp = NULL;
	int xml, gz, code, ret, fd, rc;

	if (e == ENTITY_NONE || cli->nfiles) {
		error("export: give --entity E and no operands (try 'csprecon "
		      "export --help')");
		return EXIT_USAGE;
	}
	gz = path && ends_with(path, ".gz");
	xml = cli->export_format ? !strcmp(cli->export_format, "xml") :
	      path && (ends_with(path, ".xml") || ends_with(path, ".xml.gz"));
	code = master_open(&m, cli->master, MASTER_READ,
			   (int)cli->lock_timeout);
	if (code) {
		master_close(&m);
		return code;
	}
	/* libxml2 would print its own "I/O error" beside ours. */
	xml_init();
	if (path) {
		fd = report_create_temp(path, &tmp);
		if (fd >= 0) {
			if (gz)
				o.gz = gzdopen(fd, "wb6");
			else
				o.fp = fdopen(fd, "wb");
			if (!o.gz && !o.fp) {
				o.err = errno;
				close(fd);
				unlink(tmp);
				errno = o.err;
			}
		}
		if (!o.gz && !o.fp) {
			error("cannot create '%s': %s", path, strerror(errno));
			free(tmp);
			master_close(&m);
			xml_release();
			return EXIT_CANTCREATE;
		}
	} else {
		o.fp = stdout;
	}
	ret = write_rows(&m, e, xml, &o);
	if (o.gz && (rc = gzclose(o.gz)) != Z_OK) {
		out_failed(&o, rc == Z_ERRNO ? errno : EIO);
		ret = -1;
	}
	if (path && o.fp && fclose(o.fp) != 0) {
		out_failed(&o, errno);
		ret = -1;
	}
	if (path && ret == 0 && rename(tmp, path) < 0) {
		out_failed(&o, errno);
		ret = -1;
	}
	if (path && ret < 0)
		unlink(tmp);
	free(tmp);
	/* A failure on standard output is main()'s to print, with o.err. */
	if (ret < 0 && !m.failed && (path || !o.failed))
		error("cannot write '%s': %s", path ? path : "standard output",
		      o.failed ? strerror(o.err) : "the XML writer failed");
	code = ret < 0 ? (m.failed ? m.exit_code : EXIT_IOERR) : EXIT_OK;
	master_close(&m);
	xml_release();
	return code;
}
