// SPDX-License-Identifier: GPL-2.0
/*
 * kvmloop - the smallest KVM user: one VM, one vCPU, threads named like QEMU's.
 *
 *   kvmloop [-c CPU] [-t PREFIX]            a real VM through /dev/kvm
 *   kvmloop [-c CPU] [-t PREFIX] -s DEVICE  one KVM_RUN on DEVICE (lab/modules/ktest_vmx*)
 *
 * The guest runs in real mode at 0x1000:
 *
 *	1:	out	%al, $0x10
 *		inc	%al
 *		jmp	1b
 *
 * so every pass exits to user space with KVM_EXIT_IO, and the vCPU thread
 * ("CPU 0/KVM", pinned to CPU, 1 by default) enters the guest again, forever.
 *
 * With -s there is no VM: the vCPU thread issues KVM_RUN on DEVICE, which
 * simulates a vCPU stuck in VM entry and does not return.
 *
 * With -t, ground truth goes to /dev/kmsg as "KTGT PREFIX.<key> <value>"
 * (lab/CONTRACT.md).
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define GUEST_MEM_SIZE	0x10000
#define GUEST_CODE_GPA	0x1000
#define GUEST_IO_PORT	0x10
#define VCPU_THREAD	"CPU 0/KVM"	/* QEMU: "CPU %d/KVM" */
#define RUNNING_EXITS	1000		/* exits before the VM counts as running */

static const uint8_t guest_code[] = {
	0xe6, GUEST_IO_PORT,	/* 1: out %al, $0x10 */
	0xfe, 0xc0,		/*    inc %al */
	0xeb, 0xfa,		/*    jmp 1b */
};

static const char *prefix;	/* -t */
static int vcpu_cpu = 1;	/* -c */
static int vcpu_fd = -1;
static struct kvm_run *run;
static unsigned long exits;	/* KVM_EXIT_IO seen by the vCPU thread */

static void ktgt(const char *key, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int fd, n;

	if (!prefix)
		return;
	n = snprintf(line, sizeof(line), "KTGT %s.%s ", prefix, key);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	/* Without a newline the kernel keeps the record open for continuation. */
	strcat(line, "\n");
	n = strlen(line);

	/* Writes to /dev/kmsg are rate-limited per open file: one open per line. */
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, n) != n)
		warn("/dev/kmsg");
	if (fd >= 0)
		close(fd);
}

/* Names and pins the calling thread the way QEMU's vCPU threads are set up. */
static void become_vcpu_thread(void)
{
	cpu_set_t set;

	pthread_setname_np(pthread_self(), VCPU_THREAD);
	CPU_ZERO(&set);
	CPU_SET(vcpu_cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		err(1, "pinning the vCPU thread to CPU %d", vcpu_cpu);
	ktgt("vcpu_thread", "%s", VCPU_THREAD);
	ktgt("vcpu_tid", "%d", gettid());
	ktgt("vcpu_cpu", "%d", sched_getcpu());
}

static void *vcpu_loop(void *arg)
{
	become_vcpu_thread();
	for (;;) {
		if (ioctl(vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			err(1, "KVM_RUN");
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != GUEST_IO_PORT)
			errx(1, "unexpected exit: reason %u", run->exit_reason);
		__atomic_add_fetch(&exits, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *vcpu_stuck(void *arg)
{
	become_vcpu_thread();
	if (ioctl(vcpu_fd, KVM_RUN, 0) < 0)
		err(1, "KVM_RUN");
	errx(1, "KVM_RUN returned");
	return NULL;
}

static int kvm_ioctl(int fd, unsigned long request, void *arg, const char *what)
{
	int r = ioctl(fd, request, arg);

	if (r < 0)
		err(1, "%s", what);
	return r;
}

static void create_vm(void)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = GUEST_MEM_SIZE,
	};
	struct kvm_regs regs = { .rip = GUEST_CODE_GPA, .rflags = 0x2 };
	struct kvm_sregs sregs;
	int kvm, vm, size;
	void *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		err(1, "/dev/kvm");
	if (kvm_ioctl(kvm, KVM_GET_API_VERSION, NULL, "KVM_GET_API_VERSION") != KVM_API_VERSION)
		errx(1, "KVM API version is not %d", KVM_API_VERSION);
	vm = kvm_ioctl(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");

	mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		err(1, "guest memory");
	memcpy((char *)mem + GUEST_CODE_GPA, guest_code, sizeof(guest_code));
	region.userspace_addr = (uintptr_t)mem;
	kvm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");

	vcpu_fd = kvm_ioctl(vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
	size = kvm_ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL, "KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	if (run == MAP_FAILED)
		err(1, "mmap kvm_run");

	/* Real mode, CS base 0: the guest starts at GUEST_CODE_GPA. */
	kvm_ioctl(vcpu_fd, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	kvm_ioctl(vcpu_fd, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
	kvm_ioctl(vcpu_fd, KVM_SET_REGS, &regs, "KVM_SET_REGS");

	ktgt("kvm_fd", "%d", kvm);
	ktgt("vm_fd", "%d", vm);
	ktgt("vcpu_fd", "%d", vcpu_fd);
	ktgt("guest_mem", "0x%016lx", (unsigned long)mem);
	ktgt("guest_code_gpa", "%d", GUEST_CODE_GPA);
	ktgt("io_port", "%d", GUEST_IO_PORT);
}

/* Returns once the vCPU thread has gone through RUNNING_EXITS exits. */
static void wait_running(void)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	unsigned long n;
	int i;

	for (i = 0; i < 6000; i++) {
		n = __atomic_load_n(&exits, __ATOMIC_RELAXED);
		if (n >= RUNNING_EXITS) {
			ktgt("exits_at_report", "%lu", n);
			ktgt("running", "1");
			return;
		}
		nanosleep(&tick, NULL);
	}
	ktgt("running", "0");
	errx(1, "the vCPU made %lu exits in 60 s", __atomic_load_n(&exits, __ATOMIC_RELAXED));
}

static void usage(void)
{
	fprintf(stderr, "usage: kvmloop [-c CPU] [-t PREFIX] [-s DEVICE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *device = NULL;
	pthread_t thread;
	int opt;

	while ((opt = getopt(argc, argv, "c:s:t:")) != -1) {
		switch (opt) {
		case 'c':
			vcpu_cpu = atoi(optarg);
			break;
		case 's':
			device = optarg;
			break;
		case 't':
			prefix = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	ktgt("pid", "%d", getpid());

	if (device) {
		vcpu_fd = open(device, O_RDWR | O_CLOEXEC);
		if (vcpu_fd < 0)
			err(1, "%s", device);
		ktgt("device", "%s", device);
		errno = pthread_create(&thread, NULL, vcpu_stuck, NULL);
	} else {
		create_vm();
		errno = pthread_create(&thread, NULL, vcpu_loop, NULL);
	}
	if (errno)
		err(1, "pthread_create");
	if (!device)
		wait_running();
	pthread_join(thread, NULL);
	return 0;
}
