/* schema.h -- the entities of a batch and their columns (SPEC §2).
 *
 * One table per entity drives everything column-related: header matching
 * with aliases, XML element names, required/optional, value types, length
 * limits, enum spellings, defaults and keys.  One enum per entity names its
 * columns (RES_COUNTRY, REL_CUSTOMER_COUNTRY, ...): code reads a column of
 * a record by that name, never by a number.  The tables are static and
 * read-only; nothing here allocates.
 */
#ifndef CSPRECON_SCHEMA_H
#define CSPRECON_SCHEMA_H

#include <stddef.h>

enum entity {
	ENTITY_NONE = -1,
	ENTITY_RESELLERS = 0,
	ENTITY_MPN_IDS,
	ENTITY_RELATIONSHIPS,
	ENTITY_COUNT
};

enum col_type {
	COL_TEXT,    /* free text, length-limited */
	COL_NAME,    /* company name: text plus the NAME_INVALID rule */
	COL_GUID,
	COL_MPN,
	COL_COUNTRY,
	COL_EMAIL,
	COL_DOMAIN,
	COL_DOMAINS, /* ';'-separated domain names */
	COL_ENUM,
	COL_BOOL,
	COL_DATE
};

/* One accepted spelling of an enum value and the value it stands for. */
struct enum_word {
	const char *word;  /* as written, compared case-insensitively */
	const char *value; /* canonical value stored */
};

/* The columns of each entity, in the order of its table in schema.c (the
 * order of a header's names in an export and of a row's values in its
 * content hash); the last member counts them. */
enum reseller_col {
	RES_TENANT_ID,
	RES_NAME,
	RES_COUNTRY,
	RES_MPN_ID,
	RES_CONTACT_NAME,
	RES_CONTACT_EMAIL,
	RES_RELATIONSHIP,
	RES_MPA_SIGNED,
	RES_ADMIN_ACCESS,
	RES_DOMAINS,
	RES_NCOLS
};

enum mpn_col {
	MPN_MPN_ID,
	MPN_TYPE,
	MPN_COUNTRY,
	MPN_NAME,
	MPN_GLOBAL_MPN_ID,
	MPN_STATUS,
	MPN_NCOLS
};

enum relationship_col {
	REL_CUSTOMER_TENANT_ID,
	REL_CUSTOMER_NAME,
	REL_CUSTOMER_DOMAIN,
	REL_CUSTOMER_COUNTRY,
	REL_RESELLER_TENANT_ID,
	REL_RESELLER_MPN_ID,
	REL_RELATIONSHIP_TO_PARTNER,
	REL_STATE,
	REL_DAP,
	REL_SINCE,
	REL_NCOLS
};

/* The most columns an entity has: the size of a record's arrays. */
#define COL_MAX2(a, b) ((int)(a) > (int)(b) ? (int)(a) : (int)(b))
enum {
	ENTITY_MAX_COLS = COL_MAX2(RES_NCOLS, COL_MAX2(MPN_NCOLS, REL_NCOLS))
};
#undef COL_MAX2

/* The stage keeps a row's bad columns as the bits of one SQLite integer
 * (bit i: column i), and a cross-entity rule tests them the same way. */
_Static_assert(ENTITY_MAX_COLS < 63, "a row's bad columns fit in 63 bits");

#define COL_MAX_ALIASES 6

struct column {
	const char *name;    /* canonical snake_case name */
	const char *xml;     /* lowerCamelCase XML element name */
	const char *aliases[COL_MAX_ALIASES]; /* normalised, NULL-terminated */
	enum col_type type;
	int required;        /* empty value is REQUIRED */
	size_t max_chars;    /* TOO_LONG above this many characters */
	const struct enum_word *words; /* COL_ENUM: NULL-terminated list */
	const char *def;     /* value stored when empty or absent, or NULL */
	int mpn_length_check; /* MPN_LENGTH_UNUSUAL applies */
	int xref;            /* read by the cross-entity rules */
};

struct entity_def {
	const char *name;       /* "resellers" */
	const char *xml_root;   /* "resellers" */
	const char *xml_record; /* "reseller" */
	const struct column *cols;
	size_t ncols;
	size_t key[2];          /* the key's columns (*_col enum) */
	size_t nkey;            /* 1 or 2 */
	const char *key_name;   /* the key's columns, '+'-joined, for reports */
};

extern const struct entity_def entity_defs[ENTITY_COUNT];

/* The entity named by s ("resellers", "mpn_ids", "relationships"; '-'
 * accepted for '_'), or ENTITY_NONE. */
enum entity entity_by_name(const char *s);

/* Normalise a header cell for matching: ASCII lower case, with ' ', '_',
 * '-' and '/' all turned into '_', surrounding white space dropped.  Writes
 * at most outsz bytes including the NUL; returns -1 if it did not fit. */
int column_normalise(const char *s, size_t len, char *out, size_t outsz);

/* Index of the column of entity e matching the normalised header name, or
 * -1. */
int column_find(enum entity e, const char *normalised);

/* The entity a CSV header describes (SPEC §2 "File formats"): relationships
 * when a customer_tenant_id column is present, else mpn_ids when a type
 * column is present, else resellers when tenant_id and contact_email are.
 * names are normalised header cells. */
enum entity entity_detect(char *const *names, size_t n);

#endif
