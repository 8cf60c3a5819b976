/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin: what older kernels lack, each shim turned on by a test of the
 * target tree, never by its version: #ifdef of a macro here, a grep of the
 * headers in Kbuild.include. Documentation/compat.rst lists them.
 */
#ifndef _TUNPIN_COMPAT_H
#define _TUNPIN_COMPAT_H

#include <linux/uaccess.h>
#include <net/genetlink.h>

/* 5.11 renamed nla_strlcpy() and made it report truncation. */
#ifdef TUNPIN_COMPAT_NLA_STRLCPY
static inline ssize_t nla_strscpy(char *dst, const struct nlattr *nla,
				  size_t dstsize)
{
	size_t len = nla_strlcpy(dst, nla, dstsize);

	return len < dstsize ? len : -E2BIG;
}
#endif

/* 6.0; before it, extack cannot name the missing attribute: say it. */
#ifndef GENL_REQ_ATTR_CHECK
#define GENL_REQ_ATTR_CHECK(info, attr) ({				\
	struct genl_info *__info = (info);				\
	bool __missing = !__info->attrs[attr];				\
									\
	if (__missing)							\
		GENL_SET_ERR_MSG(__info, "missing attribute " #attr);	\
	__missing;							\
})
#endif

/*
 * 6.2: NL_SET_ERR_MSG_FMT() formats into a buffer in the extack itself,
 * which lives until netlink_ack() copies it. Whether @msg went there: not
 * before 6.2, nor if it is longer than that buffer.
 */
static inline bool tunpin_extack_fmt(struct netlink_ext_ack *extack,
				     const char *msg)
{
#ifdef NETLINK_MAX_FMTMSG_LEN
	if (strlen(msg) < NETLINK_MAX_FMTMSG_LEN) {
		NL_SET_ERR_MSG_FMT(extack, "%s", msg);
		return true;
	}
#endif
	return false;
}

/*
 * The flag that keeps listeners without CAP_NET_ADMIN out of a multicast
 * group. A kernel that has neither form lets anyone listen: there tunpin
 * offers no events group at all (TUNPIN_HAVE_EVENTS is 0).
 */
#if defined(GENL_MCAST_CAP_NET_ADMIN)
#define TUNPIN_MCAST_CAP_NET_ADMIN	GENL_MCAST_CAP_NET_ADMIN
#elif defined(TUNPIN_COMPAT_MCGRP_FLAGS)
#define TUNPIN_MCAST_CAP_NET_ADMIN	GENL_UNS_ADMIN_PERM
#endif

#ifdef TUNPIN_MCAST_CAP_NET_ADMIN
#define TUNPIN_HAVE_EVENTS	1
#else
#define TUNPIN_HAVE_EVENTS	0
#endif

/*
 * 6.17: the feature array ioctls of vhost (struct vhost_features_array is
 * one __u64 count, then the words). tunpin knows them on every kernel; on
 * one without them vhost-net answers them as unknown commands.
 */
#include <linux/vhost.h>
#ifndef VHOST_GET_FEATURES_ARRAY
#define VHOST_GET_FEATURES_ARRAY	_IOR(VHOST_VIRTIO, 0x83, __u64)
#define VHOST_SET_FEATURES_ARRAY	_IOW(VHOST_VIRTIO, 0x83, __u64)
#endif

/*
 * 5.18 made __access_ok() generic: the range check of access_ok() without
 * its WARN_ON_IN_IRQ(). Before it (5.10), the same test against the
 * largest user address.
 */
#ifdef TUNPIN_COMPAT_NO___ACCESS_OK
static inline bool __access_ok(const void __user *ptr, unsigned long size)
{
	unsigned long addr = (unsigned long)ptr;

	return size <= TASK_SIZE_MAX && addr <= TASK_SIZE_MAX - size;
}
#endif

#endif /* _TUNPIN_COMPAT_H */
