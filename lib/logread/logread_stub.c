/*
 * logread_stub.c: formats not read yet.
 */
#include "logread/logread_int.h"

int
lr_setup_hf(struct logreader *r)
{
	return lr_fail(r, "%s: hf-trainer-state: not supported yet",
	    r->curpath);
}

int
lr_setup_mlflow(struct logreader *r, const char *dir)
{
	return lr_fail(r, "%s: mlflow: not supported yet", r->curpath);
}

int
lr_setup_regex(struct logreader *r)
{
	return lr_fail(r, "%s: regex: not supported yet", r->curpath);
}

json_t *
lr_yaml_load(const char *path, char *err, size_t errlen)
{
	return json_object();
}
