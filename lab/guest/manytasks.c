/*
 * manytasks - fills the guest with sleeping threads for the many-tasks scenario.
 *
 *   manytasks [PROCESSES [THREADS]]     (defaults: 4 processes, 1000 threads each)
 *
 * Forks PROCESSES children one after the other; each creates THREADS threads
 * with small stacks and reports to the parent once all of them run. Thread i
 * blocks in one of four ways, by i % 4: pause(), FUTEX_WAIT, nanosleep() or
 * read() from an empty pipe, so the dump has tasks asleep in different kernel
 * paths. The child's main thread blocks in pause(). The parent prints the
 * ground truth ("KTGT <key> <value>" to /dev/kmsg, see lab/CONTRACT.md and
 * lab/scenarios/many-tasks.md) and exits; the children stay.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STACK_SIZE	(16 * 1024)
#define NR_WAITS	4

static const char *const wait_names[NR_WAITS] = {
	"pause", "futex", "nanosleep", "pipe_read",
};

/* What a child sends its parent once its threads are running. */
struct report {
	pid_t pid;
	int threads;		/* created and running */
	pid_t sample_tid[NR_WAITS];	/* thread i, for i < NR_WAITS */
};

static atomic_int started;
static int never_woken;		/* the FUTEX_WAIT word; stays 0 */
static int idle_pipe[2];	/* nobody writes to idle_pipe[1] */
static pid_t *tids;

/* One KTGT line; each open of /dev/kmsg has its own rate limit, so reopen. */
static void ktgt(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int fd, n;

	n = snprintf(line, sizeof(line), "KTGT ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	fd = open("/dev/kmsg", O_WRONLY);
	if (fd < 0 || write(fd, line, n) != n)
		printf("%s\n", line);
	if (fd >= 0)
		close(fd);
}

static void *sleeper(void *arg)
{
	long i = (long)arg;
	struct timespec day = { .tv_sec = 24 * 3600 };
	char c;

	tids[i] = gettid();
	atomic_fetch_add(&started, 1);
	for (;;) {
		switch (i % NR_WAITS) {
		case 0:
			pause();
			break;
		case 1:
			syscall(SYS_futex, &never_woken, FUTEX_WAIT_PRIVATE, 0,
				NULL, NULL, 0);
			break;
		case 2:
			nanosleep(&day, NULL);
			break;
		case 3:
			if (read(idle_pipe[0], &c, 1) <= 0)
				pause();
			break;
		}
	}
	return NULL;
}

/* Runs in the child: starts the threads, reports, then sleeps forever. */
static void child(int nthreads, int report_fd)
{
	struct report r = { .pid = getpid() };
	pthread_attr_t attr;
	pthread_t t;
	long stack = STACK_SIZE;
	int i, err;

	if (sysconf(_SC_THREAD_STACK_MIN) > stack)
		stack = sysconf(_SC_THREAD_STACK_MIN);
	tids = calloc(nthreads, sizeof(*tids));
	if (!tids || pipe(idle_pipe)) {
		perror("manytasks");
		exit(1);
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, stack);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

	for (i = 0; i < nthreads; i++) {
		err = pthread_create(&t, &attr, sleeper, (void *)(long)i);
		if (err) {
			fprintf(stderr, "manytasks: pid %d: thread %d: %s\n",
				r.pid, i, strerror(err));
			break;
		}
	}
	r.threads = i;
	while (atomic_load(&started) < r.threads)
		usleep(1000);
	for (i = 0; i < NR_WAITS; i++)
		r.sample_tid[i] = i < r.threads ? tids[i] : 0;

	if (write(report_fd, &r, sizeof(r)) != sizeof(r))
		exit(1);
	close(report_fd);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	int nprocs = argc > 1 ? atoi(argv[1]) : 4;
	int nthreads = argc > 2 ? atoi(argv[2]) : 1000;
	struct report r;
	int p, k, fd[2], tasks = 0, short_of = 0;
	pid_t pid;

	if (nprocs < 1 || nthreads < 1) {
		fprintf(stderr, "usage: manytasks [PROCESSES [THREADS]]\n");
		return 2;
	}

	ktgt("manytasks.processes %d", nprocs);
	ktgt("manytasks.threads_per_process %d", nthreads);
	ktgt("manytasks.parent %d", getpid());
	for (k = 0; k < NR_WAITS; k++)
		ktgt("manytasks.waits.%d %s", k, wait_names[k]);

	/* One child at a time, so that each child's thread ids are close together. */
	for (p = 0; p < nprocs; p++) {
		if (pipe(fd)) {
			perror("manytasks: pipe");
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			perror("manytasks: fork");
			return 1;
		}
		if (pid == 0) {
			close(fd[0]);
			child(nthreads, fd[1]);
		}
		close(fd[1]);
		if (read(fd[0], &r, sizeof(r)) != sizeof(r)) {
			fprintf(stderr, "manytasks: child %d did not report\n", pid);
			return 1;
		}
		close(fd[0]);

		ktgt("manytasks.procs.%d.pid %d", p, r.pid);
		ktgt("manytasks.procs.%d.threads %d", p, r.threads);
		for (k = 0; k < NR_WAITS && k < r.threads; k++) {
			ktgt("manytasks.procs.%d.samples.%d.tid %d", p, k, r.sample_tid[k]);
			ktgt("manytasks.procs.%d.samples.%d.wait %s", p, k, wait_names[k]);
		}
		tasks += r.threads + 1;
		if (r.threads < nthreads)
			short_of += nthreads - r.threads;
	}
	ktgt("manytasks.tasks %d", tasks);
	if (short_of) {
		fprintf(stderr, "manytasks: %d threads could not be created\n", short_of);
		return 1;
	}
	return 0;
}
