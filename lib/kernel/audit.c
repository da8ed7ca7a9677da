// SPDX-License-Identifier: MIT
/*
 * log -a: audit records still queued in the kernel (kernel/audit.c), as crash's log -a reads them:
 * each queue is a struct sk_buff_head whose sk_buffs link through next (the first member of both),
 * and each sk_buff's data is a netlink message: struct nlmsghdr (len, type, flags, seq, pid: 16
 * bytes) and then the record's text.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/list.h"
#include "kernel/object.h"
#include "ktriage.h"

/* A record's text beyond this is cut: audit records are at most MAX_AUDIT_MESSAGE_LENGTH (8970). */
enum { AUDIT_TEXT_MAX = 1 << 14, NLMSG_HDRLEN = 16, AUDIT_QUEUE_MAX = 1 << 20 };

struct queue_walk {
	struct kt_program *prog;
	struct kt_audit_log *log;
	size_t cap;
	const char *queue;
	uint64_t data_off, len_off;
	struct kt_error *err;
};

static bool visit_skb(uint64_t skb, void *arg)
{
	struct queue_walk *w = arg;
	uint64_t data;
	uint32_t len;
	struct kt_error *err;
	if ((err = kt_read_u64(&w->prog->reader, skb + w->data_off, &data)) ||
	    (err = kt_read_u32(&w->prog->reader, skb + w->len_off, &len))) {
		w->err = kt_error_prefix(err, "%s: sk_buff 0x%llx", w->queue, (unsigned long long)skb);
		return false;
	}
	size_t n = len < AUDIT_TEXT_MAX ? len : AUDIT_TEXT_MAX;
	uint8_t *buf = n >= NLMSG_HDRLEN ? malloc(n + 1) : NULL;
	if (n < NLMSG_HDRLEN) {
		w->err = kt_error_create(KT_ERROR_BAD_DATA, "%s: sk_buff 0x%llx holds %u bytes, less than a "
					 "netlink header", w->queue, (unsigned long long)skb, len);
		return false;
	}
	if (!buf || !kt_grow((void **)&w->log->records, &w->cap, w->log->n, sizeof(*w->log->records), 16)) {
		free(buf);
		w->err = &kt_enomem;
		return false;
	}
	if ((err = kt_read(&w->prog->reader, data, buf, n))) {
		free(buf);
		w->err = kt_error_prefix(err, "%s: sk_buff 0x%llx data", w->queue, (unsigned long long)skb);
		return false;
	}
	uint32_t nlmsg_len;
	uint16_t type;
	memcpy(&nlmsg_len, buf, 4);
	memcpy(&type, buf + 4, 2);
	size_t text_len = nlmsg_len > NLMSG_HDRLEN && nlmsg_len <= n ? nlmsg_len - NLMSG_HDRLEN : n - NLMSG_HDRLEN;
	memmove(buf, buf + NLMSG_HDRLEN, text_len);
	buf[text_len] = 0;
	w->log->records[w->log->n++] = (struct kt_audit_record){w->queue, skb, type, (char *)buf};
	return true;
}

void kt_audit_log_destroy(struct kt_audit_log *log)
{
	if (!log)
		return;
	for (size_t i = 0; i < log->n; i++)
		free(log->records[i].text);
	free(log->records);
	free(log);
}

struct kt_error *kt_audit_log_read(struct kt_program *prog, struct kt_audit_log **ret)
{
	// Oldest first: held back while auditd was away, then waiting for a retry, then queued.
	static const char *const queues[] = {"audit_hold_queue", "audit_retry_queue", "audit_queue",
					     "audit_skb_hold_queue", "audit_skb_queue"};
	struct kt_type_ref skb_type, head_type, member;
	uint64_t next_off = 1, head_next = 1;
	struct queue_walk w = {.prog = prog};
	struct kt_error *err;
	if ((err = kt_object_lookup_type(prog, "struct sk_buff", &skb_type)) ||
	    (err = kt_object_lookup_type(prog, "struct sk_buff_head", &head_type)) ||
	    (err = kt_object_member_offset(prog, skb_type, "next", &next_off, &member)) ||
	    (err = kt_object_member_offset(prog, head_type, "next", &head_next, &member)) ||
	    (err = kt_object_member_offset(prog, skb_type, "data", &w.data_off, &member)) ||
	    (err = kt_object_member_offset(prog, skb_type, "len", &w.len_off, &member)))
		return kt_error_prefix(err, "audit queues");
	if (next_off || head_next)
		return kt_error_create(KT_ERROR_UNSUPPORTED, "audit queues: sk_buff.next is not the first member");
	if (!(w.log = calloc(1, sizeof(*w.log))))
		return &kt_enomem;
	size_t found = 0;
	for (size_t i = 0; i < sizeof(queues) / sizeof(queues[0]) && !w.err; i++) {
		uint64_t head;
		err = kt_program_symbol_address(prog, queues[i], &head);
		if (kt_error_catch(&err, KT_ERROR_NOT_FOUND))
			continue;
		found++;
		w.queue = queues[i];
		if (!err)
			err = kt_list_for_each(&prog->reader, head, AUDIT_QUEUE_MAX, visit_skb, &w);
		if (err || w.err) {
			kt_audit_log_destroy(w.log);
			return err ? kt_error_prefix(err, "%s", queues[i]) : w.err;
		}
	}
	if (!found) {
		kt_audit_log_destroy(w.log);
		return kt_error_create(KT_ERROR_NOT_FOUND, "the kernel has no audit queue (audit_queue, "
				       "audit_skb_queue): built without CONFIG_AUDIT");
	}
	*ret = w.log;
	return NULL;
}
