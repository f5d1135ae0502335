/* file.c - the file source: files and stdin, one after another (see source_file.h). */
#include "cefguard/source_file.h"

#include "cefguard/log.h"

#include "run.h"
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

struct cg_source_file {
    struct cg_input_run run; /* first: run.h */
    const char *const *paths;
    size_t npaths;
    size_t next;   /* index of the next path to open */
    int fd;        /* the file being read, -1 between files */
    bool is_stdin; /* fd is stdin: not closed */
    struct cg_input_stream st;
};

static const char *const stdin_only[] = {"-"};

/* "NAME: what: strerror" with the name escaped (a file name is untrusted bytes). */
static void file_log(const char *name, const char *what, int e)
{
    struct cg_buf b;
    cg_buf_init(&b);
    cg_log_put_name(&b, name);
    cg_log(CG_LOG_ERR, "%s: %s%s", cg_buf_cstr(&b), what, strerror(e));
    cg_buf_fini(&b);
}

static void file_error(struct cg_source_file *fs, int rc)
{
    cg_input_run_error(&fs->run, rc);
    if (rc == CG_ENOMEM)
        fs->next = fs->npaths; /* no point in the other files */
}

/* Opens the next path that opens. false: none is left. */
static bool file_open_next(struct cg_source_file *fs)
{
    while (fs->next < fs->npaths) {
        const char *path = fs->paths[fs->next++];
        fs->is_stdin = strcmp(path, "-") == 0;
        fs->fd = fs->is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
        if (fs->fd >= 0) {
            cg_input_stream_reset(&fs->st, fs->is_stdin ? "<stdin>" : path);
            return true;
        }
        file_log(path, "", errno);
        file_error(fs, CG_EIO);
    }
    return false;
}

static void file_close(struct cg_source_file *fs)
{
    if (fs->fd >= 0 && !fs->is_stdin)
        close(fs->fd);
    fs->fd = -1;
}

/* Reads and delivers the current file until it is done (and closed) or the source
 * halts (to be continued). */
static void file_pump(struct cg_source *s, struct cg_source_file *fs)
{
    for (;;) {
        int rc = cg_input_stream_deliver(&fs->st, s, &fs->run.halt);
        if (rc == 0)
            return;
        if (rc == 1 && !fs->st.eof) {
            rc = cg_input_stream_fill(&fs->st, fs->fd);
            if (rc >= 0)
                continue;
            file_log(fs->st.origin, "read error: ", errno);
        }
        if (rc < 0)
            file_error(fs, rc);
        file_close(fs);
        return;
    }
}

/* File after file until all are done (true) or the source halts (false). */
static bool file_step(struct cg_source *s)
{
    struct cg_source_file *fs = s->self;
    while (!fs->run.halt) {
        if (fs->fd < 0 && !file_open_next(fs))
            return true;
        file_pump(s, fs);
    }
    return false;
}

static int file_init(struct cg_source *s, const void *conf)
{
    const struct cg_source_file_conf *c = conf;
    struct cg_source_file *fs = calloc(1, sizeof(*fs));
    if (!fs)
        return CG_ENOMEM;
    if (cg_input_stream_init(&fs->st, c->max_line, c->read_max) != CG_OK) {
        free(fs);
        return CG_ENOMEM;
    }
    fs->run.step = file_step;
    fs->paths = c->npaths ? c->paths : stdin_only;
    fs->npaths = c->npaths ? c->npaths : 1;
    fs->fd = -1;
    s->self = fs;
    return CG_OK;
}

static void file_fini(struct cg_source *s)
{
    struct cg_source_file *fs = s->self;
    file_close(fs);
    cg_input_stream_fini(&fs->st);
    free(fs);
    s->self = NULL;
}

const struct cg_source_ops cg_source_file_ops = {
    .name = "file",
    .init = file_init,
    .start = cg_input_run_start,
    .pause = cg_input_run_pause,
    .resume = cg_input_run_resume,
    .stop = cg_input_run_stop,
    .ack = NULL,
    .fini = file_fini,
};
