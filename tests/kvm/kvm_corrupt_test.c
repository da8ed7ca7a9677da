// SPDX-License-Identifier: MIT
/*
 * KVM walks over hostile memory: copies of the lab's kvm-svm dump with the VM's vcpu_array, its
 * vm_list link and the vCPU's pid pointer made garbage or circular. Every read must end with a
 * reason in the result, never a crash or a hang.
 */
#include <json-c/json.h>
#include <string.h>

#include "core/error.h"
#include "dump_patch.h"
#include "tap.h"

/* The debug vmlinux beside the dump: the kvm module's split BTF is read on top of its BTF. */
static struct kt_open_options opts;

/* The VM's vCPUs: an XArray since Linux 5.19 (vcpu_array), an array before (vcpus[]). */
static const char *vcpus_field = "vcpu_array.xa_head";

struct target {
	uint64_t kvm, vcpu;
	uint64_t xa_head, vm_list_next, vcpu_pid;   /* addresses of the fields */
};

static bool targets(const char *path, uint64_t kvm, uint64_t vcpu, struct target *t)
{
	struct kt_program *prog;
	uint64_t xa, link, pid;
	struct kt_error *err = kt_program_open(path, &opts, &prog);
	struct kt_error *xarray = err ? NULL : kt_program_member_offset(prog, "kvm", vcpus_field, &xa);
	if (xarray) {
		tap_diag("%s: the vCPUs are the array kvm.vcpus[] (before 5.19)", kt_error_message(xarray));
		kt_error_destroy(xarray);
		vcpus_field = "vcpus";
	}
	if (!err && !(err = kt_program_member_offset(prog, "kvm", vcpus_field, &xa)) &&
	    !(err = kt_program_member_offset(prog, "kvm", "vm_list.next", &link)))
		err = kt_program_member_offset(prog, "kvm_vcpu", "pid", &pid);
	if (err) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		kt_program_destroy(prog);
		return false;
	}
	kt_program_destroy(prog);
	*t = (struct target){kvm, vcpu, kvm + xa, kvm + link, vcpu + pid};
	return true;
}

/* Patches a copy at va with value, reads the KVM state, restores. */
static struct kt_kvm_state *read_patched(const char *copy, uint64_t va, uint64_t value, struct kt_error **err_ret)
{
	struct kt_program *prog;
	off_t at;
	uint64_t old;
	struct kt_error *err = kt_program_open(copy, &opts, &prog);
	*err_ret = NULL;
	if (err || !va_to_file_offset(prog, copy, va, &at) ||
	    kt_program_read(prog, va, KT_KVADDR, &old, 8)) {
		tap_diag("cannot place 0x%llx in %s", (unsigned long long)va, copy);
		kt_error_destroy(err);
		kt_program_destroy(prog);
		return NULL;
	}
	kt_program_destroy(prog);
	patch_u64(copy, at, value);
	struct kt_kvm_state *state = NULL;
	if (!(err = kt_program_open(copy, &opts, &prog))) {
		err = kt_kvm_state_read(prog, &state);
		kt_program_destroy(prog);
	}
	patch_u64(copy, at, old);
	*err_ret = err;
	return state;
}

static uint64_t gt_hex(struct json_object *gt, const char *a, const char *b)
{
	struct json_object *o;
	if (!json_object_object_get_ex(gt, "svm", &o) || !json_object_object_get_ex(o, a, &o) ||
	    (b && !json_object_object_get_ex(o, b, &o)))
		return 0;
	return strtoull(json_object_get_string(o), NULL, 16);
}

/*
 * A one-vCPU VM keeps its vCPU in xa_head itself; a node is walked only with more. So a node is
 * built in a copy, in the second half of the VMCB page (guest state, not read here): shift 0,
 * array naming the VM's vcpu_array, slot 0 the vCPU, other slots empty; xa_head points at it.
 * The walk must find the vCPU through the node, once.
 */
static size_t xarray_node_case(const char *copy, uint64_t kvm, uint64_t vcpu, uint64_t vmcb)
{
	struct kt_program *prog;
	uint64_t array_off, slots_off, xa_off, head_off;
	off_t at;
	struct kt_error *err = kt_program_open(copy, &opts, &prog);
	if (!err && !(err = kt_program_member_offset(prog, "xa_node", "array", &array_off)) &&
	    !(err = kt_program_member_offset(prog, "xa_node", "slots", &slots_off)) &&
	    !(err = kt_program_member_offset(prog, "kvm", "vcpu_array", &xa_off)))
		err = kt_program_member_offset(prog, "kvm", "vcpu_array.xa_head", &head_off);
	uint64_t node = vmcb + 0x800;
	bool placed = !err && vmcb && va_to_file_offset(prog, copy, node, &at);
	off_t head_at = 0;
	placed = placed && va_to_file_offset(prog, copy, kvm + head_off, &head_at);
	kt_program_destroy(prog);
	if (!tap_ok(placed, "a node placed in the VMCB page (%s)", err ? kt_error_message(err) : "")) {
		kt_error_destroy(err);
		return 0;
	}
	for (uint64_t i = 0; i < slots_off + 64 * 8; i += 8)
		patch_u64(copy, at + (off_t)i, 0);
	patch_u64(copy, at + (off_t)array_off, kvm + xa_off);
	patch_u64(copy, at + (off_t)slots_off, vcpu);
	patch_u64(copy, head_at, node | 2);
	struct kt_kvm_state *s = NULL;
	if (!(err = kt_program_open(copy, &opts, &prog))) {
		err = kt_kvm_state_read(prog, &s);
		kt_program_destroy(prog);
	}
	bool ok = !err && s && s->n_vms == 1 && s->vms[0].n_vcpus == 1 && s->vms[0].vcpus[0].address == vcpu &&
		  !s->vms[0].error[0];
	tap_ok(ok, "the vCPU is found through an XArray node, once (%s)",
	       err ? kt_error_message(err) : s && s->n_vms ? s->vms[0].error : "no VM");
	kt_error_destroy(err);
	kt_kvm_state_destroy(s);
	return 1;
}

int main(void)
{
	char *dump = tap_lab_file("kvm-svm", "vmcore.elf");
	char *truth = tap_lab_file("kvm-svm", "ground-truth.json");
	char *vmlinux = tap_lab_file("kvm-svm", "vmlinux");
	if (!dump || !truth || !vmlinux)
		return tap_done();
	opts.vmlinux = vmlinux;
	struct json_object *gt = json_object_from_file(truth);
	uint64_t kvm = gt_hex(gt, "kvm", NULL), vcpu = gt_hex(gt, "kvm_vcpu", NULL);
	char copy[] = "/tmp/ktriage-kvm-corrupt-XXXXXX";
	int fd = mkstemp(copy);
	close(fd);
	struct target t = {0};
	if (!tap_ok(kvm && vcpu && copy_file(dump, copy) && targets(copy, kvm, vcpu, &t),
		    "copy of kvm-svm with the VM's fields placed"))
		goto out;
	static const struct {
		const char *what;
		int field;          /* 0 xa_head, 1 vm_list.next, 2 vcpu->pid */
		uint64_t value;     /* 1: the field's own address (a loop) */
	} cases[] = {
		{"non-canonical (as a node)", 0, 0xdead000000000002ull},
		{"pointing into the struct kvm (as a node)", 0, 2},
		{"unreadable (as a node)", 0, 0xffffffffff000002ull},
		{"vm_list.next looping on itself", 1, 1},
		{"vm_list.next non-canonical", 1, 0x4141414141414141ull},
		{"vcpu->pid garbage", 2, 0xffff888000000008ull},
		{"vcpu->pid non-canonical", 2, 0x1234567812345678ull},
	};
	size_t compared = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t va = cases[i].field == 0 ? t.xa_head : cases[i].field == 1 ? t.vm_list_next : t.vcpu_pid;
		uint64_t value = cases[i].value == 1 ? va : cases[i].value == 2 ? kvm | 2 : cases[i].value;
		struct kt_error *err;
		struct kt_kvm_state *s = read_patched(copy, va, value, &err);
		bool said = false;
		if (s) {
			said = s->vm_list_note[0] || s->percpu_note[0];
			for (size_t v = 0; v < s->n_vms; v++) {
				said |= s->vms[v].error[0] != 0;
				for (size_t c = 0; c < s->vms[v].n_vcpus; c++)
					said |= s->vms[v].vcpus[c].error[0] || !s->vms[v].vcpus[c].thread.found;
			}
		}
		tap_ok((s && said) || (err && kt_error_code(err) != KT_ERROR_NOMEM),
		       "%s%s: ends with a reason (%s)",
		       cases[i].field != 0 ? "" : strcmp(vcpus_field, "vcpus") ? "vcpu_array.xa_head " : "vcpus[0] ",
		       cases[i].what,
		       err ? kt_error_message(err)
		       : s && s->vm_list_note[0] ? s->vm_list_note
		       : s && s->n_vms && s->vms[0].error[0] ? s->vms[0].error
		       : s && s->n_vms && s->vms[0].n_vcpus ? s->vms[0].vcpus[0].error : "no reason");
		compared++;
		kt_error_destroy(err);
		kt_kvm_state_destroy(s);
	}
	if (!strcmp(vcpus_field, "vcpus"))
		tap_diag("kvm.vcpus[] is a plain array: no XArray node to build");
	else
		compared += xarray_node_case(copy, kvm, vcpu, gt_hex(gt, "vmcb", "addr"));
	tap_ok(compared > 0, "%zu corrupted copies read", compared);
out:
	unlink(copy);
	json_object_put(gt);
	free(dump);
	free(truth);
	free(vmlinux);
	return tap_done();
}
