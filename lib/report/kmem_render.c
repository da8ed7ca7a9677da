// SPDX-License-Identifier: MIT
/* kmem -i and kmem ADDR as crash prints them, and as JSON documents (docs/json.md "kmem"). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

/* crash's pages_to_size(): "452.4 MB", "1.7 MB", "64 KB", "0". */
static const char *size_text(uint64_t pages, uint64_t page_size, char *buf, size_t size)
{
	if (!pages) {
		snprintf(buf, size, "0");
		return buf;
	}
	double total = (double)pages * (double)page_size;
	if (total >= 1024.0 * 1024 * 1024)
		snprintf(buf, size, "%.1f GB", total / (1024.0 * 1024 * 1024));
	else if (total >= 1024.0 * 1024)
		snprintf(buf, size, "%.1f MB", total / (1024.0 * 1024));
	else
		snprintf(buf, size, "%" PRIu64 " KB", (uint64_t)(total / 1024));
	char *p = strstr(buf, ".0 ");
	if (p)
		memmove(p, p + 2, strlen(p + 2) + 1);
	return buf;
}

static void row(FILE *out, const char *name, uint64_t pages, uint64_t page_size, uint64_t of,
		const char *of_name)
{
	char buf[32];
	fprintf(out, "%13s  %7" PRIu64 "  %11s  ", name, pages, size_text(pages, page_size, buf,
									    sizeof(buf)));
	if (!of_name)
		fputs("       ----\n", out);
	else
		fprintf(out, "%3" PRIu64 "%% of %s\n", of ? pages * 100 / of : 0, of_name);
}

static void info_text(FILE *out, const struct kt_kmem_info *m)
{
	uint64_t ps = m->page_size;
	fputs("                 PAGES        TOTAL      PERCENTAGE\n", out);
	row(out, "TOTAL MEM", m->total, ps, 0, NULL);
	row(out, "FREE", m->free, ps, m->total, "TOTAL MEM");
	row(out, "USED", m->used, ps, m->total, "TOTAL MEM");
	row(out, "SHARED", m->shared, ps, m->total, "TOTAL MEM");
	row(out, "BUFFERS", m->buffers, ps, m->total, "TOTAL MEM");
	row(out, "CACHED", m->cached, ps, m->total, "TOTAL MEM");
	row(out, "SLAB", m->slab, ps, m->total, "TOTAL MEM");
	if (m->has_huge) {
		putc('\n', out);
		row(out, "TOTAL HUGE", m->huge_total, ps, 0, NULL);
		row(out, "HUGE FREE", m->huge_free, ps, m->huge_total, "TOTAL HUGE");
	}
	putc('\n', out);
	if (m->has_swap) {
		row(out, "TOTAL SWAP", m->swap_total, ps, 0, NULL);
		row(out, "SWAP USED", m->swap_used, ps, m->swap_total, "TOTAL SWAP");
		row(out, "SWAP FREE", m->swap_total - m->swap_used, ps, m->swap_total, "TOTAL SWAP");
	}
	if (m->has_commit) {
		putc('\n', out);
		row(out, "COMMIT LIMIT", m->commit_limit, ps, 0, NULL);
		uint64_t c = (uint64_t)m->committed;
		if (m->commit_limit)
			row(out, "COMMITTED", c, ps, m->commit_limit, "TOTAL LIMIT");
		else
			row(out, "COMMITTED", c, ps, 0, NULL);
	}
	if (m->pages_unreadable)
		fprintf(out, "\n(SHARED: %" PRIu64 " of %" PRIu64 " struct pages could not be read)\n",
			m->pages_unreadable, m->pages_walked);
}

static void u64_member(FILE *out, const char *key, uint64_t v)
{
	kt_json_key(out, key);
	fprintf(out, "%" PRIu64, v);
}

static void info_json(FILE *out, const struct kt_kmem_info *m)
{
	kt_json_document_begin(out);
	u64_member(out, "page_size", m->page_size);
	u64_member(out, "total", m->total);
	u64_member(out, "free", m->free);
	u64_member(out, "used", m->used);
	u64_member(out, "shared", m->shared);
	u64_member(out, "pages_walked", m->pages_walked);
	u64_member(out, "pages_unreadable", m->pages_unreadable);
	u64_member(out, "buffers", m->buffers);
	u64_member(out, "cached", m->cached);
	u64_member(out, "slab", m->slab);
	kt_json_key(out, "huge");
	if (m->has_huge)
		fprintf(out, "{\"total\": %" PRIu64 ", \"free\": %" PRIu64 "}", m->huge_total,
			m->huge_free);
	else
		fputs("null", out);
	kt_json_key(out, "swap");
	if (m->has_swap)
		fprintf(out, "{\"total\": %" PRIu64 ", \"used\": %" PRIu64 ", \"free\": %" PRIu64 "}",
			m->swap_total, m->swap_used, m->swap_total - m->swap_used);
	else
		fputs("null", out);
	kt_json_key(out, "commit");
	if (m->has_commit)
		fprintf(out, "{\"limit\": %" PRIu64 ", \"committed\": %" PRId64 ", \"committed_sum\": %"
			PRId64 "}", m->commit_limit, m->committed, m->committed_sum);
	else
		fputs("null", out);
	fputs("}\n", out);
}

void kt_kmem_info_render(FILE *out, enum kt_format format, const struct kt_kmem_info *info)
{
	if (format == KT_FORMAT_JSON)
		info_json(out, info);
	else
		info_text(out, info);
}

static const char cache_header[] =
	"CACHE             OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  NAME\n";
static const char slab_header[] =
	"  SLAB              MEMORY            NODE  TOTAL  ALLOCATED  FREE\n";

/* One cache's kmem -s line. */
static void cache_line(FILE *out, const struct kt_slab_cache *c)
{
	if (c->has_counts)
		fprintf(out, "%016" PRIx64 " %8" PRIu64 " %10" PRIu64 " %9" PRIu64 " %6" PRIu64
			" %5" PRIu64 "k  %s\n", c->address, c->object_size, c->allocated, c->total,
			c->slabs, c->slab_size / 1024, c->name);
	else
		fprintf(out, "%016" PRIx64 " %8" PRIu64 " %10s %9s %6s %5" PRIu64 "k  %s\n",
			c->address, c->object_size, "?", "?", "?", c->slab_size / 1024, c->name);
}

static void slab_line(FILE *out, uint64_t slab, uint64_t memory, int node, uint32_t total,
		      uint32_t free)
{
	fprintf(out, "  %016" PRIx64 "  %016" PRIx64 "  %4d  %5u  %9u  %4u\n", slab, memory, node,
		total, total - free, free);
}

/* crash's marks: "[object]" allocated, " object" free, "(cpu N cache)" for a free object of
 * CPU N's slab (cpu >= 0), on its lockless freelist or the slab's own. */
static void object_line(FILE *out, uint64_t object, int state, int cpu)
{
	if (state == KT_SLAB_OBJECT_ALLOCATED)
		fprintf(out, "  [%016" PRIx64 "]\n", object);
	else if (cpu >= 0)
		fprintf(out, "   %016" PRIx64 "  (cpu %d cache)\n", object, cpu);
	else
		fprintf(out, "   %016" PRIx64 "  \n", object);
}

static void address_text(FILE *out, const struct kt_kmem_address *a)
{
	bool any = false;
	if (a->symbol) {
		fprintf(out, "%016" PRIx64 " ", a->address);
		kt_symbol_text(out, a->symbol, a->symbol_offset, a->module);
		putc('\n', out);
		any = true;
	}
	if (a->percpu) {
		fprintf(out, "%sPER-CPU OFFSET: %" PRIx64 "  (CPU %u)\n", any ? "\n" : "",
			a->percpu_offset, a->percpu_cpu);
		any = true;
	}
	if (a->slab && a->has_cache_counts && a->object_state_known) {
		fprintf(out, "%s%s", any ? "\n" : "", cache_header);
		cache_line(out, &a->cache_counts);
		fputs(slab_header, out);
		slab_line(out, a->slab_page, a->slab_memory, a->slab_node, a->slab_objects,
			  a->slab_free);
		fputs("  FREE / [ALLOCATED]\n", out);
		object_line(out, a->object, a->object_state, a->object_cpu);
		any = true;
	} else if (a->slab) {
		fprintf(out, "%sCACHE             OBJSIZE  NAME\n%016" PRIx64 "  %7" PRIu64 "  %s\n",
			any ? "\n" : "", a->slab_cache, a->object_size, a->cache_name);
		fprintf(out, "  SLAB              MEMORY\n  %016" PRIx64 "  %016" PRIx64 "\n",
			a->slab_page, a->slab_memory);
		fprintf(out, "  OBJECT (allocated or free: unknown)\n  %016" PRIx64 "\n", a->object);
		any = true;
	}
	if (a->has_task) {
		char comm[KT_COMM_TEXT_SIZE];
		fprintf(out, "%s    PID: %d\nCOMMAND: \"%s\"\n   TASK: %016" PRIx64 "%s\n    CPU: %d\n",
			any ? "\n" : "", a->task.pid, kt_comm_text(a->task.comm, comm), a->task.address,
			a->task_stack ? "  (kernel stack)" : "", a->task.cpu);
		any = true;
	}
	if (a->vmalloc) {
		fprintf(out, "%s   VMAP_AREA         VM_STRUCT                 ADDRESS RANGE                SIZE\n"
			"%016" PRIx64 "  %016" PRIx64 "  %016" PRIx64 " - %016" PRIx64 " %8" PRIu64 "\n",
			any ? "\n" : "", a->vmap_area, a->vm_struct, a->vm_start, a->vm_end,
			a->vm_end - a->vm_start);
		if (a->vm_caller) {
			fprintf(out, "  CALLER: %016" PRIx64 " ", a->vm_caller);
			kt_symbol_text(out, a->vm_caller_symbol, a->vm_caller_offset, NULL);
			putc('\n', out);
		}
		any = true;
	}
	if (a->page) {
		fprintf(out, "%s      PAGE       PHYSICAL      MAPPING       INDEX CNT FLAGS\n"
			"%016" PRIx64 " %8" PRIx64 " %16" PRIx64 " %8" PRIx64 " %2d %" PRIx64 "%s%s\n",
			any ? "\n" : "", a->page_address, a->phys, a->page_mapping, a->page_index,
			a->page_count, a->page_flags, a->page_flag_names[0] ? " " : "",
			a->page_flag_names);
		any = true;
	}
	if (!any)
		fprintf(out, "%016" PRIx64 ": not a kernel address ktriage can place\n", a->address);
	if (a->notes)
		fprintf(out, "(%s)\n", a->notes);
}

static void address_json(FILE *out, const struct kt_kmem_address *a)
{
	fputs("{\"address\": ", out);
	kt_json_address(out, a->address);
	kt_json_key(out, "symbol");
	if (a->symbol) {
		fputs("{\"name\": ", out);
		kt_json_string(out, a->symbol);
		fprintf(out, ", \"offset\": %" PRIu64 ", \"module\": ", a->symbol_offset);
		kt_json_string(out, a->module);
		putc('}', out);
	} else {
		fputs("null", out);
	}
	kt_json_key(out, "percpu");
	if (a->percpu)
		fprintf(out, "{\"cpu\": %u, \"offset\": %" PRIu64 "}", a->percpu_cpu, a->percpu_offset);
	else
		fputs("null", out);
	kt_json_key(out, "slab");
	if (a->slab) {
		fputs("{\"cache\": ", out);
		kt_json_address(out, a->slab_cache);
		kt_json_key(out, "name");
		kt_json_string(out, a->cache_name);
		kt_json_key(out, "slab");
		kt_json_address(out, a->slab_page);
		kt_json_key(out, "memory");
		kt_json_address(out, a->slab_memory);
		kt_json_key(out, "object");
		kt_json_address(out, a->object);
		fprintf(out, ", \"object_size\": %" PRIu64 ", \"stride\": %" PRIu64, a->object_size,
			a->object_stride);
		kt_json_key(out, "state");
		static const char *const states[] = {"allocated", "free", "cpu-free"};
		if (a->object_state_known) {
			kt_json_string(out, states[a->object_state % 3]);
			fprintf(out, ", \"cpu\": ");
			if (a->object_cpu >= 0)
				fprintf(out, "%d", a->object_cpu);
			else
				fputs("null", out);
			fprintf(out, ", \"node\": %d, \"slab_objects\": %u, \"slab_free\": %u",
				a->slab_node, a->slab_objects, a->slab_free);
		} else {
			fputs("null, \"cpu\": null, \"node\": null, \"slab_objects\": null, "
			      "\"slab_free\": null", out);
		}
		putc('}', out);
	} else {
		fputs("null", out);
	}
	kt_json_key(out, "task");
	if (a->has_task) {
		fprintf(out, "{\"pid\": %d, \"task\": ", a->task.pid);
		kt_json_address(out, a->task.address);
		kt_json_key(out, "comm");
		kt_json_string(out, a->task.comm);
		kt_json_key(out, "stack");
		kt_json_bool(out, a->task_stack);
		putc('}', out);
	} else {
		fputs("null", out);
	}
	kt_json_key(out, "vmalloc");
	if (a->vmalloc) {
		fputs("{\"vmap_area\": ", out);
		kt_json_address(out, a->vmap_area);
		kt_json_key(out, "vm_struct");
		kt_json_address_or_null(out, a->vm_struct);
		kt_json_key(out, "start");
		kt_json_address(out, a->vm_start);
		kt_json_key(out, "end");
		kt_json_address(out, a->vm_end);
		kt_json_key(out, "caller");
		kt_json_address_or_null(out, a->vm_caller);
		kt_json_key(out, "caller_symbol");
		kt_json_string(out, a->vm_caller_symbol);
		putc('}', out);
	} else {
		fputs("null", out);
	}
	kt_json_key(out, "page");
	if (a->page) {
		fputs("{\"page\": ", out);
		kt_json_address(out, a->page_address);
		kt_json_key(out, "phys");
		kt_json_address(out, a->phys);
		kt_json_key(out, "mapping");
		kt_json_address_or_null(out, a->page_mapping);
		fprintf(out, ", \"index\": %" PRIu64 ", \"count\": %d, \"flags\": ", a->page_index,
			a->page_count);
		kt_json_address(out, a->page_flags);
		kt_json_key(out, "flag_names");
		kt_json_string(out, a->page_flag_names);
		putc('}', out);
	} else {
		fputs("null", out);
	}
	kt_json_key(out, "notes");
	kt_json_string(out, a->notes);
	putc('}', out);
}

void kt_kmem_addresses_render(FILE *out, enum kt_format format, const struct kt_kmem_address *a,
			      size_t n)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "addresses");
		putc('[', out);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ",\n  " : "\n  ", out);
			address_json(out, &a[i]);
		}
		fputs("\n]}\n", out);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			putc('\n', out);
		address_text(out, &a[i]);
	}
}

void kt_slab_caches_render(FILE *out, enum kt_format format, const struct kt_slab_caches *s)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "caches");
		putc('[', out);
		for (size_t i = 0; i < s->n; i++) {
			const struct kt_slab_cache *c = &s->caches[i];
			fputs(i ? ",\n  {\"cache\": " : "\n  {\"cache\": ", out);
			kt_json_address(out, c->address);
			kt_json_key(out, "name");
			kt_json_string(out, c->name);
			fprintf(out, ", \"object_size\": %" PRIu64 ", \"stride\": %" PRIu64
				", \"objects_per_slab\": %u, \"slab_size\": %" PRIu64, c->object_size,
				c->stride, c->objects_per_slab, c->slab_size);
			if (c->has_counts)
				fprintf(out, ", \"allocated\": %" PRIu64 ", \"total\": %" PRIu64
					", \"slabs\": %" PRIu64 ", \"free\": %" PRIu64, c->allocated, c->total,
					c->slabs, c->free);
			else
				fputs(", \"allocated\": null, \"total\": null, \"slabs\": null, \"free\": null",
				      out);
			kt_json_key(out, "error");
			kt_json_string(out, c->error);
			putc('}', out);
		}
		fputs("\n]}\n", out);
		return;
	}
	fputs(cache_header, out);
	for (size_t i = 0; i < s->n; i++)
		cache_line(out, &s->caches[i]);
	for (size_t i = 0; i < s->n; i++)
		if (s->caches[i].error)
			fprintf(out, "%s: %s\n", s->caches[i].name, s->caches[i].error);
}

static const char *const where_names[] = {"cpu", "cpu-partial", "node-partial", "node-full"};

static void listed_slab_text(FILE *out, const struct kt_slab_listed *s)
{
	if (!s->states) {
		fprintf(out, "  %016" PRIx64 "  (%s)\n", s->slab, s->error ? s->error : "unread");
		return;
	}
	fputs(slab_header, out);
	slab_line(out, s->slab, s->memory, s->node, s->total, s->free);
	fputs("  FREE / [ALLOCATED]\n", out);
	for (uint32_t i = 0; i < s->total; i++)
		object_line(out, s->first_object + i * s->stride, s->states[i],
			    s->where == KT_SLAB_CPU ? s->owner : -1);
	if (s->error)
		fprintf(out, "  (%s)\n", s->error);
}

/* The slabs of one list (where, owner) in the listing, or "(empty)": a CPU's with their objects,
 * a node's one line each under one header, as crash prints them (their objects are in JSON). */
static void list_text(FILE *out, const struct kt_slab_cache_listing *c, enum kt_slab_where where,
		      int owner)
{
	bool any = false;
	for (size_t i = 0; i < c->n_slabs; i++) {
		const struct kt_slab_listed *s = &c->slabs[i];
		if (s->where != where || s->owner != owner)
			continue;
		if (where == KT_SLAB_CPU || where == KT_SLAB_CPU_PARTIAL) {
			listed_slab_text(out, s);
		} else {
			if (!any)
				fputs(slab_header, out);
			if (s->states)
				slab_line(out, s->slab, s->memory, s->node, s->total, s->free);
			else
				fprintf(out, "  %016" PRIx64 "  (%s)\n", s->slab,
					s->error ? s->error : "unread");
		}
		any = true;
	}
	if (!any)
		fputs("  (empty)\n", out);
}

static void listing_text(FILE *out, const struct kt_slab_cache_listing *c)
{
	fputs(cache_header, out);
	cache_line(out, &c->cache);
	for (size_t i = 0; i < c->n_cpus; i++) {
		int cpu = (int)c->cpus[i].cpu;
		fprintf(out, "CPU %d KMEM_CACHE_CPU:\n  %016" PRIx64 "\nCPU %d SLAB:\n", cpu,
			c->cpus[i].kmem_cache_cpu, cpu);
		list_text(out, c, KT_SLAB_CPU, cpu);
		fprintf(out, "CPU %d PARTIAL:\n", cpu);
		list_text(out, c, KT_SLAB_CPU_PARTIAL, cpu);
	}
	for (size_t i = 0; i < c->n_nodes; i++) {
		const struct kt_slab_node_listed *n = &c->nodes[i];
		fputs("KMEM_CACHE_NODE   NODE  SLABS  PARTIAL  PER-CPU\n", out);
		if (n->has_counts)
			fprintf(out, "%016" PRIx64 "%6d%7" PRIu64 "%9" PRIu64 "%9" PRIu64 "\n",
				n->kmem_cache_node, n->node, n->slabs, n->partial, n->per_cpu);
		else
			fprintf(out, "%016" PRIx64 "%6d%7s%9" PRIu64 "%9" PRIu64 "\n", n->kmem_cache_node,
				n->node, "?", n->partial, n->per_cpu);
		fprintf(out, "NODE %d PARTIAL:\n", n->node);
		list_text(out, c, KT_SLAB_NODE_PARTIAL, n->node);
		fprintf(out, "NODE %d FULL:\n", n->node);
		if (n->full_tracked)
			list_text(out, c, KT_SLAB_NODE_FULL, n->node);
		else
			fputs("  (not tracked)\n", out);
	}
	if (c->limits)
		fprintf(out, "(%s: %s)\n", c->cache.name, c->limits);
}

static void listing_json(FILE *out, const struct kt_slab_cache_listing *c)
{
	fputs("{\"cache\": ", out);
	kt_json_address(out, c->cache.address);
	kt_json_key(out, "name");
	kt_json_string(out, c->cache.name);
	fprintf(out, ", \"object_size\": %" PRIu64 ", \"stride\": %" PRIu64, c->cache.object_size,
		c->cache.stride);
	if (c->cache.has_counts)
		fprintf(out, ", \"allocated\": %" PRIu64 ", \"total\": %" PRIu64 ", \"slabs\": %" PRIu64,
			c->cache.allocated, c->cache.total, c->cache.slabs);
	else
		fputs(", \"allocated\": null, \"total\": null, \"slabs\": null", out);
	kt_json_key(out, "cpus");
	putc('[', out);
	for (size_t i = 0; i < c->n_cpus; i++) {
		fprintf(out, "%s{\"cpu\": %u, \"kmem_cache_cpu\": ", i ? ", " : "", c->cpus[i].cpu);
		kt_json_address(out, c->cpus[i].kmem_cache_cpu);
		putc('}', out);
	}
	fputs("], \"nodes\": [", out);
	for (size_t i = 0; i < c->n_nodes; i++) {
		const struct kt_slab_node_listed *n = &c->nodes[i];
		fprintf(out, "%s{\"node\": %d, \"kmem_cache_node\": ", i ? ", " : "", n->node);
		kt_json_address(out, n->kmem_cache_node);
		if (n->has_counts)
			fprintf(out, ", \"slabs\": %" PRIu64, n->slabs);
		else
			fputs(", \"slabs\": null", out);
		fprintf(out, ", \"partial\": %" PRIu64 ", \"per_cpu\": %" PRIu64 ", \"full_tracked\": %s"
			", \"unlisted\": %" PRIu64 "}", n->partial, n->per_cpu,
			n->full_tracked ? "true" : "false", n->unlisted);
	}
	fputs("], \"slabs\": [", out);
	for (size_t i = 0; i < c->n_slabs; i++) {
		const struct kt_slab_listed *s = &c->slabs[i];
		fprintf(out, "%s\n   {\"list\": \"%s\", \"owner\": %d, \"slab\": ", i ? "," : "",
			where_names[s->where % 4], s->owner);
		kt_json_address(out, s->slab);
		kt_json_key(out, "memory");
		kt_json_address(out, s->memory);
		kt_json_key(out, "first_object");
		kt_json_address(out, s->first_object);
		fprintf(out, ", \"stride\": %" PRIu64 ", \"node\": %d, \"total\": %u, \"allocated\": %u"
			", \"free\": %u", s->stride, s->node, s->total, s->total - s->free, s->free);
		kt_json_key(out, "objects");
		if (s->states) {
			static const char marks[] = "afc";
			putc('"', out);
			for (uint32_t j = 0; j < s->total; j++)
				putc(marks[s->states[j] % 3], out);
			putc('"', out);
		} else {
			fputs("null", out);
		}
		kt_json_key(out, "error");
		kt_json_string(out, s->error);
		putc('}', out);
	}
	fputs("]", out);
	kt_json_key(out, "limits");
	kt_json_string(out, c->limits);
	putc('}', out);
}

void kt_slab_listing_render(FILE *out, enum kt_format format, const struct kt_slab_listing *l)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "caches");
		putc('[', out);
		for (size_t i = 0; i < l->n; i++) {
			fputs(i ? ",\n  " : "\n  ", out);
			listing_json(out, &l->caches[i]);
		}
		fputs("\n]}\n", out);
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			putc('\n', out);
		listing_text(out, &l->caches[i]);
	}
}

void kt_vmap_areas_render(FILE *out, enum kt_format format, const struct kt_vmap_areas *v)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "source");
		kt_json_string(out, v->source);
		kt_json_key(out, "areas");
		putc('[', out);
		for (size_t i = 0; i < v->n; i++) {
			const struct kt_vmap_area_row *r = &v->rows[i];
			fputs(i ? ",\n  {\"vmap_area\": " : "\n  {\"vmap_area\": ", out);
			kt_json_address(out, r->vmap_area);
			kt_json_key(out, "vm_struct");
			if (r->vm_struct)
				kt_json_address(out, r->vm_struct);
			else
				fputs("null", out);
			kt_json_key(out, "start");
			kt_json_address(out, r->start);
			kt_json_key(out, "end");
			kt_json_address(out, r->end);
			fprintf(out, ", \"size\": %" PRIu64 ", \"nr_pages\": %" PRIu64, r->end - r->start,
				r->nr_pages);
			kt_json_key(out, "caller");
			if (r->caller)
				kt_json_address(out, r->caller);
			else
				fputs("null", out);
			kt_json_key(out, "caller_symbol");
			if (r->caller_symbol) {
				fputs("{\"name\": ", out);
				kt_json_string(out, r->caller_symbol);
				fprintf(out, ", \"offset\": %" PRIu64 ", \"module\": ", r->caller_offset);
				kt_json_string(out, r->caller_module);
				putc('}', out);
			} else {
				fputs("null", out);
			}
			putc('}', out);
		}
		fputs("\n]", out);
		kt_json_key(out, "limits");
		kt_json_string(out, v->limits);
		fputs("}\n", out);
		return;
	}
	fputs("   VMAP_AREA         VM_STRUCT                 ADDRESS RANGE                SIZE  CALLER\n",
	      out);
	for (size_t i = 0; i < v->n; i++) {
		const struct kt_vmap_area_row *r = &v->rows[i];
		char vm[20] = "                ";
		if (r->vm_struct)
			snprintf(vm, sizeof(vm), "%016" PRIx64, r->vm_struct);
		fprintf(out, "%016" PRIx64 "  %s  %016" PRIx64 " - %016" PRIx64 "  %7" PRIu64,
			r->vmap_area, vm, r->start, r->end, r->end - r->start);
		if (r->caller_symbol) {
			fputs("  ", out);
			kt_symbol_text(out, r->caller_symbol, r->caller_offset, r->caller_module);
		} else if (r->caller) {
			fprintf(out, "  %" PRIx64, r->caller);
		}
		putc('\n', out);
	}
	if (v->limits)
		fprintf(out, "(the walk of %s stopped: %s)\n", v->source, v->limits);
}

void kt_page_list_render(FILE *out, enum kt_format format, const struct kt_page_list *p)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "pages");
		putc('[', out);
		for (size_t i = 0; i < p->n; i++) {
			const struct kt_page_row *r = &p->rows[i];
			fputs(i ? ",\n  {\"page\": " : "\n  {\"page\": ", out);
			kt_json_address(out, r->page);
			kt_json_key(out, "phys");
			kt_json_address(out, r->phys);
			if (r->unreadable) {
				fputs(", \"readable\": false, \"mapping\": null, \"index\": null, \"count\": null, "
				      "\"flags\": null, \"flag_names\": null}", out);
				continue;
			}
			fputs(", \"readable\": true", out);
			kt_json_key(out, "mapping");
			kt_json_address(out, r->mapping);
			fprintf(out, ", \"index\": %" PRIu64 ", \"count\": %d", r->index, r->count);
			kt_json_key(out, "flags");
			kt_json_address(out, r->flags);
			kt_json_key(out, "flag_names");
			kt_json_string(out, r->flag_names);
			putc('}', out);
		}
		fputs("\n]", out);
		kt_json_key(out, "limits");
		kt_json_string(out, p->limits);
		fputs("}\n", out);
		return;
	}
	fputs("      PAGE       PHYSICAL      MAPPING       INDEX CNT FLAGS\n", out);
	for (size_t i = 0; i < p->n; i++) {
		const struct kt_page_row *r = &p->rows[i];
		if (r->unreadable)
			fprintf(out, "%016" PRIx64 " %8" PRIx64 "  (not in the dump)\n", r->page, r->phys);
		else
			fprintf(out, "%016" PRIx64 " %8" PRIx64 " %16" PRIx64 " %8" PRIx64 " %2d %" PRIx64
				"%s%s\n", r->page, r->phys, r->mapping, r->index, r->count, r->flags,
				r->flag_names[0] ? " " : "", r->flag_names);
	}
	if (p->limits)
		fprintf(out, "(%s)\n", p->limits);
}
