/* sql.h -- SQL text made from the column tables (schema.h), for the stage,
 * the master map, classification and the apply.
 *
 * The text is built from identifiers of our own static tables only, never
 * from data; values are always bound.  Each function appends to sb, which
 * must be a strbuf that grows (strbuf_init(), util.h), so a statement is
 * never cut short.  Aliases (a, b, p) are the caller's table aliases.
 */
#ifndef CSPRECON_SQL_H
#define CSPRECON_SQL_H

#include "csprecon/master.h"
#include "csprecon/schema.h"
#include "csprecon/util.h"

/* "p.c1, p.c2, ..." for every column of e (p may be ""). */
void sql_col_list(struct strbuf *sb, enum entity e, const char *p);
/* "a.k1 = b.k1 AND a.k2 = b.k2": the key columns of e, joined. */
void sql_key_join(struct strbuf *sb, enum entity e, const char *a,
		  const char *b);
/* The key text of a row of e as the stage writes it: "a.k1", or
 * "a.k1 || '+' || a.k2". */
void sql_key_expr(struct strbuf *sb, enum entity e, const char *a);
/* "a.k1, a.k2": the key columns, in the order of the master's primary
 * key. */
void sql_key_order(struct strbuf *sb, enum entity e, const char *a);
/* "a.k1, a.k2", or "a.k1, NULL" for a one-column key: the two key
 * columns of STAGE_ACT (stage.h). */
void sql_key_pair(struct strbuf *sb, enum entity e, const char *a);
/* " m.k1 = a.k1 [AND m.k2 = a.k2]": master row m to its STAGE_ACT row
 * a. */
void sql_act_join(struct strbuf *sb, enum entity e);
/* "CASE expr WHEN 0 THEN 'resellers' ... END": the name of the entity
 * whose number expr is, from the entity table. */
void sql_entity_name(struct strbuf *sb, const char *expr);

/* Whether the master has no row at all of entity e; 0 when it cannot
 * tell (a statement that cannot be prepared is printed and fails the
 * connection). */
int sql_master_empty(struct master *m, enum entity e);

#endif
