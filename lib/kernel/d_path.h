/* SPDX-License-Identifier: MIT */
/*
 * A file's path from its struct path (vfsmount and dentry), as the kernel's d_path() builds it
 * (fs/d_path.c, prepend_path()): the dentry names up the d_parent chain to the mount's root, then
 * on from the mountpoint in the parent mount, up to the mount that is its own parent. Memory is
 * hostile: the walk is bounded in steps and in length, every read checked.
 */
#ifndef KT_KERNEL_D_PATH_H
#define KT_KERNEL_D_PATH_H

#include "program.h"

/* Steps (names and mount crossings) before a walk is a loop: deeper than PATH_MAX allows. */
enum { KT_D_PATH_STEPS_MAX = 4096 };
/* The kernel's PATH_MAX: a longer path is not one d_path() could give. */
enum { KT_D_PATH_MAX = 4096 };

/* The path of dentry seen through vfsmount (a struct vfsmount *, inside a struct mount). A
 * dentry of a pseudo filesystem that names its own (d_op->d_dname: pipes, sockets, anonymous
 * inodes) is named as /proc/PID/fd shows it: "pipe:[INO]", "socket:[INO]", "anon_inode:NAME",
 * else "[FSTYPE]". Free *ret. */
struct kt_error *kt_d_path(struct kt_program *prog, uint64_t vfsmount, uint64_t dentry, char **ret);

#endif
