/* validate.c -- field-level rules on one record.  See validate.h. */
#include <stdio.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "csprecon/dedup.h"
#include "csprecon/validate.h"
#include "csprecon/util.h"
#include "csprecon/values.h"
#include "csprecon/webmail.h"
#include "csprecon/banned.h"

static void set_val(struct record *rec, int i, const char *v, size_t len)
{
	rec->val[i] = v;
	rec->val_len[i] = len;
}

static int bad(struct run *run, struct record *rec, int i, enum rule rule,
	       const char *msg)
{
	rec->bad[i] = 1;
	set_val(rec, i, rec->raw[i], rec->raw_len[i]);
	return run_finding(run, rec->src, 0, rec, i, rule, rec->raw[i],
			   rec->raw_len[i], "%s", msg);
}

/* "not one of: a, b, c": the values of an enumerated column, each once. */
static void enum_list(struct strbuf *sb, const struct enum_word *w)
{
	const char *last = NULL;

	strbuf_addstr(sb, "not one of: ");
	for (; w->word; w++) {
		if (last && !strcmp(last, w->value))
			continue;
		strbuf_addf(sb, "%s%s", last ? ", " : "", w->value);
		last = w->value;
	}
}

static void check_domains(struct run *run, struct record *rec, int i)
{
	const char *p = rec->raw[i], *end = p + rec->raw_len[i];

	set_val(rec, i, rec->raw[i], rec->raw_len[i]);
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *d = p;
		size_t n = (size_t)((semi ? semi : end) - p);

		trim(&d, &n);
		if (n && value_domain(d, n) < 0) {
			rec->bad[i] = 1;
			run_finding(run, rec->src, 0, rec, i, RULE_DOMAIN_INVALID,
				    d, n, "not a domain name");
		}
		p = semi ? semi + 1 : end;
	}
}

static void check_value(struct run *run, struct record *rec, int i)
{
	const struct column *c = &entity_defs[rec->entity].cols[i];
	const char *v = rec->raw[i];
	size_t len = rec->raw_len[i], chars;
	char buf[64];
	int b;

	/* A key GUID validate_key parsed: short, ASCII and valid. */
	if (rec->key_guid[i]) {
		set_val(rec, i, rec->norm[i], VALUE_GUID_LEN);
		return;
	}
	if (rec->cut[i]) {
		snprintf(buf, sizeof(buf), "longer than %d bytes", FIELD_MAX);
		bad(run, rec, i, RULE_TOO_LONG, buf);
		return;
	}
	if (!len) {
		if (c->required) {
			rec->bad[i] = 1;
			set_val(rec, i, NULL, 0);
			run_finding(run, rec->src, 0, rec, i, RULE_REQUIRED, "",
				    0, "required value is empty");
			return;
		}
		set_val(rec, i, c->def, c->def ? strlen(c->def) : 0);
		return;
	}
	if (value_text_check(v, len) < 0) {
		bad(run, rec, i, RULE_ENCODING_INVALID,
		    "not valid UTF-8, or contains a NUL or control "
		    "character");
		return;
	}
	set_val(rec, i, v, len);
	switch (c->type) {
	case COL_TEXT:
	case COL_NAME:
		chars = value_text_chars(v, len);
		if (c->max_chars && chars > c->max_chars) {
			snprintf(buf, sizeof(buf), "%zu characters; at most %zu",
				 chars, c->max_chars);
			bad(run, rec, i, RULE_TOO_LONG, buf);
		} else if (c->type == COL_NAME && value_name(v, len) < 0) {
			bad(run, rec, i, RULE_NAME_INVALID,
			    "not a company name (one character or only "
			    "symbols)");
		}
		break;
	case COL_GUID:
		if (value_guid(v, len, rec->norm[i]) < 0)
			bad(run, rec, i, RULE_GUID_INVALID, "not a GUID");
		else
			set_val(rec, i, rec->norm[i], VALUE_GUID_LEN);
		break;
	case COL_MPN:
		if (value_mpn(v, len) < 0) {
			bad(run, rec, i, RULE_MPN_INVALID,
			    "not a PartnerID (1 to 10 digits)");
		} else if (c->mpn_length_check && (len < 6 || len > 7)) {
			snprintf(buf, sizeof(buf), "%zu", len);
			run_finding(run, rec->src, 0, rec, i,
				    RULE_MPN_LENGTH_UNUSUAL, v, len,
				    "PartnerID has %s digits; real ones have "
				    "6 or 7", buf);
		}
		break;
	case COL_COUNTRY:
		if (value_country(v, len, rec->norm[i]) < 0)
			bad(run, rec, i, RULE_COUNTRY_INVALID,
			    "not an ISO 3166-1 country (alpha-2, alpha-3 or "
			    "English name)");
		else
			set_val(rec, i, rec->norm[i], 2);
		break;
	case COL_EMAIL:
		if (value_email(v, len, NULL, NULL) < 0)
			bad(run, rec, i, RULE_EMAIL_INVALID,
			    "not an email address");
		break;
	case COL_DOMAIN:
		if (value_domain(v, len) < 0)
			bad(run, rec, i, RULE_DOMAIN_INVALID,
			    "not a domain name");
		break;
	case COL_DOMAINS:
		check_domains(run, rec, i);
		break;
	case COL_ENUM: {
		const struct enum_word *w;
		struct strbuf list;

		for (w = c->words; w->word; w++)
			if (value_is(v, len, w->word))
				break;
		if (w->word) {
			set_val(rec, i, w->value, strlen(w->value));
		} else {
			strbuf_init(&list);
			enum_list(&list, c->words);
			bad(run, rec, i, RULE_ENUM_INVALID, list.buf);
			strbuf_release(&list);
		}
		break;
	}
	case COL_BOOL:
		if (value_bool(v, len, &b) < 0)
			bad(run, rec, i, RULE_ENUM_INVALID, "not a boolean "
			    "(yes/no, true/false, 1/0, y/n)");
		else
			set_val(rec, i, b ? "yes" : "no", b ? 3 : 2);
		break;
	case COL_DATE:
		if (value_date(v, len) < 0)
			bad(run, rec, i, RULE_DATE_INVALID,
			    "not an ISO 8601 date (YYYY-MM-DD or a timestamp)");
		break;
	}
}

/* EMAIL_WEBMAIL and EMAIL_DOMAIN_MISMATCH on a reseller. */
static void check_contact(struct run *run, struct record *rec)
{
	const char *email = rec->val[RES_CONTACT_EMAIL];
	size_t email_len = rec->val_len[RES_CONTACT_EMAIL];
	const char *dom, *p, *end;
	size_t dlen;
	int listed = 0;

	if (rec->bad[RES_CONTACT_EMAIL] || !email ||
	    value_email(email, email_len, &dom, &dlen) < 0)
		return;
	if (webmail_match(run->webmail, dom, dlen))
		run_finding(run, rec->src, 0, rec, RES_CONTACT_EMAIL,
			    RULE_EMAIL_WEBMAIL, email, email_len, "%s",
			    WEBMAIL_MESSAGE);
	if (rec->bad[RES_DOMAINS] || !rec->val[RES_DOMAINS])
		return;
	p = rec->val[RES_DOMAINS];
	end = p + rec->val_len[RES_DOMAINS];
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *d = p;
		size_t n = (size_t)((semi ? semi : end) - p);

		trim(&d, &n);
		if (n && value_domain_within(dom, dlen, d, n))
			return;
		listed |= n > 0;
		p = semi ? semi + 1 : end;
	}
	if (listed)
		run_finding(run, rec->src, 0, rec, RES_CONTACT_EMAIL,
			    RULE_EMAIL_DOMAIN_MISMATCH, email, email_len,
			    "contact email's domain is not one of the "
			    "reseller's domains");
}

/* The key before any finding is recorded, so that every finding of the row
 * carries it: normalised when every key column parses, else the raw text
 * (and the record takes no part in duplicate detection). */
int validate_key(struct record *rec)
{
	const struct entity_def *d = &entity_defs[rec->entity];
	size_t k, pos = 0, n;
	int ok = 1;

	rec->key[0] = '\0';
	memset(rec->key_guid, 0, sizeof(rec->key_guid));
	for (k = 0; k < d->nkey; k++) {
		size_t i = d->key[k];
		const char *v = rec->raw[i];

		n = rec->raw_len[i];
		if (d->cols[i].type == COL_GUID && !rec->cut[i] &&
		    value_guid(v, n, rec->norm[i]) == 0) {
			rec->key_guid[i] = 1;
			v = rec->norm[i];
			n = VALUE_GUID_LEN;
		} else if (d->cols[i].type != COL_MPN || rec->cut[i] ||
			   value_mpn(v, n) < 0) {
			ok = 0;
		}
		if (k && pos + 1 < sizeof(rec->key))
			rec->key[pos++] = '+';
		if (n > sizeof(rec->key) - 1 - pos)
			n = sizeof(rec->key) - 1 - pos, ok = 0;
		memcpy(rec->key + pos, v, n);
		pos += n;
		rec->key[pos] = '\0';
	}
	/* A raw key is shown as given; keep it printable. */
	if (!ok && value_text_check(rec->key, pos) < 0)
		rec->key[0] = '\0';
	return ok;
}

/* XXH3-64 of, per column, its length as 8 bytes (all ones for none) and
 * its bytes: stored in the master as row_hash, so never to change.  A row
 * that fits in the buffer is hashed in one call, which gives the same
 * value as the streaming state. */
static uint64_t content_hash(const struct record *rec)
{
	const struct entity_def *d = &entity_defs[rec->entity];
	unsigned char buf[2048];
	size_t i, pos = 0;
	XXH3_state_t st;

	for (i = 0; i < d->ncols; i++) {
		uint64_t n = rec->val[i] ? rec->val_len[i] : UINT64_MAX;
		size_t need = sizeof(n) + (rec->val[i] ? rec->val_len[i] : 0);

		if (need > sizeof(buf) - pos)
			break;
		memcpy(buf + pos, &n, sizeof(n));
		pos += sizeof(n);
		if (rec->val[i]) {
			memcpy(buf + pos, rec->val[i], rec->val_len[i]);
			pos += rec->val_len[i];
		}
	}
	if (i == d->ncols)
		return XXH3_64bits(buf, pos);
	XXH3_64bits_reset(&st);
	for (i = 0; i < d->ncols; i++) {
		uint64_t n = rec->val[i] ? rec->val_len[i] : UINT64_MAX;

		XXH3_64bits_update(&st, &n, sizeof(n));
		if (rec->val[i])
			XXH3_64bits_update(&st, rec->val[i], rec->val_len[i]);
	}
	return XXH3_64bits_digest(&st);
}

void validate_begin(struct run *run, struct record *rec)
{
	rec->errors = rec->warnings = 0;
	memset(rec->bad, 0, sizeof(rec->bad));
	rec->key_ok = validate_key(rec);
	if (rec->key_ok)
		dedup_probe(run->dedup, rec->entity, rec->key, &rec->probe);
}

int validate_end(struct run *run, struct record *rec)
{
	const struct entity_def *d = &entity_defs[rec->entity];
	size_t i;

	for (i = 0; i < d->ncols; i++)
		check_value(run, rec, (int)i);
	if (rec->entity == ENTITY_RESELLERS)
		check_contact(run, rec);
	rec->hash = content_hash(rec);
	rec->repeat = rec->key_ok && !dedup_add(run->dedup, &rec->probe,
						rec->entity, rec->key,
						rec->hash,
						(int)rec->src->no, rec->line,
						rec->errors > 0);
	return rec->errors;
}
