// SPDX-License-Identifier: MIT
/*
 * net: the network devices of the initial network namespace (init_net.dev_base_head, a list of
 * struct net_device linked by dev_list), with each device's IPv4 addresses (dev->ip_ptr, the
 * struct in_device, whose ifa_list chains struct in_ifaddr by ifa_next), as crash's net.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "ktriage.h"

/* Devices and addresses before a walk is a loop. */
enum { NET_DEVICES_MAX = 1 << 20, NET_ADDRESSES_MAX = 4096 };

struct device_walk {
	struct kt_net_devices *d;
	size_t cap;
	struct kt_error *fatal;
};

static struct kt_error *pointer(const struct kt_object *obj, const char *path, uint64_t *ret)
{
	struct kt_object o;
	struct kt_error *err = kt_object_member(obj, path, &o);
	return err ? err : kt_object_read_unsigned(&o, ret);
}

/* ip_ptr->ifa_list, bounded: a chain longer than NET_ADDRESSES_MAX is a loop. */
static struct kt_error *addresses_read(const struct kt_object *dev, struct kt_net_device *k)
{
	uint64_t ifa, v;
	struct kt_object a;
	struct kt_error *err = pointer(dev, "ip_ptr", &ifa);
	if (err || !ifa)
		return err;
	if ((err = pointer(dev, "ip_ptr->ifa_list", &ifa)))
		return err;
	size_t cap = 0;
	for (unsigned int n = 0; ifa; n++) {
		if (n >= NET_ADDRESSES_MAX)
			return kt_error_create(KT_ERROR_LIMIT, "more than %d addresses on ifa_list (a loop at "
					       "0x%llx)", NET_ADDRESSES_MAX, (unsigned long long)ifa);
		if ((err = kt_object_from_address(dev->prog, "struct in_ifaddr", ifa, &a)) ||
		    (err = pointer(&a, "ifa_address", &v)))
			return err;
		if (!kt_grow((void **)&k->ipv4, &cap, k->n_ipv4, sizeof(*k->ipv4), 4))
			return &kt_enomem;
		k->ipv4[k->n_ipv4++] = (uint32_t)v;
		if ((err = pointer(&a, "ifa_next", &ifa)))
			return err;
	}
	return NULL;
}

static bool add_device(const struct kt_object *dev, void *arg)
{
	struct device_walk *w = arg;
	if (!kt_grow((void **)&w->d->devices, &w->cap, w->d->n_devices, sizeof(*w->d->devices), 8)) {
		w->fatal = &kt_enomem;
		return false;
	}
	struct kt_net_device *k = &w->d->devices[w->d->n_devices++];
	*k = (struct kt_net_device){.address = dev->address};
	struct kt_object name;
	struct kt_error *err = kt_object_member(dev, "name", &name);
	if (!err)
		err = kt_object_read_string(&name, k->name, sizeof(k->name));
	if (!err)
		err = addresses_read(dev, k);
	if (err && kt_error_code(err) == KT_ERROR_NOMEM) {
		w->fatal = err;
		return false;
	}
	if (err) {
		k->error = strdup(kt_error_message(err));
		kt_error_destroy(err);
	}
	return true;
}

struct kt_error *kt_net_devices_read(struct kt_program *prog, struct kt_net_devices **ret)
{
	struct kt_object net, head;
	struct kt_error *err;
	if ((err = kt_object_symbol(prog, "init_net", "struct net", &net, NULL)) ||
	    (err = kt_object_member(&net, "dev_base_head", &head)))
		return kt_error_prefix(err, "init_net");
	struct kt_net_devices *d = calloc(1, sizeof(*d));
	if (!d)
		return &kt_enomem;
	d->net = net.address;
	struct device_walk w = {.d = d};
	struct kt_error *walk = kt_object_list_for_each(&head, "struct net_device", "dev_list",
							NET_DEVICES_MAX, add_device, &w);
	if (w.fatal) {
		kt_error_destroy(walk);
		kt_net_devices_destroy(d);
		return w.fatal;
	}
	if (walk) {
		d->error = strdup(kt_error_message(walk));
		d->error_code = kt_error_code(walk);
		kt_error_destroy(walk);
	}
	*ret = d;
	return NULL;
}

void kt_net_devices_destroy(struct kt_net_devices *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_devices; i++) {
		free(d->devices[i].ipv4);
		free(d->devices[i].error);
	}
	free(d->devices);
	free(d->error);
	free(d);
}
