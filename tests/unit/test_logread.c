/*
 * test_logread.c: the log readers, on small logs written out here by
 * hand: what each format's points are (tag, step, epoch, value), how
 * formats are told apart, and what damage does.  TensorBoard records are
 * framed with CRC-32C, itself checked against its published check value.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "logread.h"
#include "logread/logread_int.h"

#define MAXP	64

struct got {
	char		 tag[MAXP][64];
	long long	 step[MAXP];
	double		 epoch[MAXP], value[MAXP];
	int		 n, rc, nwarn;
	char		 fmt[32];
	char		 err[512];
	char		 warn[1024];
};

static void
on_warn(void *arg, const char *msg)
{
	struct got *g = arg;

	g->nwarn++;
	snprintf(g->warn, sizeof(g->warn), "%s", msg);
}

/* Read a buffer as a log of format fmt (NULL: detect). */
static struct got *
read_buf(const void *buf, size_t n, const char *fmt, const char *regex)
{
	static struct got g;
	struct logread_opts o;
	struct logreader *r;
	struct logpoint p;
	FILE *fp;

	memset(&g, 0, sizeof(g));
	memset(&o, 0, sizeof(o));
	o.warn = on_warn;
	o.warn_arg = &g;
	o.regex = regex;
	fp = fmemopen((void *)(uintptr_t)buf, n, "rb");
	assert_non_null(fp);
	r = logread_open_stream(fp, "t", fmt, &o, g.err, sizeof(g.err));
	if (r == NULL) {
		fclose(fp);
		g.rc = -2;
		return &g;
	}
	snprintf(g.fmt, sizeof(g.fmt), "%s", logread_format(r));
	while ((g.rc = logread_next(r, &p)) == 1 && g.n < MAXP) {
		snprintf(g.tag[g.n], sizeof(g.tag[0]), "%s", p.tag);
		g.step[g.n] = p.step;
		g.epoch[g.n] = p.epoch;
		g.value[g.n++] = p.value;
	}
	if (g.rc == -1)
		snprintf(g.err, sizeof(g.err), "%s", logread_error(r));
	logread_close(r);
	fclose(fp);
	return &g;
}

static struct got *
read_str(const char *s, const char *fmt)
{
	return read_buf(s, strlen(s), fmt, NULL);
}

static void
point(const struct got *g, int i, const char *tag, long long step,
    double epoch, double value)
{
	assert_true(i < g->n);
	assert_string_equal(g->tag[i], tag);
	assert_true(g->step[i] == step);
	if (isnan(epoch))
		assert_true(isnan(g->epoch[i]));
	else
		assert_true(g->epoch[i] == epoch);
	assert_true(g->value[i] == value);
}

/* ---- CRC-32C ---- */

static void
test_crc32c(void **state)
{
	unsigned char len24[8] = { 24, 0, 0, 0, 0, 0, 0, 0 };

	/* The Castagnoli check value, and an empty string. */
	assert_int_equal(lr_crc32c("123456789", 9), 0xe3069283u);
	assert_int_equal(lr_crc32c("", 0), 0);
	/* 32 zero bytes (RFC 3720, B.4). */
	{
		unsigned char z[32] = { 0 };

		assert_int_equal(lr_crc32c(z, 32), 0x8a9136aau);
	}
	/* Masking: rotate right 15, add 0xa282ead8.  The length 24 of an
	 * event file's first record is framed with 0x224b7fa3. */
	assert_int_equal(lr_crc_mask(lr_crc32c(len24, 8)), 0x224b7fa3u);
	assert_int_equal(lr_crc_mask(0), 0xa282ead8u);
}

/* ---- a small protobuf encoder for the TensorBoard tests ---- */

struct buf {
	unsigned char	 b[4096];
	size_t		 n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
put_varint(struct buf *b, uint64_t v)
{
	unsigned char c;

	do {
		c = v & 0x7f;
		v >>= 7;
		if (v)
			c |= 0x80;
		put(b, &c, 1);
	} while (v);
}

static void
put_bytes(struct buf *b, unsigned field, const struct buf *m)
{
	put_varint(b, field << 3 | 2);
	put_varint(b, m->n);
	put(b, m->b, m->n);
}

static void
put_str(struct buf *b, unsigned field, const char *s)
{
	put_varint(b, field << 3 | 2);
	put_varint(b, strlen(s));
	put(b, s, strlen(s));
}

static void
put_le(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* An Event with step and one Summary.Value (its bytes given). */
static void
event(struct buf *out, long long step, const struct buf *value)
{
	struct buf ev = { .n = 0 }, sum = { .n = 0 };
	unsigned char le[8], c;
	double wall = 1.7e9;
	uint64_t bits;

	memcpy(&bits, &wall, 8);
	put_le(le, bits, 8);
	c = 1 << 3 | 1;
	put(&ev, &c, 1);
	put(&ev, le, 8);
	put_varint(&ev, 2 << 3 | 0);
	put_varint(&ev, (uint64_t)step);
	put_bytes(&sum, 1, value);
	put_bytes(&ev, 5, &sum);
	/* TFRecord framing. */
	put_le(le, ev.n, 8);
	put(out, le, 8);
	put_le(le, lr_crc_mask(lr_crc32c(le, 8)), 4);
	put(out, le, 4);
	put(out, ev.b, ev.n);
	put_le(le, lr_crc_mask(lr_crc32c(ev.b, ev.n)), 4);
	put(out, le, 4);
}

static void
simple_value(struct buf *v, const char *tag, float f)
{
	unsigned char le[4];
	uint32_t bits;

	memset(v, 0, sizeof(*v));
	put_str(v, 1, tag);
	memcpy(&bits, &f, 4);
	put_le(le, bits, 4);
	put_varint(v, 2 << 3 | 5);
	put(v, le, 4);
}

/* A scalar tensor; plugin NULL: no metadata. */
static void
tensor_value(struct buf *v, const char *tag, const struct buf *tensor,
    const char *plugin)
{
	struct buf meta = { .n = 0 }, pd = { .n = 0 };

	memset(v, 0, sizeof(*v));
	put_str(v, 1, tag);
	put_bytes(v, 8, tensor);
	if (plugin != NULL) {
		put_str(&pd, 1, plugin);
		put_bytes(&meta, 1, &pd);
		put_bytes(v, 9, &meta);
	}
}

static void
test_tfevents(void **state)
{
	struct buf file = { .n = 0 }, v, t;
	unsigned char le[8];
	struct got *g;
	double d = 0.125;
	uint64_t bits;

	simple_value(&v, "lr-SGD", 0.1f);
	event(&file, 390, &v);
	/* TF2: DT_FLOAT in tensor_content, "scalars" plugin. */
	memset(&t, 0, sizeof(t));
	put_varint(&t, 1 << 3 | 0);
	put_varint(&t, 1);
	put_le(le, 0x3c23d70a, 4);	/* 0.01f */
	put_varint(&t, 4 << 3 | 2);
	put_varint(&t, 4);
	put(&t, le, 4);
	tensor_value(&v, "epoch_learning_rate", &t, "scalars");
	event(&file, 3, &v);
	/* The same tag later without metadata: still a scalar. */
	tensor_value(&v, "epoch_learning_rate", &t, NULL);
	event(&file, 4, &v);
	/* double_val, packed. */
	memset(&t, 0, sizeof(t));
	put_varint(&t, 1 << 3 | 0);
	put_varint(&t, 2);
	memcpy(&bits, &d, 8);
	put_le(le, bits, 8);
	put_varint(&t, 6 << 3 | 2);
	put_varint(&t, 8);
	put(&t, le, 8);
	tensor_value(&v, "lr", &t, "scalars");
	event(&file, 32000, &v);
	/* DT_HALF in half_val: 0x3555 is 0.333251953125. */
	memset(&t, 0, sizeof(t));
	put_varint(&t, 1 << 3 | 0);
	put_varint(&t, 19);
	put_varint(&t, 13 << 3 | 0);
	put_varint(&t, 0x3555);
	tensor_value(&v, "half", &t, "scalars");
	event(&file, 5, &v);
	/* A text-plugin tensor is not a scalar. */
	tensor_value(&v, "notes", &t, "text");
	event(&file, 6, &v);
	/* A shaped tensor [2] is not a scalar either. */
	memset(&t, 0, sizeof(t));
	{
		struct buf shape = { .n = 0 }, dim = { .n = 0 };

		put_varint(&dim, 1 << 3 | 0);
		put_varint(&dim, 2);
		put_bytes(&shape, 2, &dim);
		put_varint(&t, 1 << 3 | 0);
		put_varint(&t, 1);
		put_bytes(&t, 2, &shape);
	}
	tensor_value(&v, "vec", &t, "scalars");
	event(&file, 7, &v);

	g = read_buf(file.b, file.n, NULL, NULL);
	assert_string_equal(g->fmt, "tensorboard");
	assert_int_equal(g->rc, 0);
	assert_int_equal(g->nwarn, 0);
	assert_int_equal(g->n, 5);
	point(g, 0, "lr-SGD", 390, NAN, (double)0.1f);
	point(g, 1, "epoch_learning_rate", 3, NAN, (double)0.01f);
	point(g, 2, "epoch_learning_rate", 4, NAN, (double)0.01f);
	point(g, 3, "lr", 32000, NAN, 0.125);
	point(g, 4, "half", 5, NAN, 0.333251953125);

	/* A bad data CRC: that record goes, the rest stays. */
	file.b[12 + 5] ^= 1;	/* inside the first record's data */
	g = read_buf(file.b, file.n, "tensorboard", NULL);
	assert_int_equal(g->nwarn, 1);
	assert_non_null(strstr(g->warn, "offset 0: bad data CRC"));
	assert_int_equal(g->n, 4);
	file.b[12 + 5] ^= 1;
	/* A damaged length: skipped to the next good header. */
	file.b[3] ^= 0x40;
	g = read_buf(file.b, file.n, "tensorboard", NULL);
	assert_int_equal(g->nwarn, 1);
	assert_non_null(strstr(g->warn, "offset 0: bad length CRC"));
	assert_int_equal(g->n, 4);
	file.b[3] ^= 0x40;
	/* Cut in the middle of the last record: quietly the end. */
	g = read_buf(file.b, file.n - 10, "tensorboard", NULL);
	assert_int_equal(g->nwarn, 0);
	assert_int_equal(g->rc, 0);
	assert_int_equal(g->n, 5);
}

/* ---- text formats ---- */

static void
test_rntrain(void **state)
{
	struct got *g;

	g = read_str("{\"type\":\"meta\",\"program\":\"rn-train\","
	    "\"schedule\":\"paper\",\"iters_per_epoch\":352}\n"
	    "{\"type\":\"step\",\"iter\":0,\"epoch\":0,\"lr\":0.1,"
	    "\"loss\":2.41,\"acc\":0.09,\"img_per_s\":410.2}\n"
	    "\n"
	    "{\"type\":\"eval\",\"split\":\"val\",\"iter\":352,\"epoch\":1,"
	    "\"acc\":0.4352,\"loss\":1.61,\"n\":5000}\n"
	    "{\"type\":\"eval\",\"split\":\"test\",\"iter\":352,\"epoch\":1,"
	    "\"acc\":0.43,\"n\":10000}\n"
	    "{\"type\":\"end\",\"iter\":352,\"epoch\":1,\"wall_s\":9.5}\n",
	    NULL);
	assert_string_equal(g->fmt, "rn-train");
	assert_int_equal(g->rc, 0);
	assert_int_equal(g->n, 6);
	point(g, 0, "lr", 0, 0, 0.1);
	point(g, 1, "loss", 0, 0, 2.41);
	point(g, 2, "acc", 0, 0, 0.09);
	point(g, 3, "val_acc", 352, 1, 0.4352);
	point(g, 4, "val_loss", 352, 1, 1.61);
	point(g, 5, "test_acc", 352, 1, 0.43);
}

static void
test_lightning_csv(void **state)
{
	struct got *g;

	/* Sorted header (2.2), an empty epoch on monitor rows, quotes. */
	g = read_str("\xef\xbb\xbf"
	    "epoch,lr-SGD,\"lr-SGD/pg1\",step,val_acc\r\n"
	    ",0.1,0.2,49,\r\n"
	    "0,,,49,\r\n"
	    "0,,,390,0.5123\r\n"
	    ",1.0000000000000002e-05,\"2e-05\",32049,\r\n", NULL);
	assert_string_equal(g->fmt, "lightning-csv");
	assert_int_equal(g->n, 5);
	point(g, 0, "lr-SGD", 49, NAN, 0.1);
	point(g, 1, "lr-SGD/pg1", 49, NAN, 0.2);
	point(g, 2, "val_acc", 390, 0, 0.5123);
	point(g, 3, "lr-SGD", 32049, NAN, 1.0000000000000002e-05);
	point(g, 4, "lr-SGD/pg1", 32049, NAN, 2e-05);
	/* A row with too few cells is skipped with a warning. */
	g = read_str("epoch,lr-SGD,step\n,0.1,49\n1,2\n,0.1,99\n", NULL);
	assert_int_equal(g->n, 2);
	assert_int_equal(g->nwarn, 1);
	assert_non_null(strstr(g->warn, "t:3: 2 fields where the header "
	    "has 3"));
}

static void
test_keras_timm(void **state)
{
	struct got *g;

	g = read_str("epoch,accuracy,learning_rate,loss\n"
	    "0,0.41,0.1,1.6\n1,NA,0.01,1.1\n", NULL);
	assert_string_equal(g->fmt, "keras-csv");
	assert_int_equal(g->n, 5);
	point(g, 0, "accuracy", -1, 0, 0.41);
	point(g, 1, "learning_rate", -1, 0, 0.1);
	point(g, 3, "learning_rate", -1, 1, 0.01);
	/* timm: a restart writes the header again, silently skipped. */
	g = read_str("epoch,train_loss,eval_loss,eval_top1,eval_top5,lr\n"
	    "0,6.8,6.5,1.2,4.8,0.0001\n"
	    "epoch,train_loss,eval_loss,eval_top1,eval_top5,lr\n"
	    "1,6.1,5.8,4.5,13.0,0.02\n", NULL);
	assert_string_equal(g->fmt, "timm");
	assert_int_equal(g->nwarn, 0);
	assert_int_equal(g->n, 10);
	point(g, 9, "lr", -1, 1, 0.02);
	/* Semicolons. */
	g = read_str("step;lr\n1;0.5\n", NULL);
	assert_string_equal(g->fmt, "csv");
	point(g, 0, "lr", 1, NAN, 0.5);
}

static void
test_hf(void **state)
{
	struct got *g;

	g = read_str("{\n  \"best_metric\": null,\n  \"epoch\": 2.0,\n"
	    "  \"log_history\": [\n"
	    "    {\n      \"epoch\": 0.64,\n      \"learning_rate\": 0.0001,"
	    "\n      \"loss\": 1.9021,\n      \"step\": 250\n    },\n"
	    "    {\"epoch\": 1.0, \"eval_accuracy\": 0.61, \"step\": 390,"
	    " \"note\": \"a \\\"quoted\\\" ]} string\"}\n  ],\n"
	    "  \"max_steps\": 780,\n  \"trial_params\": {\"a\": [1, 2]}\n}\n",
	    NULL);
	assert_string_equal(g->fmt, "hf-trainer-state");
	assert_int_equal(g->rc, 0);
	assert_int_equal(g->n, 3);
	point(g, 0, "learning_rate", 250, 0.64, 0.0001);
	point(g, 1, "loss", 250, 0.64, 1.9021);
	point(g, 2, "eval_accuracy", 390, 1.0, 0.61);
	/* Not a JSON object at all. */
	g = read_str("[1, 2]\n", "hf-trainer-state");
	assert_int_equal(g->rc, -1);
	assert_non_null(strstr(g->err, "not a JSON object"));
}

static void
test_jsonl_family(void **state)
{
	struct got *g;

	g = read_str("{\"data_time\": 0.003, \"iteration\": 19, \"lr\": "
	    "0.00039962, \"total_loss\": 1.92}\n"
	    "{\"bbox/AP\": 21.7, \"iteration\": 1999}\n", NULL);
	assert_string_equal(g->fmt, "detectron2");
	assert_int_equal(g->n, 4);
	point(g, 1, "lr", 19, NAN, 0.00039962);
	point(g, 3, "bbox/AP", 1999, NAN, 21.7);

	g = read_str("{\"env_info\": \"linux\", \"seed\": 0}\n"
	    "{\"mode\": \"train\", \"epoch\": 2, \"iter\": 50, \"lr\": "
	    "{\"a\": 0.01, \"b\": 0.02}, \"loss\": 1.6}\n"
	    "{\"mode\": \"val\", \"epoch\": 2, \"iter\": 7, \"lr\": 0.01, "
	    "\"bbox_mAP\": 0.2}\n", NULL);
	assert_string_equal(g->fmt, "mmcv");
	assert_int_equal(g->n, 4);
	point(g, 0, "lr/a", 50, 1, 0.01);
	point(g, 1, "lr/b", 50, 1, 0.02);
	point(g, 2, "loss", 50, 1, 1.6);
	point(g, 3, "val/bbox_mAP", 7, 2, 0.2);

	g = read_str("{\"lr\": 0.02, \"data_time\": 0.004, \"epoch\": 1, "
	    "\"iter\": 50, \"step\": 50}\n"
	    "{\"coco/bbox_mAP\": 0.214, \"step\": 1}\n", NULL);
	assert_string_equal(g->fmt, "mmengine");
	assert_int_equal(g->n, 3);
	point(g, 0, "lr", 50, 0, 0.02);
	point(g, 2, "coco/bbox_mAP", -1, 1, 0.214);

	/* Any JSON Lines: the step from the first known step key. */
	g = read_str("{\"_step\": 3, \"train/lr\": 0.5, \"_timestamp\": 1.5,"
	    " \"tag\": \"x\"}\n{\"_step\": 4, \"train/lr\": 0.25}\nnot json\n",
	    NULL);
	assert_string_equal(g->fmt, "jsonl");
	assert_int_equal(g->n, 2);
	point(g, 1, "train/lr", 4, NAN, 0.25);
	assert_int_equal(g->nwarn, 1);
	/* The first line broken: not this format at all. */
	g = read_str("{\"a\": 1}\n", "rn-train");
	assert_int_equal(g->rc, 0);
	g = read_str("nope\n", "jsonl");
	assert_int_equal(g->rc, -1);
	assert_non_null(strstr(g->err, "t:1: not a JSON object"));
}

static void
test_mlflow_regex(void **state)
{
	struct got *g;

	g = read_str("1700000012250 0.1 49\n1700000023877 0.01 99\n"
	    "1700000023878 nan\n", "mlflow");
	assert_int_equal(g->n, 3);
	point(g, 1, "t", 99, NAN, 0.01);	/* named after the file */
	assert_true(g->step[2] == 0 && isnan(g->value[2]));

	g = read_buf("epoch 1 it 20 loss 2.0 lr 0.1\nnoise\nit 40 lr 1e-3\n",
	    53, "regex", "it ([0-9]+) .*lr ([0-9.e-]+)");
	assert_int_equal(g->n, 2);
	point(g, 0, "lr", 20, NAN, 0.1);
	point(g, 1, "lr", 40, NAN, 1e-3);
	g = read_buf("x\n", 2, "regex", "no groups");
	assert_int_equal(g->rc, -2);
	assert_non_null(strstr(g->err, "needs a group"));
}

static void
test_detect_refuse(void **state)
{
	static const unsigned char bin[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
		10, 11, 12, 13 };
	struct got *g;

	g = read_buf("", 0, NULL, NULL);
	assert_int_equal(g->rc, -2);
	g = read_buf(bin, sizeof(bin), NULL, NULL);
	assert_int_equal(g->rc, -2);
	assert_non_null(strstr(g->err, "binary data"));
	g = read_str("just some words\n", NULL);
	assert_int_equal(g->rc, -2);
	assert_non_null(strstr(g->err, "-f regex"));
	g = read_str("x", "nonsense");
	assert_int_equal(g->rc, -2);
	assert_non_null(strstr(g->err, "unknown log format"));
}

/* Invalid UTF-8 in a column name cannot reach the JSON output. */
static void
test_utf8_names(void **state)
{
	struct got *g;
	json_t *j;

	g = read_str("step,l\xff" "oss,lr\n1,2.0,0.1\n", NULL);
	assert_int_equal(g->n, 2);
	assert_string_equal(g->tag[0], "l?oss");
	j = json_string(g->tag[0]);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(lr_utf8_ok("\xc3\xa9", 2), 1);
	assert_int_equal(lr_utf8_ok("\xc3", 1), 0);
	assert_int_equal(lr_utf8_ok("\xed\xa0\x80", 3), 0);	/* surrogate */
	assert_int_equal(lr_utf8_ok("\xc0\xaf", 2), 0);		/* overlong */
}

static void
test_yaml(void **state)
{
	static const char text[] =
	    "batch_size: 32\n"
	    "gamma: 0.1\n"
	    "milestones:\n"
	    "- 2\n"
	    "- 4\n"
	    "name: 'it''s'   # a comment\n"
	    "opt:\n"
	    "  lr: 1.0e-05\n"
	    "  betas: [0.9, 0.999]\n"
	    "  tags: !!python/tuple\n"
	    "  - a\n"
	    "  - b\n"
	    "steps:\n"
	    "  - k: 1\n"
	    "    v: x\n"
	    "none: null\n"
	    "flag: true\n"
	    "empty: {}\n";
	json_t *j, *want;
	json_error_t je;
	char err[128];

	j = lr_yaml_parse(text, sizeof(text) - 1, err, sizeof(err));
	assert_non_null(j);
	want = json_loads("{\"batch_size\": 32, \"gamma\": 0.1, "
	    "\"milestones\": [2, 4], \"name\": \"it's\", \"opt\": {\"lr\": "
	    "1e-05, \"betas\": [0.9, 0.999], \"tags\": [\"a\", \"b\"]}, "
	    "\"steps\": [{\"k\": 1, \"v\": \"x\"}], \"none\": null, "
	    "\"flag\": true, \"empty\": {}}", 0, &je);
	assert_non_null(want);
	assert_true(json_equal(j, want));
	json_decref(j);
	json_decref(want);
	assert_null(lr_yaml_parse("a: 1\n\tb: 2\n", 11, err, sizeof(err)));
	assert_non_null(strstr(err, "tab"));
	assert_null(lr_yaml_parse("a: 1\n  - x\nb\n", 13, err, sizeof(err)));
}

/* Directories: a Lightning version dir, an MLflow store. */
static void
test_directories(void **state)
{
	char dir[] = "/tmp/test_logread.XXXXXX", p[256], err[256];
	struct logreader *r;
	struct logpoint pt;
	FILE *fp;
	json_t *m;

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/metrics.csv", dir);
	fp = fopen(p, "w");
	fputs("epoch,lr-SGD,step\n,0.1,0\n", fp);
	fclose(fp);
	snprintf(p, sizeof(p), "%s/hparams.yaml", dir);
	fp = fopen(p, "w");
	fputs("lr: 0.1\nmilestones:\n- 2\n- 4\n", fp);
	fclose(fp);
	r = logread_open(dir, NULL, err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(logread_format(r), "lightning-csv");
	m = logread_meta(r);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(m,
	    "milestones"), 1)), 4);
	assert_int_equal(logread_next(r, &pt), 1);
	assert_string_equal(pt.tag, "lr-SGD");
	logread_close(r);
	unlink(p);
	snprintf(p, sizeof(p), "%s/metrics.csv", dir);
	unlink(p);

	snprintf(p, sizeof(p), "%s/mlruns/1/abc/metrics/lr-SGD", dir);
	assert_int_equal(system("true"), 0);
	{
		char cmd[2048];

		snprintf(cmd, sizeof(cmd), "mkdir -p '%s' '%s/mlruns/1/abc/"
		    "params' && printf '5 0.1 7\\n' > '%s/pg1' && printf "
		    "'[2, 4]' > '%s/mlruns/1/abc/params/milestones'", p, dir, p,
		    dir);
		assert_int_equal(system(cmd), 0);
	}
	r = logread_open(dir, NULL, err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(logread_format(r), "mlflow");
	assert_int_equal(logread_next(r, &pt), 1);
	assert_string_equal(pt.tag, "lr-SGD/pg1");
	assert_true(pt.step == 7 && pt.value == 0.1 && pt.wall == 0.005);
	assert_string_equal(json_string_value(json_object_get(
	    logread_meta(r), "milestones")), "[2, 4]");
	assert_int_equal(logread_next(r, &pt), 0);
	logread_close(r);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
	assert_null(logread_open("/nonexistent/x", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_tfevents),
		cmocka_unit_test(test_rntrain),
		cmocka_unit_test(test_lightning_csv),
		cmocka_unit_test(test_keras_timm),
		cmocka_unit_test(test_hf),
		cmocka_unit_test(test_jsonl_family),
		cmocka_unit_test(test_mlflow_regex),
		cmocka_unit_test(test_detect_refuse),
		cmocka_unit_test(test_utf8_names),
		cmocka_unit_test(test_yaml),
		cmocka_unit_test(test_directories),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
