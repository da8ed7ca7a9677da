// SPDX-License-Identifier: MIT
/*
 * Worker processes: each job runs in a child of its own (fork, then a library call), writes
 * its answer to a pipe and exits. The parent reads every pipe as it fills (a report is larger
 * than a pipe's buffer), kills a child that runs past its time limit, and reaps each with its
 * peak memory. A child that crashes or hangs costs its own job only.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch/batch.h"
#include "core/error.h"
#include "core/util.h"

struct job {
	size_t id;
	kt_job_fn *fn;
	void *arg;
	double timeout;
	const char *name;
	pid_t pid;
	int fd;
	char *buf;
	size_t len, cap;
	double start;
	bool eof, timed_out;
};

struct queue {
	struct job *items;
	size_t head, n, cap;
};

struct kt_pool {
	unsigned int workers;
	kt_job_done_fn *done;
	void *arg;
	struct queue urgent, normal;
	struct job *running;
	size_t n_running;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct kt_error *kt_pool_create(unsigned int workers, kt_job_done_fn *done, void *arg,
				struct kt_pool **ret)
{
	struct kt_pool *p = calloc(1, sizeof(*p));
	if (!p || !(p->running = calloc(workers ? workers : 1, sizeof(*p->running)))) {
		free(p);
		return &kt_enomem;
	}
	p->workers = workers ? workers : 1;
	p->done = done;
	p->arg = arg;
	*ret = p;
	return NULL;
}

struct kt_error *kt_pool_add(struct kt_pool *p, size_t id, kt_job_fn *fn, void *arg, double timeout,
			     bool urgent, const char *name)
{
	struct queue *q = urgent ? &p->urgent : &p->normal;
	if (!kt_grow((void **)&q->items, &q->cap, q->n, sizeof(*q->items), 64))
		return &kt_enomem;
	q->items[q->n++] = (struct job){.id = id, .fn = fn, .arg = arg, .timeout = timeout,
					.name = name, .fd = -1};
	return NULL;
}

static bool take(struct kt_pool *p, struct job *ret)
{
	struct queue *q = p->urgent.head < p->urgent.n ? &p->urgent
			: p->normal.head < p->normal.n ? &p->normal : NULL;
	if (!q)
		return false;
	*ret = q->items[q->head++];
	return true;
}

/* In the child: quiet, named, and gone with fn's status without running the parent's atexit
 * handlers or flushing its stdio buffers a second time. */
static void child(struct job *j, int fd)
{
	prctl(PR_SET_NAME, j->name, 0, 0, 0);
	signal(SIGPIPE, SIG_DFL);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	_exit(j->fn(j->arg, fd));
}

static struct kt_error *start(struct kt_pool *p, struct job *j)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC))
		return kt_error_create(KT_ERROR_OS, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return kt_error_create(KT_ERROR_OS, "fork: %s", strerror(errno));
	}
	if (!pid) {
		close(fds[0]);
		child(j, fds[1]);
	}
	close(fds[1]);
	j->pid = pid;
	j->fd = fds[0];
	j->start = now();
	p->running[p->n_running++] = *j;
	return NULL;
}

static struct kt_error *drain(struct job *j)
{
	if (j->len + 65536 + 1 > j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 262144;
		while (cap < j->len + 65536 + 1)
			cap *= 2;
		char *b = realloc(j->buf, cap);
		if (!b)
			return &kt_enomem;
		j->buf = b;
		j->cap = cap;
	}
	ssize_t n = read(j->fd, j->buf + j->len, j->cap - j->len - 1);
	if (n > 0) {
		j->len += (size_t)n;
	} else if (n == 0 || errno != EINTR) {
		close(j->fd);
		j->fd = -1;
		j->eof = true;
	}
	return NULL;
}

/* Reaps a child that has closed its pipe, if it has exited; true when reaped. */
static bool reap(struct kt_pool *p, size_t i, bool block)
{
	struct job *j = &p->running[i];
	int status;
	struct rusage ru;
	pid_t r = wait4(j->pid, &status, block ? 0 : WNOHANG, &ru);
	if (r == 0 || (r < 0 && errno == EINTR))
		return false;
	struct kt_job_result res = {.output = j->buf ? j->buf : calloc(1, 1), .len = j->len,
				    .timed_out = j->timed_out, .seconds = now() - j->start};
	if (res.output)
		res.output[res.len] = '\0';
	if (r > 0) {
		res.exited = WIFEXITED(status);
		res.status = res.exited ? WEXITSTATUS(status) : WTERMSIG(status);
		res.max_rss_kb = ru.ru_maxrss;
	} else {
		res.status = -1;
	}
	struct job done = *j;
	p->running[i] = p->running[--p->n_running];
	p->done(p->arg, done.id, &res);
	free(res.output);
	return true;
}

struct kt_error *kt_pool_run(struct kt_pool *p)
{
	struct pollfd *fds = calloc(p->workers, sizeof(*fds));
	size_t *which = calloc(p->workers, sizeof(*which));
	struct kt_error *err = fds && which ? NULL : &kt_enomem;
	for (;;) {
		struct job j;
		while (!err && p->n_running < p->workers && take(p, &j))
			err = start(p, &j);
		if (err || !p->n_running)
			break;
		size_t n = 0;
		double t = now(), wait = 1.0;
		bool reaping = false;
		for (size_t i = 0; i < p->n_running; i++) {
			struct job *r = &p->running[i];
			if (r->timeout > 0 && !r->timed_out) {
				double left = r->start + r->timeout - t;
				if (left <= 0) {
					kill(r->pid, SIGKILL);
					r->timed_out = true;
				} else if (left < wait) {
					wait = left;
				}
			}
			if (r->eof) {
				reaping = true;
				continue;
			}
			fds[n] = (struct pollfd){.fd = r->fd, .events = POLLIN};
			which[n++] = i;
		}
		// A child that closed its pipe is about to exit: look again soon.
		int ms = reaping ? 5 : (int)(wait * 1000) + 1;
		if (poll(fds, n, ms) < 0 && errno != EINTR) {
			err = kt_error_create(KT_ERROR_OS, "poll: %s", strerror(errno));
			break;
		}
		for (size_t k = 0; k < n && !err; k++)
			if (fds[k].revents)
				err = drain(&p->running[which[k]]);
		for (size_t i = p->n_running; i-- > 0 && !err;)
			if (p->running[i].eof)
				reap(p, i, false);
	}
	free(fds);
	free(which);
	return err;
}

void kt_pool_stop(struct kt_pool *p)
{
	p->urgent.head = p->urgent.n;
	p->normal.head = p->normal.n;
}

void kt_pool_destroy(struct kt_pool *p)
{
	if (!p)
		return;
	// Only after an error: no child outlives the pool.
	for (size_t i = 0; i < p->n_running; i++) {
		kill(p->running[i].pid, SIGKILL);
		if (p->running[i].fd >= 0)
			close(p->running[i].fd);
		waitpid(p->running[i].pid, NULL, 0);
		free(p->running[i].buf);
	}
	free(p->running);
	free(p->urgent.items);
	free(p->normal.items);
	free(p);
}
