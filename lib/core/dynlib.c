// SPDX-License-Identifier: MIT
#include <dlfcn.h>

#include "core/dynlib.h"

static struct kt_error *open_and_resolve(struct kt_dynlib *lib, void **slots)
{
	void *handle = NULL;
	const char *why = "no library name to try";
	for (const char *const *name = lib->sonames; *name && !handle; name++)
		if (!(handle = dlopen(*name, RTLD_NOW | RTLD_LOCAL)))
			why = dlerror();
	if (!handle)
		return kt_error_create(KT_ERROR_OS, "cannot load %s: %s", lib->what,
				       why ? why : "unknown error");
	for (size_t i = 0; i < lib->n; i++) {
		dlerror();
		if (!(slots[i] = dlsym(handle, lib->symbols[i]))) {
			const char *err = dlerror();
			struct kt_error *e = kt_error_create(KT_ERROR_OS, "cannot load %s: %s",
							     lib->what, err ? err : lib->symbols[i]);
			dlclose(handle);
			return e;
		}
	}
	// The handle stays open for the rest of the program: the slots point into it.
	return NULL;
}

struct kt_error *kt_dynlib_load(struct kt_dynlib *lib, void **slots)
{
	pthread_mutex_lock(&lib->lock);
	struct kt_error *err = NULL;
	if (!lib->loaded && !(err = open_and_resolve(lib, slots)))
		lib->loaded = true;
	pthread_mutex_unlock(&lib->lock);
	return err;
}
