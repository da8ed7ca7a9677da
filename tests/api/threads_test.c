// SPDX-License-Identifier: MIT
/*
 * The ownership and thread contract of ktriage.h, through the public API only: every destroy
 * function takes NULL; programs opened on several threads at once, on the same dump file, each
 * walking every task and tracing every backtrace while their own read-ahead threads run, give
 * what one program on one thread gives; an error made on one thread is destroyed on another.
 */
#include <pthread.h>

#include "ktriage.h"
#include "tap.h"
#include "tap_open.h"

enum { THREADS = 3, MAX_TASKS = 8192 };

struct walk {
	const char *path;
	int32_t pid[MAX_TASKS];
	uint64_t top_pc[MAX_TASKS];  /* each task's innermost frame, 0 if none */
	size_t n;
	struct kt_error *err;
	struct kt_program *prog;
};

static bool record(const struct kt_task *t, void *arg)
{
	struct walk *w = arg;
	if (w->n == MAX_TASKS)
		return false;
	struct kt_backtrace *bt;
	struct kt_error *err = kt_backtrace_of_task(w->prog, t, NULL, &bt);
	w->pid[w->n] = t->pid;
	w->top_pc[w->n] = !err && bt->n_frames ? bt->frames[0].pc : 0;
	w->n++;
	if (err)
		kt_error_destroy(err);
	else
		kt_backtrace_destroy(bt);
	return true;
}

static void *walk(void *arg)
{
	struct walk *w = arg;
	struct kt_open_options opts = {.read_ahead = KT_READ_AHEAD_ALWAYS};
	if ((w->err = tap_program_open(w->path, &opts, &w->prog)))
		return NULL;
	struct kt_task_walk_options wopts = {.stacks = true};
	w->err = kt_task_for_each_with(w->prog, &wopts, record, w);
	kt_program_destroy(w->prog);
	return NULL;
}

static void *make_error(void *arg)
{
	struct kt_program *prog = NULL;
	*(struct kt_error **)arg = kt_program_open("/nonexistent/vmcore", NULL, &prog);
	return NULL;
}

static void destroy_null(void)
{
	kt_error_destroy(NULL);
	kt_program_destroy(NULL);
	kt_backtrace_destroy(NULL);
	kt_members_at_destroy(NULL, 0);
	kt_stack_search_destroy(NULL, 0);
	kt_inline_frames_destroy(NULL, 0);
	kt_percpu_slots_destroy(NULL, 0);
	kt_call_sites_destroy(NULL, 0);
	struct kt_sys_info info = {0};
	kt_sys_info_deinit(&info);
	tap_ok(true, "every destroy function and kt_sys_info_deinit take NULL (or an empty struct)");
}

static void same_walks(const char *scenario, const char *file)
{
	char *path = tap_lab_file(scenario, file);
	if (!path)
		return;
	static struct walk alone, many[THREADS];
	alone = (struct walk){.path = path};
	walk(&alone);
	if (!tap_ok(!alone.err && alone.n > 0, "%s/%s: one program walks %zu tasks", scenario, file, alone.n)) {
		if (alone.err)
			tap_diag("%s", kt_error_message(alone.err));
		kt_error_destroy(alone.err);
		free(path);
		return;
	}
	size_t with_pc = 0;
	for (size_t i = 0; i < alone.n; i++)
		with_pc += alone.top_pc[i] != 0;
	tap_ok(with_pc > 0, "%s/%s: %zu of its tasks have a backtrace", scenario, file, with_pc);
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		many[i] = (struct walk){.path = path};
		if (pthread_create(&th[i], NULL, walk, &many[i]))
			abort();
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < THREADS; i++) {
		struct walk *w = &many[i];
		bool same = !w->err && w->n == alone.n &&
			    !memcmp(w->pid, alone.pid, alone.n * sizeof(alone.pid[0])) &&
			    !memcmp(w->top_pc, alone.top_pc, alone.n * sizeof(alone.top_pc[0]));
		tap_ok(same, "%s/%s: program %d of %d opened at once on its own thread: the same %zu tasks "
		       "and innermost frames", scenario, file, i + 1, THREADS, alone.n);
		if (w->err)
			tap_diag("%s", kt_error_message(w->err));
		kt_error_destroy(w->err);
	}
	free(path);
}

int main(void)
{
	destroy_null();

	struct kt_error *err = NULL;
	pthread_t th;
	if (pthread_create(&th, NULL, make_error, &err))
		abort();
	pthread_join(th, NULL);
	tap_ok(err && kt_error_code(err) == KT_ERROR_OS && strstr(kt_error_message(err), "/nonexistent/vmcore"),
	       "an error made on another thread names the file: %s", err ? kt_error_message(err) : "(none)");
	kt_error_destroy(err);

	same_walks("panic", "vmcore.kdump");
	same_walks("panic", "vmcore.elf");
	same_walks("many-tasks", "vmcore.kdump");
	return tap_done();
}
