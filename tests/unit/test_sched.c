/*
 * test_sched.c: the schedule grammar.  Rates are checked against values
 * worked out by hand and against PyTorch's schedulers (torch 2.x, SGD
 * lr 0.1, values read from param_groups[0]["lr"] before update i; the
 * script that produced them is quoted above each table).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sched.h"

struct pt {
	long long	iter;
	double		lr;
};

static void
parse_ok(const char *text, struct sched *s)
{
	char err[256] = "";

	if (sched_parse(text, s, err, sizeof(err)) != 0)
		fail_msg("sched_parse(\"%s\"): %s", text, err);
}

static void
near(double got, double want, double rel, const char *what, long long i)
{
	double tol = rel * fmax(fabs(want), 1e-300);

	if (!(fabs(got - want) <= tol))
		fail_msg("%s at %lld: got %.17g, want %.17g", what, i, got,
		    want);
}

static void
check_table(const char *text, long long ipe, const struct pt *t, size_t n,
    double rel)
{
	struct sched s;
	size_t i;

	parse_ok(text, &s);
	for (i = 0; i < n; i++)
		near(sched_lr(&s, t[i].iter, ipe), t[i].lr, rel, text,
		    t[i].iter);
}

/* MultiStepLR(opt, [32000, 48000], 0.1) */
static void
test_multistep_torch(void **state)
{
	static const struct pt t[] = {
		{ 0, 0.1 }, { 31999, 0.1 }, { 32000, 0.010000000000000002 },
		{ 47999, 0.010000000000000002 },
		{ 48000, 0.0010000000000000002 },
		{ 63999, 0.0010000000000000002 },
	};

	check_table("multistep:lr=0.1,milestones=32000/48000,gamma=0.1", 352,
	    t, sizeof(t) / sizeof(t[0]), 1e-15);
	check_table("paper", 352, t, sizeof(t) / sizeof(t[0]), 1e-15);
	check_table("multistep:lr=0.1,milestones=32k/48k", 1, t,
	    sizeof(t) / sizeof(t[0]), 1e-15);
}

/* CosineAnnealingLR(opt, T_max=1000, eta_min=0.001) */
static void
test_cosine_torch(void **state)
{
	static const struct pt t[] = {
		{ 0, 0.1 }, { 1, 0.09999975572749199 },
		{ 250, 0.0855017856687341 }, { 500, 0.05049999999999996 },
		{ 999, 0.0010002442725080185 }, { 1000, 0.001 },
	};

	check_table("cosine:lr=0.1,total=1000,min=0.001", 1, t,
	    sizeof(t) / sizeof(t[0]), 1e-9);
}

/* OneCycleLR(opt, max_lr=0.1, total_steps=1000) and a second setting. */
static void
test_onecycle_torch(void **state)
{
	static const struct pt a[] = {
		{ 0, 0.0040000000000000036 }, { 1, 0.00400264950421679 },
		{ 150, 0.05225216681225469 }, { 298, 0.09999735049578322 },
		{ 299, 0.1 }, { 300, 0.09999949645161448 },
		{ 600, 0.06090731844117886 }, { 998, 9.035483855369959e-07 },
		{ 999, 4e-07 },
	};
	/* max_lr=0.4, total 100, pct_start .25, div 10, final_div 100 */
	static const struct pt b[] = {
		{ 0, 0.03999999999999998 }, { 10, 0.17341257188154627 },
		{ 24, 0.4 }, { 25, 0.3998247414537519 },
		{ 60, 0.21274554580195684 }, { 99, 0.0004 },
	};

	check_table("onecycle:lr=0.1,total=1000", 1, a,
	    sizeof(a) / sizeof(a[0]), 1e-9);
	check_table("onecycle:lr=0.4,total=100,pct=0.25,div=10,final_div=100",
	    1, b, sizeof(b) / sizeof(b[0]), 1e-9);
}

/* ExponentialLR(opt, 0.99) and StepLR(opt, 30, 0.5). */
static void
test_exp_step_torch(void **state)
{
	static const struct pt e[] = {
		{ 0, 0.1 }, { 1, 0.099 }, { 10, 0.09043820750088044 },
		{ 100, 0.03660323412732295 },
	};
	static const struct pt s[] = {
		{ 0, 0.1 }, { 29, 0.1 }, { 30, 0.05 }, { 59, 0.05 },
		{ 60, 0.025 }, { 95, 0.0125 },
	};

	check_table("exp:lr=0.1,gamma=0.99", 1, e, sizeof(e) / sizeof(e[0]),
	    1e-12);
	check_table("step:lr=0.1,every=30,gamma=0.5", 1, s,
	    sizeof(s) / sizeof(s[0]), 1e-15);
}

/*
 * Epoch units: with 352 iterations per epoch, 91ep is iteration 32032,
 * and a scheduler stepped per epoch changes only at boundaries.
 */
static void
test_epochs(void **state)
{
	struct sched s;

	parse_ok("multistep:lr=0.1,milestones=91ep/136ep", &s);
	assert_true(sched_lr(&s, 32031, 352) == 0.1);
	near(sched_lr(&s, 32032, 352), 0.01, 1e-12, "91ep", 32032);
	near(sched_lr(&s, 136 * 352 - 1, 352), 0.01, 1e-12, "136ep", 0);
	near(sched_lr(&s, 136 * 352, 352), 0.001, 1e-12, "136ep", 1);
	assert_true(dur_iters(s.milestones[0], 352) == 32032);
	/* Cosine over 10 epochs of 5 iterations: constant inside epoch 2. */
	parse_ok("cosine:lr=1,total=10ep", &s);
	near(sched_lr(&s, 10, 5), (1 + cos(M_PI * 2 / 10)) / 2, 1e-14,
	    "cos", 10);
	near(sched_lr(&s, 14, 5), (1 + cos(M_PI * 2 / 10)) / 2, 1e-14,
	    "cos", 14);
	assert_int_equal(sched_is_piecewise(&s), 1);
	/* A mixed schedule: 400-iteration warm-up, epoch milestones. */
	parse_ok("warmup:lr=0.01,len=400,mode=constant+"
	    "multistep:lr=0.1,milestones=2ep", &s);
	assert_true(sched_lr(&s, 399, 300) == 0.01);
	assert_true(sched_lr(&s, 400, 300) == 0.1);
	near(sched_lr(&s, 600, 300), 0.01, 1e-12, "mixed", 600);
}

/* Warm-up by hand: linear from 0 to the main rate over 100 updates. */
static void
test_warmup(void **state)
{
	struct sched s;

	parse_ok("warmup:lr=0,len=100+multistep:lr=0.1,milestones=1000", &s);
	assert_int_equal(s.warmup, WARMUP_LINEAR);
	assert_true(sched_lr(&s, 0, 1) == 0);
	near(sched_lr(&s, 50, 1), 0.05, 1e-14, "warm", 50);
	near(sched_lr(&s, 99, 1), 0.099, 1e-14, "warm", 99);
	assert_true(sched_lr(&s, 100, 1) == 0.1);
	assert_int_equal(sched_is_piecewise(&s), 0);
	/* paper-110: 0.01 for 400 iterations, then the paper schedule. */
	assert_int_equal(sched_preset("paper-110", &s), 0);
	assert_true(sched_lr(&s, 399, 352) == 0.01);
	assert_true(sched_lr(&s, 400, 352) == 0.1);
	near(sched_lr(&s, 32000, 352), 0.01, 1e-14, "p110", 32000);
	assert_int_equal(sched_preset("nope", &s), -1);
}

static void
test_linear(void **state)
{
	struct sched s;

	parse_ok("linear:lr=0.1,total=100,end=0.0", &s);
	near(sched_lr(&s, 25, 1), 0.075, 1e-14, "linear", 25);
	assert_true(sched_lr(&s, 100, 1) == 0);
	assert_true(sched_lr(&s, 5000, 1) == 0);
}

/* Canonical text reads back to the same schedule and the same text. */
static void
test_round_trip(void **state)
{
	static const char *const in[] = {
		"paper", "paper-110",
		"constant:lr=0.05",
		"multistep:lr=0.1,milestones=32k/48k,stop=64k",
		"multistep:lr=0.1,milestones=91ep/136ep,gamma=0.2,stop=182ep",
		"multistep:lr=0.3,milestones=400it/2ep",
		"step:lr=0.1,every=30ep",
		"exp:lr=0.1,gamma=0.95,every=1ep",
		"cosine:lr=0.1,total=200ep,min=1e-5",
		"linear:lr=0.1,total=5000,end=0.001",
		"onecycle:lr=0.4,total=10k,pct=0.25,div=10,final_div=100",
		"warmup:lr=0.001,len=5ep+cosine:lr=0.1,total=200ep",
		"warmup:lr=0.01,len=400,mode=constant+multistep:lr=0.1,"
		    "milestones=32000/48000",
		"warmup:lr=10,len=1ep+cosine:lr=1e5,total=2",
	};
	struct sched a, b;
	char *t1, *t2;
	size_t i;
	long long it;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		parse_ok(in[i], &a);
		t1 = sched_format(&a);
		parse_ok(t1, &b);
		t2 = sched_format(&b);
		assert_string_equal(t1, t2);
		for (it = 0; it < 80000; it += 997)
			assert_true(sched_lr(&a, it, 352) ==
			    sched_lr(&b, it, 352));
		free(t1);
		free(t2);
	}
	parse_ok("multistep:lr=0.1,milestones=32k/48k", &a);
	t1 = sched_format(&a);
	assert_string_equal(t1,
	    "multistep:lr=0.1,milestones=32000/48000,gamma=0.1");
	free(t1);
	assert_int_equal(sched_preset("paper", &a), 0);
	t1 = sched_format(&a);
	assert_string_equal(t1,
	    "multistep:lr=0.1,milestones=32000/48000,gamma=0.1,stop=64000");
	free(t1);
}

/* Each bad string is refused with a message naming the problem. */
static void
test_rejects(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "", "empty" },
		{ "multistep", "expected kind:params" },
		{ "bogus:lr=0.1", "unknown schedule kind \"bogus\"" },
		{ "multistep:lr=0.1", "milestones is required" },
		{ "multistep:milestones=10", "lr is required" },
		{ "multistep:lr=0.1,milestones=48k/32k", "must increase" },
		{ "multistep:lr=0.1,milestones=10/10", "must increase" },
		{ "multistep:lr=0.1,milestones=10//20", "milestones: \"\"" },
		{ "multistep:lr=0.1,milestones=1.5ep", "\"1.5ep\"" },
		{ "multistep:lr=0.1,milestones=-3", "\"-3\"" },
		{ "multistep:lr=0.1,milestones=0x10", "\"0x10\"" },
		{ "multistep:lr=abc,milestones=10", "lr: \"abc\" is not" },
		{ "multistep:lr=0,milestones=10", "lr: 0 is out of range" },
		{ "multistep:lr=inf,milestones=10", "not a number" },
		{ "multistep:lr=0.1,milestones=10,gamma=0", "out of range" },
		{ "multistep:lr=0.1,milestones=10,total=5", "unknown key" },
		{ "multistep:lr=0.1,lr=0.2,milestones=10", "given twice" },
		{ "multistep:lr=0.1,milestones", "not key=value" },
		{ "multistep:", "no parameters" },
		{ "cosine:lr=0.1", "total is required" },
		{ "cosine:lr=0.1,total=10,min=0.5", "above lr" },
		{ "onecycle:lr=0.1,total=10,pct=1.5", "pct: 1.5 is out" },
		{ "step:lr=0.1", "every is required" },
		{ "exp:lr=0.1", "gamma is required" },
		{ "warmup:lr=0.01,len=10", "needs a main schedule" },
		{ "warmup:len=10+constant:lr=0.1", "warmup: lr is required" },
		{ "warmup:lr=0.1+constant:lr=0.1", "len is required" },
		{ "warmup:lr=0.1,len=5,mode=cubic+constant:lr=0.1",
		    "expected linear or constant" },
		{ "constant:lr=0.1, stop=5", "white space" },
	};
	struct sched s;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (sched_parse(bad[i].text, &s, err, sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i].text);
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"",
			    bad[i].text, err, bad[i].msg);
	}
}

static void
test_changes(void **state)
{
	struct sched s;
	long long it[8];
	double lr[8];
	int n;

	assert_int_equal(sched_preset("paper", &s), 0);
	n = sched_changes(&s, 352, 64000, it, lr, 8);
	assert_int_equal(n, 3);
	assert_true(it[0] == 0 && lr[0] == 0.1);
	assert_true(it[1] == 32000);
	near(lr[1], 0.01, 1e-14, "changes", 1);
	assert_true(it[2] == 48000);
	/* A limit before the second milestone hides it. */
	assert_int_equal(sched_changes(&s, 352, 48000, it, lr, 8), 2);
	parse_ok("multistep:lr=0.1,milestones=2ep/4ep", &s);
	n = sched_changes(&s, 16, 96, it, lr, 8);
	assert_int_equal(n, 3);
	assert_true(it[1] == 32 && it[2] == 64);
	parse_ok("step:lr=1,every=10,gamma=0.5", &s);
	n = sched_changes(&s, 1, 35, it, lr, 8);
	assert_int_equal(n, 4);
	assert_true(it[3] == 30 && lr[3] == 0.125);
	parse_ok("cosine:lr=0.1,total=100", &s);
	assert_int_equal(sched_is_piecewise(&s), 0);
	assert_int_equal(sched_changes(&s, 1, 1000, it, lr, 8), 8);
}

/* 45k at 128 is 351.6 iterations: 352 kept, 351 dropped; 50k is 390.6. */
static void
test_ipe(void **state)
{
	assert_true(iters_per_epoch(45000, 128, 0) == 352);
	assert_true(iters_per_epoch(45000, 128, 1) == 351);
	assert_true(iters_per_epoch(50000, 128, 0) == 391);
	assert_true(iters_per_epoch(50000, 128, 1) == 390);
	assert_true(iters_per_epoch(512, 32, 0) == 16);
	assert_true(iters_per_epoch(512, 32, 1) == 16);
	assert_true(iters_per_epoch(0, 128, 0) == 0);
}

static void
test_json(void **state)
{
	struct sched s;
	json_t *j, *m;

	assert_int_equal(sched_preset("paper-110", &s), 0);
	j = sched_json(&s);
	assert_string_equal(json_string_value(json_object_get(j, "kind")),
	    "multistep");
	m = json_array_get(json_object_get(j, "milestones"), 1);
	assert_true(json_integer_value(json_object_get(m, "iters")) == 48000);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(j, "warmup"), "mode")), "constant");
	assert_true(json_integer_value(json_object_get(json_object_get(j,
	    "stop"), "iters")) == 64000);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multistep_torch),
		cmocka_unit_test(test_cosine_torch),
		cmocka_unit_test(test_onecycle_torch),
		cmocka_unit_test(test_exp_step_torch),
		cmocka_unit_test(test_epochs),
		cmocka_unit_test(test_warmup),
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_ipe),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
