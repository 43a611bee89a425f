/* glue.c: SQLite module trampolines and API wrappers for package vtab.
**
** Built two ways from the same source (the cgo CFLAGS decide):
**   - with SQLITE_CORE (default Go build): sqlite3_* are direct calls into
**     the SQLite that github.com/mattn/go-sqlite3 bundles; the package
**     installs osq_init with sqlite3_auto_extension.
**   - without it (build tag outlooksql_ext): every call goes through the
**     host's sqlite3_api table and sqlite3_outlooksql_init is the entry
**     point of a loadable extension.
** The C code only marshals; all decisions are made in Go. */
#include <string.h>
#include "glue.h"
#include "_cgo_export.h"

#ifndef SQLITE_CORE
/* SQLITE_EXTENSION_INIT1, but hidden so that no other shared object can
** bind to this extension's copy. */
__attribute__((visibility("hidden"))) const sqlite3_api_routines *sqlite3_api = 0;
#endif

/* osq_version is sqlite3_libversion_number() of the SQLite in use, set
** before any module or function is registered. */
static int osq_version = 0;

/* ---- module trampolines ---- */

static int vtConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                     sqlite3_vtab **ppVtab, char **pzErr) {
	osq_client *cd = (osq_client *)pAux;
	uintptr_t h = 0;
	osq_vtab *v;
	int rc;
	v = (osq_vtab *)sqlite3_malloc(sizeof(*v));
	if (v == 0) return SQLITE_NOMEM;
	memset(v, 0, sizeof(*v));
	rc = osqConnect(db, cd->conn, cd->idx, argc, (char **)argv, &h, pzErr);
	if (rc != SQLITE_OK) {
		sqlite3_free(v);
		return rc;
	}
	v->h = h;
	*ppVtab = &v->base;
	return SQLITE_OK;
}

static int vtBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *info) {
	return osqBestIndex(pVtab, ((osq_vtab *)pVtab)->h, info);
}

static int vtDisconnect(sqlite3_vtab *pVtab) {
	osqDisconnect(((osq_vtab *)pVtab)->h);
	sqlite3_free(pVtab->zErrMsg);
	sqlite3_free(pVtab);
	return SQLITE_OK;
}

static int vtOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
	uintptr_t h = 0;
	osq_cursor *c;
	int rc;
	c = (osq_cursor *)sqlite3_malloc(sizeof(*c));
	if (c == 0) return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	rc = osqOpen(pVtab, ((osq_vtab *)pVtab)->h, &h);
	if (rc != SQLITE_OK) {
		sqlite3_free(c);
		return rc;
	}
	c->h = h;
	*ppCursor = &c->base;
	return SQLITE_OK;
}

static int vtClose(sqlite3_vtab_cursor *cur) {
	osqClose(((osq_cursor *)cur)->h);
	sqlite3_free(((osq_cursor *)cur)->res.buf);
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int vtFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr,
                    int argc, sqlite3_value **argv) {
	return osqFilter(cur, ((osq_cursor *)cur)->h, idxNum, (char *)idxStr, argc, argv);
}

static int vtNext(sqlite3_vtab_cursor *cur) {
	return osqNext(cur, ((osq_cursor *)cur)->h);
}

static int vtEof(sqlite3_vtab_cursor *cur) {
	return osqEof(((osq_cursor *)cur)->h);
}

static int vtColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
	osq_cursor *c = (osq_cursor *)cur;
	osq_result *r = &c->res;
	int rc;
	r->type = 0;
	rc = osqColumn(cur, c->h, ctx, col, r);
	if (rc != SQLITE_OK) return rc;
	switch (r->type) {
	case SQLITE_NULL: sqlite3_result_null(ctx); break;
	case SQLITE_INTEGER: sqlite3_result_int64(ctx, r->i); break;
	case SQLITE_FLOAT: sqlite3_result_double(ctx, r->f); break;
	case SQLITE_TEXT: osq_result_text(ctx, r->buf, r->n); break;
	case SQLITE_BLOB: osq_result_blob(ctx, r->buf, r->n); break;
	}
	return SQLITE_OK;
}

static int vtRowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *pRowid) {
	return osqRowid(cur, ((osq_cursor *)cur)->h, pRowid);
}

/* ---- writes (osq_module_rw) ---- */

static int vtUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv, sqlite3_int64 *pRowid) {
	return osqUpdate(pVtab, ((osq_vtab *)pVtab)->h, argc, argv, pRowid);
}

static int vtBegin(sqlite3_vtab *pVtab) { return osqTxn(pVtab, ((osq_vtab *)pVtab)->h, OSQ_BEGIN); }
static int vtSync(sqlite3_vtab *pVtab) { return osqTxn(pVtab, ((osq_vtab *)pVtab)->h, OSQ_SYNC); }
static int vtCommit(sqlite3_vtab *pVtab) { return osqTxn(pVtab, ((osq_vtab *)pVtab)->h, OSQ_COMMIT); }
static int vtRollback(sqlite3_vtab *pVtab) { return osqTxn(pVtab, ((osq_vtab *)pVtab)->h, OSQ_ROLLBACK); }

static int vtSavepoint(sqlite3_vtab *pVtab, int n) {
	return osqSavepoint(pVtab, ((osq_vtab *)pVtab)->h, OSQ_SAVEPOINT, n);
}
static int vtRelease(sqlite3_vtab *pVtab, int n) {
	return osqSavepoint(pVtab, ((osq_vtab *)pVtab)->h, OSQ_RELEASE, n);
}
static int vtRollbackTo(sqlite3_vtab *pVtab, int n) {
	return osqSavepoint(pVtab, ((osq_vtab *)pVtab)->h, OSQ_ROLLBACK_TO, n);
}

/* Eponymous-only (xCreate == 0), read-only (xUpdate == 0): SQLite refuses
** writes when it prepares them ("table NAME may not be modified"). */
static sqlite3_module osq_module = {
	0,            /* iVersion */
	0,            /* xCreate */
	vtConnect,    /* xConnect */
	vtBestIndex,  /* xBestIndex */
	vtDisconnect, /* xDisconnect */
	0,            /* xDestroy */
	vtOpen,       /* xOpen */
	vtClose,      /* xClose */
	vtFilter,     /* xFilter */
	vtNext,       /* xNext */
	vtEof,        /* xEof */
	vtColumn,     /* xColumn */
	vtRowid,      /* xRowid */
	0,            /* xUpdate */
	0,            /* xBegin */
	0,            /* xSync */
	0,            /* xCommit */
	0,            /* xRollback */
	0,            /* xFindFunction */
	0,            /* xRename */
	0,            /* xSavepoint */
	0,            /* xRelease */
	0,            /* xRollbackTo */
	0,            /* xShadowName */
	0             /* xIntegrity */
};

/* Eponymous-only and writable: iVersion 2, with xUpdate and the transaction
** and savepoint callbacks, for modules that declare themselves writable. */
static sqlite3_module osq_module_rw = {
	2,             /* iVersion */
	0,             /* xCreate */
	vtConnect,     /* xConnect */
	vtBestIndex,   /* xBestIndex */
	vtDisconnect,  /* xDisconnect */
	0,             /* xDestroy */
	vtOpen,        /* xOpen */
	vtClose,       /* xClose */
	vtFilter,      /* xFilter */
	vtNext,        /* xNext */
	vtEof,         /* xEof */
	vtColumn,      /* xColumn */
	vtRowid,       /* xRowid */
	vtUpdate,      /* xUpdate */
	vtBegin,       /* xBegin */
	vtSync,        /* xSync */
	vtCommit,      /* xCommit */
	vtRollback,    /* xRollback */
	0,             /* xFindFunction */
	0,             /* xRename */
	vtSavepoint,   /* xSavepoint */
	vtRelease,     /* xRelease */
	vtRollbackTo,  /* xRollbackTo */
	0,             /* xShadowName */
	0              /* xIntegrity */
};

/* The same two, creatable: xCreate == xConnect keeps the table eponymous
** and also lets CREATE VIRTUAL TABLE t USING module(args) store a table of
** the module in a database file's schema (the module's Go side checks the
** arguments). Dropping such a table deletes nothing but the schema entry. */
static sqlite3_module osq_module_c = {
	0,            /* iVersion */
	vtConnect,    /* xCreate */
	vtConnect,    /* xConnect */
	vtBestIndex,  /* xBestIndex */
	vtDisconnect, /* xDisconnect */
	vtDisconnect, /* xDestroy */
	vtOpen,       /* xOpen */
	vtClose,      /* xClose */
	vtFilter,     /* xFilter */
	vtNext,       /* xNext */
	vtEof,        /* xEof */
	vtColumn,     /* xColumn */
	vtRowid,      /* xRowid */
	0,            /* xUpdate */
	0,            /* xBegin */
	0,            /* xSync */
	0,            /* xCommit */
	0,            /* xRollback */
	0,            /* xFindFunction */
	0,            /* xRename */
	0,            /* xSavepoint */
	0,            /* xRelease */
	0,            /* xRollbackTo */
	0,            /* xShadowName */
	0             /* xIntegrity */
};

static sqlite3_module osq_module_rw_c = {
	2,            /* iVersion */
	vtConnect,    /* xCreate */
	vtConnect,    /* xConnect */
	vtBestIndex,  /* xBestIndex */
	vtDisconnect, /* xDisconnect */
	vtDisconnect, /* xDestroy */
	vtOpen,       /* xOpen */
	vtClose,      /* xClose */
	vtFilter,     /* xFilter */
	vtNext,       /* xNext */
	vtEof,        /* xEof */
	vtColumn,     /* xColumn */
	vtRowid,      /* xRowid */
	vtUpdate,     /* xUpdate */
	vtBegin,      /* xBegin */
	vtSync,       /* xSync */
	vtCommit,     /* xCommit */
	vtRollback,   /* xRollback */
	0,            /* xFindFunction */
	0,            /* xRename */
	vtSavepoint,  /* xSavepoint */
	vtRelease,    /* xRelease */
	vtRollbackTo, /* xRollbackTo */
	0,            /* xShadowName */
	0             /* xIntegrity */
};

static sqlite3_module *osq_module_for(int writable, int creatable) {
	if (creatable) return writable ? &osq_module_rw_c : &osq_module_c;
	return writable ? &osq_module_rw : &osq_module;
}

/* vtClientFree is the destructor of module and function client data; it
** runs when the connection closes (or registration fails). */
static void vtClientFree(void *p) {
	osq_client *cd = (osq_client *)p;
	osqRelease(cd->conn);
	sqlite3_free(cd);
}

static osq_client *vtClientNew(sqlite3_int64 conn, int idx) {
	osq_client *cd = (osq_client *)sqlite3_malloc(sizeof(*cd));
	if (cd == 0) return 0;
	cd->conn = conn;
	cd->idx = idx;
	return cd;
}

int osq_create_module(sqlite3 *db, const char *name, sqlite3_int64 conn, int idx, int writable, int creatable) {
	osq_client *cd = vtClientNew(conn, idx);
	if (cd == 0) {
		osqRelease(conn);
		return SQLITE_NOMEM;
	}
	/* On failure SQLite calls vtClientFree itself. */
	return sqlite3_create_module_v2(db, name, osq_module_for(writable, creatable), cd,
	                                vtClientFree);
}

static void vtFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
	osq_client *cd = (osq_client *)sqlite3_user_data(ctx);
	osqFunc(ctx, cd->conn, cd->idx, argc, argv);
}

int osq_create_function(sqlite3 *db, const char *name, int nArg, sqlite3_int64 conn, int idx, int pure) {
	osq_client *cd = vtClientNew(conn, idx);
	if (cd == 0) {
		osqRelease(conn);
		return SQLITE_NOMEM;
	}
	/* Every function is SQLITE_DIRECTONLY (3.30+, which osqConnInit
	** requires): it runs in the user's own SQL, never from a view or
	** trigger that a database file brings, so a file cannot make the
	** extension act (e.g. reconfigure it to send tokens elsewhere).
	** On failure SQLite calls vtClientFree itself. */
	/* A pure function (pure != 0: no side effects, its result depends on
	** its arguments only) is DETERMINISTIC and INNOCUOUS instead, so that
	** views, indexes and generated columns may use it as they use the
	** built-in functions. */
	return sqlite3_create_function_v2(db, name, nArg,
	                                  SQLITE_UTF8 | (pure ? SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS : SQLITE_DIRECTONLY),
	                                  cd, vtFunc, 0, 0, vtClientFree);
}

/* ---- connection setup ---- */

static int osq_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
	SQLITE_EXTENSION_INIT2(pApi);
	osq_version = sqlite3_libversion_number();
#ifdef SQLITE_CORE
	/* Setup prepares statements (osq_compiles), which read the schema:
	** wait for a lock another process holds on the file, as the driver
	** does later (mattn's default busy timeout, 5 s), instead of
	** failing the open with "database is locked". */
	sqlite3_busy_timeout(db, 5000);
#endif
	osq_math_init(db);
	return osqConnInit(db, pzErrMsg);
}

#ifdef SQLITE_CORE
int osq_install(void) {
	return sqlite3_auto_extension((void (*)(void))osq_init);
}
#else
/* The loadable-extension entry point; SQLite finds it from the file name
** outlooksql.so, or name it: .load ./x.so sqlite3_outlooksql_init */
__attribute__((visibility("default"))) int sqlite3_outlooksql_init(
	sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
	return osq_init(db, pzErrMsg, pApi);
}
#endif

/* ---- wrappers ---- */

int osq_libversion_number(void) { return osq_version; }

int osq_complete(const char *sql) { return sqlite3_complete(sql); }

int osq_compiles(sqlite3 *db, const char *sql) {
	sqlite3_stmt *st = 0;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		/* Clear the connection's error: sqlite3_open reports the error
		** code its automatic extensions leave. A statement that
		** prepares resets it. */
		st = 0;
		sqlite3_prepare_v2(db, "SELECT 1", -1, &st, 0);
		sqlite3_finalize(st);
	}
	return rc == SQLITE_OK;
}

int osq_declare_vtab(sqlite3 *db, const char *sql) { return sqlite3_declare_vtab(db, sql); }

char *osq_errmsg(const char *p, int n) {
	return sqlite3_mprintf("%.*s", n, p ? p : "");
}

void osq_set_vtab_error(sqlite3_vtab *vt, const char *p, int n) {
	sqlite3_free(vt->zErrMsg);
	vt->zErrMsg = osq_errmsg(p, n);
}

char *osq_idxstr(const char *p, int n) {
	char *s = (char *)sqlite3_malloc(n + 1);
	if (s == 0) return 0;
	if (n > 0) memcpy(s, p, n);
	s[n] = 0;
	return s;
}

int osq_is_interrupted(sqlite3 *db) {
	if (osq_version < 3041000) return 0;
	return sqlite3_is_interrupted(db);
}

const char *osq_collation(sqlite3_index_info *info, int i) {
	if (osq_version < 3022000) return 0;
	return sqlite3_vtab_collation(info, i);
}

int osq_vtab_in(sqlite3_index_info *info, int i, int handle) {
	if (osq_version < 3038000) return 0;
	return sqlite3_vtab_in(info, i, handle);
}

int osq_distinct(sqlite3_index_info *info) {
	if (osq_version < 3038000) return 0;
	return sqlite3_vtab_distinct(info);
}

void osq_value_get(sqlite3_value *v, osq_value *out) {
	out->type = sqlite3_value_type(v);
	out->p = 0;
	out->n = 0;
	switch (out->type) {
	case SQLITE_INTEGER:
		out->i = sqlite3_value_int64(v);
		break;
	case SQLITE_FLOAT:
		out->f = sqlite3_value_double(v);
		break;
	case SQLITE_TEXT:
		out->p = sqlite3_value_text(v);
		out->n = sqlite3_value_bytes(v);
		break;
	case SQLITE_BLOB:
		out->p = sqlite3_value_blob(v);
		out->n = sqlite3_value_bytes(v);
		break;
	}
}

void osq_values_get(int argc, sqlite3_value **argv, osq_value *out) {
	int i;
	for (i = 0; i < argc; i++) osq_value_get(argv[i], &out[i]);
}

void osq_update_values(int argc, sqlite3_value **argv, osq_value *out) {
	int i;
	for (i = 0; i < argc; i++) {
		osq_value_get(argv[i], &out[i]);
		if (sqlite3_value_nochange(argv[i])) out[i].type = OSQ_NOCHANGE;
	}
}

int osq_vtab_nochange(sqlite3_context *ctx) { return sqlite3_vtab_nochange(ctx); }

int osq_vtab_directonly(sqlite3 *db) {
	if (osq_version < 3031000) return SQLITE_MISUSE;
	return sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
}

int osq_rhs_value(sqlite3_index_info *info, int i, osq_value *out) {
	sqlite3_value *v = 0;
	int rc;
	if (osq_version < 3038000) return SQLITE_NOTFOUND;
	rc = sqlite3_vtab_rhs_value(info, i, &v);
	if (rc == SQLITE_OK && v) osq_value_get(v, out);
	return rc;
}

int osq_in_first(sqlite3_value *list, osq_value *out) {
	sqlite3_value *v = 0;
	int rc;
	if (osq_version < 3038000) return SQLITE_ERROR;
	rc = sqlite3_vtab_in_first(list, &v);
	if (rc == SQLITE_OK && v) osq_value_get(v, out);
	return rc;
}

int osq_in_next(sqlite3_value *list, osq_value *out) {
	sqlite3_value *v = 0;
	int rc;
	if (osq_version < 3038000) return SQLITE_ERROR;
	rc = sqlite3_vtab_in_next(list, &v);
	if (rc == SQLITE_OK && v) osq_value_get(v, out);
	return rc;
}

void osq_free(void *p) { sqlite3_free(p); }

void osq_result_null(sqlite3_context *ctx) { sqlite3_result_null(ctx); }

void osq_result_int64(sqlite3_context *ctx, sqlite3_int64 v) { sqlite3_result_int64(ctx, v); }

void osq_result_double(sqlite3_context *ctx, double v) { sqlite3_result_double(ctx, v); }

void osq_result_text(sqlite3_context *ctx, const char *p, int n) {
	sqlite3_result_text(ctx, n > 0 ? p : "", n, SQLITE_TRANSIENT);
}

void osq_result_blob(sqlite3_context *ctx, const void *p, int n) {
	if (n > 0) {
		sqlite3_result_blob(ctx, p, n, SQLITE_TRANSIENT);
	} else {
		sqlite3_result_zeroblob(ctx, 0);
	}
}

void osq_result_error(sqlite3_context *ctx, const char *p, int n) {
	sqlite3_result_error(ctx, n > 0 ? p : "", n);
}

int osq_result_reserve(osq_result *r, int n) {
	char *p;
	if (n <= r->cap) return 1;
	p = (char *)sqlite3_realloc(r->buf, n);
	if (p == 0) return 0;
	r->buf = p;
	r->cap = n;
	return 1;
}
