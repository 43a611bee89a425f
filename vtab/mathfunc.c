/* mathfunc.c: SQLite's SQL math functions, for a SQLite built without
** SQLITE_ENABLE_MATH_FUNCTIONS (mattn/go-sqlite3's default build).
**
** The bodies are SQLite's own (func.c of SQLite 3.54.1, public domain), so
** results, NULLs and domain errors are exactly those of a SQLite built with
** the option: a NULL or non-numeric argument gives NULL; an argument
** outside the domain gives NULL (log of x <= 0) or NaN, which
** sqlite3_result_double turns into NULL (sqrt(-1), acos(2)); ceil, floor
** and trunc return integers unchanged. osq_math_init registers them only on
** a connection whose SQLite does not already have them, so a host's own
** built-in functions are never replaced. */
#include <math.h>
#include "glue.h"

#ifndef SQLITE_CORE
__attribute__((visibility("hidden"))) extern const sqlite3_api_routines *sqlite3_api;
#endif

#ifndef M_PI
#define M_PI 3.141592653589793238462643383279502884
#endif

static void ceilingFunc(sqlite3_context *context, int argc, sqlite3_value **argv) {
	(void)argc;
	switch (sqlite3_value_numeric_type(argv[0])) {
	case SQLITE_INTEGER:
		sqlite3_result_int64(context, sqlite3_value_int64(argv[0]));
		break;
	case SQLITE_FLOAT: {
		double (*x)(double) = (double (*)(double))sqlite3_user_data(context);
		sqlite3_result_double(context, x(sqlite3_value_double(argv[0])));
		break;
	}
	default:
		break;
	}
}

static double xCeil(double x) { return ceil(x); }
static double xFloor(double x) { return floor(x); }
static double xTrunc(double x) { return trunc(x); }

/* ln(X), log(X) and log10(X), log2(X), log(B,X). As in SQLite, log(B,X)
** is NULL unless B > 1 and X > 0 (its log(B) must be positive). */
static void logFunc(sqlite3_context *context, int argc, sqlite3_value **argv) {
	double x, b, ans;
	switch (sqlite3_value_numeric_type(argv[0])) {
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		x = sqlite3_value_double(argv[0]);
		if (x <= 0.0) return;
		break;
	default:
		return;
	}
	if (argc == 2) {
		switch (sqlite3_value_numeric_type(argv[0])) {
		case SQLITE_INTEGER:
		case SQLITE_FLOAT:
			b = log(x);
			if (b <= 0.0) return;
			x = sqlite3_value_double(argv[1]);
			if (x <= 0.0) return;
			break;
		default:
			return;
		}
		ans = log(x) / b;
	} else {
		switch ((int)(intptr_t)sqlite3_user_data(context)) {
		case 1:
			ans = log10(x);
			break;
		case 2:
			ans = log2(x);
			break;
		default:
			ans = log(x);
			break;
		}
	}
	sqlite3_result_double(context, ans);
}

static double degToRad(double x) { return x * (M_PI / 180.0); }
static double radToDeg(double x) { return x * (180.0 / M_PI); }

static void math1Func(sqlite3_context *context, int argc, sqlite3_value **argv) {
	int type0;
	double v0, ans;
	double (*x)(double);
	(void)argc;
	type0 = sqlite3_value_numeric_type(argv[0]);
	if (type0 != SQLITE_INTEGER && type0 != SQLITE_FLOAT) return;
	v0 = sqlite3_value_double(argv[0]);
	x = (double (*)(double))sqlite3_user_data(context);
	ans = x(v0);
	sqlite3_result_double(context, ans);
}

static void math2Func(sqlite3_context *context, int argc, sqlite3_value **argv) {
	int type0, type1;
	double v0, v1, ans;
	double (*x)(double, double);
	(void)argc;
	type0 = sqlite3_value_numeric_type(argv[0]);
	if (type0 != SQLITE_INTEGER && type0 != SQLITE_FLOAT) return;
	type1 = sqlite3_value_numeric_type(argv[1]);
	if (type1 != SQLITE_INTEGER && type1 != SQLITE_FLOAT) return;
	v0 = sqlite3_value_double(argv[0]);
	v1 = sqlite3_value_double(argv[1]);
	x = (double (*)(double, double))sqlite3_user_data(context);
	ans = x(v0, v1);
	sqlite3_result_double(context, ans);
}

static void piFunc(sqlite3_context *context, int argc, sqlite3_value **argv) {
	(void)argc;
	(void)argv;
	sqlite3_result_double(context, M_PI);
}

typedef struct osq_mathfn {
	const char *name;
	int nArg;
	void *data;
	void (*fn)(sqlite3_context *, int, sqlite3_value **);
} osq_mathfn;

/* The list of SQLite's func.c under SQLITE_ENABLE_MATH_FUNCTIONS (with
** SQLITE_HAVE_C99_MATH_FUNCS, as on every platform Go supports). */
static const osq_mathfn osq_mathfns[] = {
	{"ceil", 1, (void *)xCeil, ceilingFunc},
	{"ceiling", 1, (void *)xCeil, ceilingFunc},
	{"floor", 1, (void *)xFloor, ceilingFunc},
	{"trunc", 1, (void *)xTrunc, ceilingFunc},
	{"ln", 1, (void *)0, logFunc},
	{"log", 1, (void *)1, logFunc},
	{"log10", 1, (void *)1, logFunc},
	{"log2", 1, (void *)2, logFunc},
	{"log", 2, (void *)0, logFunc},
	{"exp", 1, (void *)exp, math1Func},
	{"pow", 2, (void *)pow, math2Func},
	{"power", 2, (void *)pow, math2Func},
	{"mod", 2, (void *)fmod, math2Func},
	{"acos", 1, (void *)acos, math1Func},
	{"asin", 1, (void *)asin, math1Func},
	{"atan", 1, (void *)atan, math1Func},
	{"atan2", 2, (void *)atan2, math2Func},
	{"cos", 1, (void *)cos, math1Func},
	{"sin", 1, (void *)sin, math1Func},
	{"tan", 1, (void *)tan, math1Func},
	{"cosh", 1, (void *)cosh, math1Func},
	{"sinh", 1, (void *)sinh, math1Func},
	{"tanh", 1, (void *)tanh, math1Func},
	{"acosh", 1, (void *)acosh, math1Func},
	{"asinh", 1, (void *)asinh, math1Func},
	{"atanh", 1, (void *)atanh, math1Func},
	{"sqrt", 1, (void *)sqrt, math1Func},
	{"radians", 1, (void *)degToRad, math1Func},
	{"degrees", 1, (void *)radToDeg, math1Func},
	{"pi", 0, (void *)0, piFunc},
};

void osq_math_init(sqlite3 *db) {
	size_t i;
	/* A SQLite with the math functions has all of them, pi() included. */
	if (osq_compiles(db, "SELECT pi()")) return;
	for (i = 0; i < sizeof(osq_mathfns) / sizeof(osq_mathfns[0]); i++) {
		const osq_mathfn *f = &osq_mathfns[i];
		/* Failure (out of memory) leaves the function missing, which the
		** user's SQL then reports; the connection is still usable. */
		sqlite3_create_function_v2(db, f->name, f->nArg,
		                           SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
		                           f->data, f->fn, 0, 0, 0);
	}
}
