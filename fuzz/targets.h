/*
 * targets.h: the fuzz targets, one per parser: each feeds a byte string
 * to a parser and checks what comes out (tags must be valid UTF-8, the
 * schedule text must read back).  Included by fuzz/fuzz.c (libFuzzer)
 * and by tests/unit/test_logread_fuzz.c, which replays the kept corpus
 * and crashers in the normal build.
 */
#ifndef REPROKIT_FUZZ_TARGETS_H
#define REPROKIT_FUZZ_TARGETS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "logread.h"
#include "logread/logread_int.h"
#include "logread_audit.h"
#include "sched.h"

static const char *const fuzz_names[] = {
	"detect", "tensorboard", "csv", "lightning-csv", "jsonl", "mmcv",
	"hf-trainer-state", "mlflow", "regex", "yaml", "sched", "audit", NULL
};

static void
fuzz_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* A tag that jansson would refuse is a bug: output would break. */
static void
fuzz_check_tag(const char *tag)
{
	json_t *j;

	if (tag == NULL || (j = json_string(tag)) == NULL)
		abort();
	json_decref(j);
}

static void
fuzz_logread(const char *format, const uint8_t *d, size_t n, int audit)
{
	struct logread_opts o;
	struct logreader *r;
	struct logpoint p;
	struct audit *a = NULL;
	struct sched s;
	json_t *recs;
	char err[512];
	FILE *fp;
	int nf;

	if (n == 0 || (fp = fmemopen((void *)(uintptr_t)d, n, "rb")) == NULL)
		return;
	memset(&o, 0, sizeof(o));
	o.warn = fuzz_quiet;
	o.regex = "it(er)? *([0-9]+).*lr[=: ]*([0-9.e+-]+)";
	r = logread_open_stream(fp, "fuzz", format, &o, err, sizeof(err));
	if (r != NULL) {
		if (audit)
			a = audit_new(logread_format(r), NULL);
		while (logread_next(r, &p) == 1) {
			fuzz_check_tag(p.tag);
			if (a != NULL)
				audit_add(a, &p);
		}
		if (a != NULL) {
			sched_preset("paper-110", &s);
			audit_set_ipe(a, 3, "fuzz");
			recs = audit_run(a, &s, "fuzz", &nf, err, sizeof(err));
			json_decref(recs);
			audit_free(a);
		}
		free(json_dumps(logread_fields(r), 0));
		logread_close(r);
	}
	fclose(fp);
}

static void
fuzz_sched(const uint8_t *d, size_t n)
{
	struct sched s, t;
	char *text, *again, err[256];
	long long it[16];
	double lr[16];

	text = malloc(n + 1);
	memcpy(text, d, n);
	text[n] = '\0';
	if (strlen(text) == n && sched_parse(text, &s, err, sizeof(err)) == 0) {
		again = sched_format(&s);
		if (sched_parse(again, &t, err, sizeof(err)) != 0)
			abort();
		free(text);
		text = sched_format(&t);
		if (strcmp(text, again) != 0)
			abort();
		free(again);
		(void)sched_lr(&s, 12345, 7);
		(void)sched_changes(&s, 7, 100000, it, lr, 16);
		json_decref(sched_json(&s));
	}
	free(text);
}

static void
fuzz_yaml(const uint8_t *d, size_t n)
{
	char err[256];
	json_t *j;

	j = lr_yaml_parse((const char *)d, n, err, sizeof(err));
	if (j != NULL)
		free(json_dumps(j, JSON_ENCODE_ANY));
	json_decref(j);
}

static void
fuzz_one(const char *t, const uint8_t *d, size_t n)
{
	if (!strcmp(t, "sched"))
		fuzz_sched(d, n);
	else if (!strcmp(t, "yaml"))
		fuzz_yaml(d, n);
	else if (!strcmp(t, "detect"))
		fuzz_logread(NULL, d, n, 0);
	else if (!strcmp(t, "audit"))
		fuzz_logread(NULL, d, n, 1);
	else
		fuzz_logread(t, d, n, 0);
}

#endif
