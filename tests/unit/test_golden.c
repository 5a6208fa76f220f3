/*
 * test_golden.c: unit tests for lib/golden (golden files, bands, the
 * tolerance rule) and lib/plotrun (runs as series).  Expected numbers are
 * worked out by hand (the arithmetic is in the comments) or come from the
 * paper's Table 6; the shipped golden/ files are checked to read and to
 * declare schedules lib/sched parses.  Reads golden/ and tests/data/runs/
 * from the top of the tree; writes nothing.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "golden.h"
#include "jsonio.h"
#include "plotrun.h"
#include "sched.h"
#include "util.h"

#define NEAR(a, b)	assert_true(fabs((a) - (b)) < 1e-9)

static json_t *
doc_of(const char *text)
{
	json_error_t je;
	json_t *d = json_loads(text, 0, &je);

	assert_non_null(d);
	return d;
}

#define HEAD	"{\"type\":\"golden\",\"version\":1,\"name\":\"t\"," \
		"\"source\":{\"kind\":\"paper\"},\"axis\":\"epoch\","

static void
test_parse_band_forms(void **state)
{
	struct golden g;
	char err[256];
	json_t *d;

	(void)state;
	d = doc_of(HEAD "\"curves\":{\"test\":{\"points\":["
	    "{\"epoch\":1,\"acc\":0.5,\"tol\":0.1},"
	    "{\"epoch\":3,\"iter\":1056,\"acc\":0.7,\"lo\":0.6,\"hi\":0.8}]}},"
	    "\"final\":{\"epoch\":3,\"acc\":0.7,\"tol\":0.02}}");
	assert_int_equal(golden_parse(d, &g, err, sizeof(err)), 0);
	json_decref(d);
	assert_string_equal(g.name, "t");
	assert_int_equal(g.ncurve, 1);
	assert_string_equal(g.curve[0].split, "test");
	assert_int_equal(g.curve[0].n, 2);
	/* tol 0.1 around 0.5 */
	NEAR(g.curve[0].pt[0].lo, 0.4);
	NEAR(g.curve[0].pt[0].hi, 0.6);
	assert_true(isnan(g.curve[0].pt[0].iter));
	NEAR(g.curve[0].pt[1].iter, 1056);
	/* The final record defaults to the test split. */
	assert_true(g.final.present);
	assert_string_equal(g.final.split, "test");
	NEAR(g.final.lo, 0.68);
	NEAR(g.final.hi, 0.72);
	assert_true(isnan(g.final.iter));
	assert_ptr_equal(golden_find(&g, "test"), &g.curve[0]);
	assert_null(golden_find(&g, "val"));
	golden_free(&g);
}

static void
expect_error(const char *text, const char *want)
{
	struct golden g;
	char err[256];
	json_t *d = doc_of(text);

	assert_int_equal(golden_parse(d, &g, err, sizeof(err)), -1);
	json_decref(d);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	expect_error("[1]", "not a JSON object");
	expect_error("{\"type\":\"run\"}", "not a golden file");
	expect_error("{\"type\":\"golden\",\"version\":2,\"name\":\"t\"}",
	    "unsupported \"version\"");
	expect_error("{\"type\":\"golden\",\"version\":1}", "no \"name\"");
	expect_error("{\"type\":\"golden\",\"version\":1,\"name\":\"t\","
	    "\"source\":{}}", "no \"source\"");
	expect_error(HEAD "\"final\":{\"acc\":0.9}}", "or \"tol\"");
	expect_error(HEAD "\"final\":{\"acc\":91.25,\"tol\":1}}",
	    "not a fraction");
	expect_error(HEAD "\"final\":{\"acc\":0.9,\"lo\":0.91,\"hi\":0.95}}",
	    "does not hold");
	expect_error(HEAD "\"curves\":{}}", "neither");
	expect_error(HEAD "\"curves\":{\"test\":{\"points\":[]}}}",
	    "no \"points\"");
	expect_error(HEAD "\"curves\":{\"test\":{\"points\":["
	    "{\"iter\":1,\"acc\":0.5,\"tol\":0}]}}}", "no numeric \"epoch\"");
	expect_error(HEAD "\"curves\":{\"test\":{\"points\":["
	    "{\"epoch\":2,\"acc\":0.5,\"tol\":0},"
	    "{\"epoch\":2,\"acc\":0.5,\"tol\":0}]}}}", "does not ascend");
	expect_error("{\"type\":\"golden\",\"version\":1,\"name\":\"t\","
	    "\"source\":{\"kind\":\"paper\"},\"axis\":\"step\"}", "\"axis\"");
}

static void
test_band_interpolates(void **state)
{
	struct golden_point pts[2] = {
		{ 1, 1, 352, 0.5, 0.4, 0.6 },
		{ 3, 3, 1056, 0.7, 0.6, 0.8 }
	};
	struct golden_curve c = { "test", pts, 2 };
	struct golden_point b;

	(void)state;
	/* Half-way between the two points. */
	assert_int_equal(golden_band(&c, 2, &b), 0);
	NEAR(b.acc, 0.6);
	NEAR(b.lo, 0.5);
	NEAR(b.hi, 0.7);
	NEAR(b.iter, 704);
	/* On a point, and an epoch computed as iter / ipe. */
	assert_int_equal(golden_band(&c, 1056.0 / 352, &b), 0);
	NEAR(b.acc, 0.7);
	assert_int_equal(golden_band(&c, 0.5, &b), -1);
	assert_int_equal(golden_band(&c, 3.5, &b), -1);
}

static void
test_binomial(void **state)
{
	(void)state;
	/* sqrt(0.9125 * 0.0875 / 10000) = 0.00282566 (REFERENCE 1.5). */
	assert_true(fabs(golden_binom_se(0.9125, 10000) - 0.0028256636) <
	    1e-9);
	NEAR(golden_binom_se(0.5, 100), 0.05);
	NEAR(golden_binom_se(1, 10000), 0);
	assert_true(isnan(golden_binom_se(0.5, 0)));
	assert_true(isnan(golden_binom_se(1.5, 10)));
}

static void
test_jitter(void **state)
{
	const double line[5] = { 1, 2, 3, 4, 5 };
	const double zig[5] = { 0, 1, 0, 1, 0 };
	const double lr[5] = { 0.1, 0.1, 0.1, 0.01, 0.01 };
	double s[5];
	int i;

	(void)state;
	/* A straight line has no second difference. */
	golden_jitter(line, NULL, 5, 3, s);
	for (i = 0; i < 5; i++)
		NEAR(s[i], 0);
	/* Every residual is +-1: s = sqrt(1 / 1.5) = 0.81649658. */
	golden_jitter(zig, NULL, 5, 10, s);
	for (i = 0; i < 5; i++)
		NEAR(s[i], sqrt(1 / 1.5));
	/*
	 * Phases: only point 1 has both neighbours at its rate; the points
	 * at 0.01 have no residual of their own phase.
	 */
	golden_jitter(zig, lr, 5, 10, s);
	NEAR(s[0], sqrt(1 / 1.5));
	NEAR(s[1], sqrt(1 / 1.5));
	NEAR(s[2], sqrt(1 / 1.5));
	NEAR(s[3], 0);
	NEAR(s[4], 0);
	/* Window 1 around point 4 reaches only point 3, which has none. */
	golden_jitter(zig, NULL, 5, 1, s);
	NEAR(s[4], sqrt(1 / 1.5));
	NEAR(s[0], sqrt(1 / 1.5));
}

static void
test_make_two_runs(void **state)
{
	const double x[2] = { 1, 2 }, it[2] = { 352, 704 };
	const double a1[2] = { 0.80, 0.90 }, a2[2] = { 0.82, 0.88 };
	struct golden_run r[2] = {
		{ x, it, a1, NULL, 2 }, { x, it, a2, NULL, 2 }
	};
	struct golden_rule rule = { 2, 3, 0, 10000 };
	struct golden_curve c;

	(void)state;
	golden_make_curve(r, 2, &rule, 1, &c);
	assert_int_equal(c.n, 2);
	/*
	 * Means 0.81 and 0.89, sample sd sqrt(0.0002) at both; half-width
	 * 2 * sqrt(0.81 * 0.19 / 1e4 + 0.0002) = 0.0293523423.
	 */
	NEAR(c.pt[0].acc, 0.81);
	assert_true(fabs(c.pt[0].lo - 0.7806476577) < 1e-9);
	assert_true(fabs(c.pt[0].hi - 0.8393523423) < 1e-9);
	assert_true(fabs(c.pt[1].lo - 0.8610317415) < 1e-9);
	assert_true(fabs(c.pt[1].hi - 0.9189682585) < 1e-9);
	NEAR(c.pt[1].epoch, 2);
	NEAR(c.pt[1].iter, 704);
	free(c.pt);
}

static void
test_make_uneven_runs(void **state)
{
	const double x1[3] = { 1, 2, 3 }, x2[2] = { 1, 2 };
	const double a1[3] = { 0.5, 0.7, 0.8 }, a2[2] = { 0.5, 0.7 };
	struct golden_run r[2] = {
		{ x1, NULL, a1, NULL, 3 }, { x2, NULL, a2, NULL, 2 }
	};
	/* n = 1e12 makes the binomial term vanish. */
	struct golden_rule rule = { 1, 3, 0.01, 1e12 };
	struct golden_curve c;

	(void)state;
	golden_make_curve(r, 2, &rule, 1, &c);
	assert_int_equal(c.n, 3);
	/* Two runs agree at x = 1, 2: sd 0, so the floor 0.01 holds. */
	assert_true(fabs(c.pt[0].hi - 0.51) < 1e-6);
	assert_true(fabs(c.pt[1].lo - 0.69) < 1e-6);
	/*
	 * x = 3 has one run: the jitter of the mean curve 0.5, 0.7, 0.8,
	 * residual 0.7 - 0.65 = 0.05, s = sqrt(0.0025 / 1.5) = 0.0408248.
	 */
	assert_true(fabs(c.pt[2].hi - (0.8 + 0.0408248290)) < 1e-6);
	assert_true(isnan(c.pt[2].iter));
	NEAR(c.pt[2].epoch, 3);
	free(c.pt);
}

static void
test_write_reads_back(void **state)
{
	struct golden_point pts[2] = {
		{ 1, 1, 352, 0.5, 0.4, 0.6 },
		{ 2, 2, 704, 0.7, 0.6, 0.8 }
	};
	struct golden_curve c = { "test", pts, 2 };
	struct golden g;
	char *buf, err[256];
	size_t len;
	json_t *doc, *curves, *cv, *back;
	FILE *fp;

	(void)state;
	doc = doc_of(HEAD "\"recipe\":{\"batch\":128}}");
	curves = json_object();
	cv = json_object();
	json_object_set_new(cv, "points", golden_curve_json(&c));
	json_object_set_new(curves, "test", cv);
	json_object_set_new(doc, "curves", curves);
	fp = open_memstream(&buf, &len);
	assert_int_equal(golden_write(fp, doc), 0);
	fclose(fp);
	/* Points sit one a line, and the text reads back the same. */
	assert_non_null(strstr(buf, "\n        {\"epoch\":1,\"iter\":352,"
	    "\"acc\":0.5,\"lo\":0.4,\"hi\":0.6},\n"));
	back = doc_of(buf);
	assert_true(json_equal(back, doc));
	assert_int_equal(golden_parse(back, &g, err, sizeof(err)), 0);
	NEAR(g.curve[0].pt[1].hi, 0.8);
	golden_free(&g);
	json_decref(back);
	json_decref(doc);
	free(buf);
}

/* Table 6 of He et al. 2016: test error in percent. */
static const struct {
	const char	*file;
	int		 depth;
	double		 err;
} table6[] = {
	{ "golden/resnet20-paper.json", 20, 8.75 },
	{ "golden/resnet32-paper.json", 32, 7.51 },
	{ "golden/resnet44-paper.json", 44, 7.17 },
	{ "golden/resnet56-paper.json", 56, 6.97 },
	{ "golden/resnet110-paper.json", 110, 6.61 },	/* mean of 5 */
};

static void
test_paper_goldens(void **state)
{
	struct golden g;
	char err[512];
	size_t i;
	double best;

	(void)state;
	for (i = 0; i < sizeof(table6) / sizeof(table6[0]); i++) {
		if (golden_read(table6[i].file, &g, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_int_equal(g.depth, table6[i].depth);
		assert_true(g.final.present);
		NEAR(g.final.acc, 1 - table6[i].err / 100);
		NEAR(g.final.iter, 64000);
		assert_true(g.final.lo < g.final.acc);
		assert_true(g.final.hi > g.final.acc);
		golden_free(&g);
	}
	/* ResNet-110: 6.43 best, 6.61 +/- 0.16 over 5 runs. */
	assert_int_equal(golden_read("golden/resnet110-paper.json", &g, err,
	    sizeof(err)), 0);
	assert_int_equal(json_get_num(json_object_get(g.doc, "final"),
	    "best", &best), 0);
	NEAR(best, 1 - 0.0643);
	golden_free(&g);
}

static void
test_every_golden_schedule_parses(void **state)
{
	struct dirent *de;
	struct golden g;
	struct sched s;
	const char *text;
	char path[512], err[512];
	int n = 0;
	DIR *d;

	(void)state;
	assert_non_null(d = opendir("golden"));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "golden/%s", de->d_name);
		if (golden_read(path, &g, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		text = json_get_str(json_object_get(g.doc, "recipe"),
		    "schedule");
		if (text == NULL || sched_parse(text, &s, err,
		    sizeof(err)) != 0)
			fail_msg("%s: schedule: %s", path, text ? err :
			    "missing");
		golden_free(&g);
		n++;
	}
	closedir(d);
	assert_true(n >= 8);
}

static void
test_plotrun_rn_train(void **state)
{
	const char *const want[] = { "lr", "test_*", NULL };
	struct plotrun pr;
	struct series *t, *lr;
	struct plotcurve c;
	char err[512];

	(void)state;
	if (plotrun_load(&pr, "tests/data/runs/fork20.jsonl", NULL, want,
	    err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(pr.ipe, 352);
	assert_null(plotrun_series(&pr, "val_acc"));	/* not wanted */
	assert_non_null(t = plotrun_series(&pr, "test_acc"));
	assert_int_equal(t->n, 23);
	assert_non_null(lr = plotrun_series(&pr, "lr"));
	/* Eval 21 is at iteration 21 * 352 = 7392. */
	NEAR(plotrun_x(&pr, t, 20, 0), 21);
	NEAR(plotrun_x(&pr, t, 20, 1), 7392);
	/* The last update before iteration 7040 ran at 0.1, after at 0.01. */
	NEAR(series_before(lr, 7040), 0.1);
	NEAR(series_before(lr, 7041), 0.01);
	assert_true(isnan(series_before(lr, 0)));
	assert_int_equal(series_to_fraction(t), 0);
	plotrun_curve(&pr, t, 0, &c, NULL);
	assert_int_equal(c.n, 23);
	NEAR(c.x2[22], 8096);
	NEAR(c.v[22], 0.8815);
	plotcurve_free(&c);
	plotrun_free(&pr);
}

static void
test_plotrun_curve_order(void **state)
{
	long long step[5] = { 200, 100, 300, 200, -1 };
	double epoch[5] = { NAN, NAN, NAN, NAN, 4 };
	double v[5] = { 60, 50, 70, 65, 80 };
	struct series s = { "val/acc", step, epoch, v, 5, 5 };
	struct plotrun pr;
	struct plotcurve c;
	size_t dropped;

	(void)state;
	memset(&pr, 0, sizeof(pr));
	pr.ipe = 100;
	/* Percentages become fractions. */
	assert_int_equal(series_to_fraction(&s), 1);
	NEAR(v[0], 0.6);
	/*
	 * Sorted by x; step 200 twice (a resumed run): the later 0.65 wins;
	 * the point with only an epoch lands at 4 * 100.
	 */
	plotrun_curve(&pr, &s, 1, &c, &dropped);
	assert_int_equal(dropped, 0);
	assert_int_equal(c.n, 4);
	NEAR(c.x[0], 100);
	NEAR(c.x[1], 200);
	NEAR(c.v[1], 0.65);
	NEAR(c.x[3], 400);
	NEAR(c.x2[1], 2);
	plotcurve_free(&c);
	/* Without iterations per epoch, steps cannot become epochs. */
	pr.ipe = 0;
	plotrun_curve(&pr, &s, 0, &c, &dropped);
	assert_int_equal(dropped, 4);
	assert_int_equal(c.n, 1);
	NEAR(c.x[0], 4);
	plotcurve_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_band_forms),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_band_interpolates),
		cmocka_unit_test(test_binomial),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_make_two_runs),
		cmocka_unit_test(test_make_uneven_runs),
		cmocka_unit_test(test_write_reads_back),
		cmocka_unit_test(test_paper_goldens),
		cmocka_unit_test(test_every_golden_schedule_parses),
		cmocka_unit_test(test_plotrun_rn_train),
		cmocka_unit_test(test_plotrun_curve_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
