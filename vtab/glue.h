/* glue.h: the C side of package vtab, shared by glue.c and the cgo preambles.
**
** Go never calls sqlite3_* directly: in the extension build (no SQLITE_CORE)
** those names are macros over the sqlite3_api table, which cgo cannot call.
** Go calls the osq_* wrappers below instead; glue.c implements them the same
** way in both builds. */
#ifndef OUTLOOKSQL_VTAB_GLUE_H
#define OUTLOOKSQL_VTAB_GLUE_H

#include <stdint.h>
#include <stdlib.h>
#include "sqlite3ext.h"

/* None of the glue is visible outside a shared object built from it: SQLite
** loads extensions with RTLD_GLOBAL, so exported names would leak into the
** host. Only sqlite3_outlooksql_init (glue.c) is exported. */
#pragma GCC visibility push(hidden)

/* osq_vtab and osq_cursor carry the cgo.Handle of the Go side. */
typedef struct osq_vtab {
	sqlite3_vtab base;
	uintptr_t h;
} osq_vtab;

/* osq_result is the value Go gives back from xColumn: vtColumn sets it
** when the Go call returns, so a column costs one cgo crossing, not two.
** Text and blob bytes are copied into buf, which the cursor owns. */
typedef struct osq_result {
	int type; /* 0: nothing to set; else SQLITE_INTEGER, _FLOAT, _TEXT, _BLOB, _NULL */
	sqlite3_int64 i;
	double f;
	int n;     /* bytes of text or blob in buf */
	char *buf; /* sqlite3_malloc'd; grown by osq_result_reserve */
	int cap;
} osq_result;

typedef struct osq_cursor {
	sqlite3_vtab_cursor base;
	uintptr_t h;
	osq_result res;
} osq_cursor;

/* osq_value is one sqlite3_value read in a single cgo call. */
typedef struct osq_value {
	int type; /* SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL */
	sqlite3_int64 i;
	double f;
	const void *p; /* text or blob bytes */
	int n;         /* their length */
} osq_value;

/* The type osq_update_values gives an unchanged column. */
#define OSQ_NOCHANGE (-1)

/* The transaction callbacks, as osqTxn and osqSavepoint receive them. */
enum {
	OSQ_BEGIN = 1,
	OSQ_SYNC,
	OSQ_COMMIT,
	OSQ_ROLLBACK,
	OSQ_SAVEPOINT,
	OSQ_RELEASE,
	OSQ_ROLLBACK_TO
};

/* Registration on one connection; called from Go's connection setup. */
int osq_create_module(sqlite3 *db, const char *name, sqlite3_int64 conn, int idx, int writable, int creatable);
int osq_create_function(sqlite3 *db, const char *name, int nArg, sqlite3_int64 conn, int idx, int pure);
/* osq_math_init (mathfunc.c) registers SQLite's math functions on a
** connection whose SQLite lacks them (built without
** SQLITE_ENABLE_MATH_FUNCTIONS, as mattn's default build is). */
void osq_math_init(sqlite3 *db);

/* Wrappers. Those marked "(version)" degrade when the host SQLite is older
** than the interface: osq_vtab_in/_in_first/_rhs_value/_distinct need 3.38,
** osq_collation 3.22, osq_is_interrupted 3.41. */
int osq_libversion_number(void);
int osq_complete(const char *sql);
/* osq_compiles reports whether sql prepares on db (e.g. whether a function
** exists). */
int osq_compiles(sqlite3 *db, const char *sql);
int osq_declare_vtab(sqlite3 *db, const char *sql);
void osq_set_vtab_error(sqlite3_vtab *vt, const char *p, int n);
char *osq_errmsg(const char *p, int n);
char *osq_idxstr(const char *p, int n);
int osq_is_interrupted(sqlite3 *db);                                  /* (version) */
const char *osq_collation(sqlite3_index_info *info, int i);           /* (version) */
int osq_vtab_in(sqlite3_index_info *info, int i, int handle);         /* (version) */
int osq_rhs_value(sqlite3_index_info *info, int i, osq_value *out);    /* (version) */
int osq_distinct(sqlite3_index_info *info);                           /* (version) */
int osq_in_first(sqlite3_value *list, osq_value *out);                 /* (version) */
int osq_in_next(sqlite3_value *list, osq_value *out);                  /* (version) */
void osq_value_get(sqlite3_value *v, osq_value *out);
void osq_values_get(int argc, sqlite3_value **argv, osq_value *out);
/* osq_update_values is osq_values_get for xUpdate: a value SQLite marks
** unchanged (sqlite3_value_nochange) gets type OSQ_NOCHANGE. */
void osq_update_values(int argc, sqlite3_value **argv, osq_value *out);
int osq_vtab_nochange(sqlite3_context *ctx);
/* osq_vtab_directonly is sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY),
** for xConnect; SQLITE_MISUSE on a host older than 3.31. */
int osq_vtab_directonly(sqlite3 *db);
void osq_free(void *p);

void osq_result_null(sqlite3_context *ctx);
void osq_result_int64(sqlite3_context *ctx, sqlite3_int64 v);
void osq_result_double(sqlite3_context *ctx, double v);
void osq_result_text(sqlite3_context *ctx, const char *p, int n);
void osq_result_blob(sqlite3_context *ctx, const void *p, int n);
void osq_result_error(sqlite3_context *ctx, const char *p, int n);
/* osq_result_reserve grows r->buf to at least n bytes; 0 when out of memory. */
int osq_result_reserve(osq_result *r, int n);

/* Client data of a module or function: which connection, which entry. */
typedef struct osq_client {
	sqlite3_int64 conn;
	int idx;
} osq_client;

#pragma GCC visibility pop

#endif
