/*
 * logread.h: read the scalars of a training log, whatever wrote it, as
 * one stream of points (tag, step, epoch, value, wall time).  Used by
 * lr-audit and acc-plot.  Readers stream: memory stays bounded however
 * long the log is (lines and records are capped, see LOGREAD_MAX_*).
 *
 * Formats and what a point means in each:
 *
 *  rn-train	  JSON Lines of rn-train (doc/FORMATS.md).  step records give
 *		  "lr", "loss", "acc"; eval records "<split>_acc" and
 *		  "<split>_loss"; epoch records "train_loss", "train_acc";
 *		  a warmup_end record "warmup_end" (its value the rate
 *		  from then on); step = iter, epoch = epoch.
 *  lightning-csv CSVLogger metrics.csv: one point per non-empty numeric
 *		  cell, tag = column name ("lr-SGD", "lr-SGD/pg1", "val_acc"),
 *		  step = the step cell, epoch = the epoch cell (NAN when
 *		  empty, as on LearningRateMonitor rows).  A directory
 *		  (version_N) is read as its metrics.csv plus hparams.yaml.
 *  tensorboard	  events.out.tfevents.* files: scalars from simple_value and
 *		  from scalar tensors of the "scalars" plugin (or with no
 *		  plugin); step = Event.step, wall = Event.wall_time.  A
 *		  directory is read file by file in name order (restarts stay
 *		  in the order they ran); files below a subdirectory get its
 *		  relative path as a tag prefix ("train/epoch_learning_rate").
 *  hf-trainer-state trainer_state.json: one point per numeric key of each
 *		  log_history entry except step and epoch ("learning_rate",
 *		  "loss", "eval_loss", "eval_accuracy"); step = global step,
 *		  epoch = the entry's epoch (fractional).  Meta: the other
 *		  top-level keys.  A directory: its trainer_state.json, else
 *		  the one in the checkpoint-N with the largest N.
 *  keras-csv	  CSVLogger: tag = column, step = -1, epoch = the 0-based
 *		  epoch column; "NA" cells are skipped.
 *  timm	  summary.csv: as keras-csv.  Repeated header lines (a
 *		  restart into the same folder) are skipped.
 *  mlflow	  file store: a run directory (metrics/<key>, nested for keys
 *		  with "/"), an experiment or mlruns directory holding exactly
 *		  one run, or one metric file; tag = key, wall = timestamp.
 *		  Meta: params/ as an object of strings.
 *  detectron2	  metrics.json (JSON Lines): step = iteration.
 *  mmcv	  *.log.json: the first line (no "mode") is meta; train lines
 *		  give their keys, val lines "val/<key>"; step = iter as
 *		  logged (inside the epoch for epoch-based runners), epoch =
 *		  the logged 1-based epoch minus 1.
 *  mmengine	  scalars.json: train lines (those with lr, iter or time)
 *		  give step = the logged step (iter + 1) and epoch = logged
 *		  epoch - 1; other lines are per-epoch validation: step = -1,
 *		  epoch = the logged step.
 *  csv, jsonl	  any CSV or JSON Lines: every numeric field is a point; the
 *		  step comes from the field named by logread_opts.step_key,
 *		  else the first of step, iter, iteration, global_step, _step,
 *		  epoch (step then -1 and epoch set) present.
 *  regex	  plain text: logread_opts.regex (POSIX extended) is matched
 *		  against each line; with two groups the first is the step
 *		  and the second the value, with one group the value alone.
 *		  tag = logread_opts.regex_tag ("lr" by default).
 *
 * Detection (format NULL) looks at the path (directory layout, file name)
 * and then the first 64 KiB of content; stdin ("-") is detected from its
 * content.  "regex" is never guessed.
 *
 * Damage: a TensorBoard record with a bad CRC or an impossible length is
 * reported through the warning hook with its byte offset and skipped
 * where the framing allows; a short last record ends the file quietly.
 * A malformed line of a text format is a warning too; a file that is not
 * the format at all (no header, not JSON) is an error.
 */
#ifndef REPROKIT_LOGREAD_H
#define REPROKIT_LOGREAD_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define LOGREAD_MAX_LINE	(1 << 20)	/* longest text line */
#define LOGREAD_MAX_RECORD	(16 << 20)	/* longest TFRecord */
#define LOGREAD_MAX_TAGS	4096		/* distinct tags kept */

struct logpoint {
	const char	*tag;	/* valid until logread_close */
	long long	 step;	/* the producer's step as logged; -1 if none */
	double		 epoch;	/* NAN when the record has none */
	double		 value;
	double		 wall;	/* seconds since 1970, NAN when unknown */
	/* Where it came from, for messages: */
	const char	*src;	/* file path (or "-") */
	long long	 pos;	/* line number, or byte offset for binaries */
};

struct logread_opts {
	const char	*step_key;	/* csv, jsonl: the step column */
	const char	*regex;		/* regex: the pattern */
	const char	*regex_tag;	/* regex: tag of the value ("lr") */
	/* Non-fatal problems ("file: offset N: bad CRC"); NULL = warnmsg. */
	void		(*warn)(void *arg, const char *msg);
	void		*warn_arg;
};

struct logreader;

/*
 * format NULL = detect from the path and content; path may be a file, a
 * directory (Lightning version dir, TB run dir, mlruns run dir...) or "-"
 * for stdin.  NULL and a message in err on failure.
 */
struct logreader *logread_open(const char *path, const char *format,
		    char *err, size_t errlen);
struct logreader *logread_open_opts(const char *path, const char *format,
		    const struct logread_opts *, char *err, size_t errlen);
/* Read from an open stream (not closed by logread_close); name for
 * messages.  Directory formats (mlflow runs) need a path. */
struct logreader *logread_open_stream(FILE *fp, const char *name,
		    const char *format, const struct logread_opts *,
		    char *err, size_t errlen);

/* 1: a point; 0: end; -1: error (see logread_error). */
int		 logread_next(struct logreader *, struct logpoint *);
const char	*logread_error(struct logreader *);
const char	*logread_format(struct logreader *);
/*
 * What the log declares about the run, or NULL: rn-train's meta record,
 * Lightning's hparams.yaml as JSON, HF's top-level fields, mmcv's first
 * line, MLflow params.  Borrowed; may appear only after the first
 * logread_next for formats that declare it late.
 */
json_t		*logread_meta(struct logreader *);
/* Every field, column or tag name seen so far (borrowed array). */
json_t		*logread_fields(struct logreader *);
/* Count of warnings so far (damaged records, bad lines). */
long long	 logread_nwarnings(struct logreader *);
void		 logread_close(struct logreader *);

/*
 * A YAML file of the block style PyYAML writes (hparams.yaml, detectron2
 * config.yaml) as JSON; NULL and a message on failure.  Files over 1 MiB
 * are refused.
 */
json_t		*logread_yaml_load(const char *path, char *err, size_t errlen);

/* The format names, NULL-terminated, for usage messages. */
extern const char *const logread_formats[];

#endif
