// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: /sys/kernel/tunpin, the simple view. One value per file:
 *   level			rw  the level in force (see caps.c for the syntax)
 *   known			ro  every capability name tunpin knows
 *   requested/<cap|unknown>	ro  TUNSETOFFLOAD calls asking for it
 *   refused/<cap|unknown>	ro  TUNSETOFFLOAD calls refused for it
 *   refused/ioctls		ro  unknown ioctl commands refused
 */

#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/string.h>
#include "tunpin.h"

static struct kobject *tunpin_kobj;

static ssize_t level_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct tunpin_level level;
	int len;

	tunpin_level_get(&level);
	len = tunpin_level_print(&level, buf, PAGE_SIZE - 1);
	buf[len++] = '\n';
	return len;
}

static ssize_t level_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	struct tunpin_level level;
	int err;

	/* An embedded NUL would hide the rest of the write from the parser. */
	if (strnlen(buf, count) != count)
		return -EINVAL;
	err = tunpin_level_parse(buf, &level);
	if (!err)
		err = tunpin_level_set(&level);
	return err ?: count;
}

static ssize_t known_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return tunpin_bits_print(TUNPIN_CAP_ALL, buf, PAGE_SIZE - 1) +
	       sysfs_emit_at(buf, strlen(buf), "\n");
}

static struct kobj_attribute level_attr = __ATTR_RW_MODE(level, 0644);
static struct kobj_attribute known_attr = __ATTR_RO(known);

static struct attribute *tunpin_attrs[] = {
	&level_attr.attr,
	&known_attr.attr,
	NULL,
};

static const struct attribute_group tunpin_group = {
	.attrs = tunpin_attrs,
};

/* requested/ and refused/: one file per capability, then "unknown". */
static ssize_t requested_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf);
static ssize_t refused_show(struct kobject *kobj,
			    struct kobj_attribute *attr, char *buf);

#define __TUNPIN_REQ_ATTR(id, name, bit) __ATTR(name, 0444, requested_show, NULL),
#define __TUNPIN_REF_ATTR(id, name, bit) __ATTR(name, 0444, refused_show, NULL),

static struct kobj_attribute requested_attrs[TUNPIN_NCAPS + 1] = {
	TUNPIN_CAPS(__TUNPIN_REQ_ATTR)
	__ATTR(unknown, 0444, requested_show, NULL),
};

static struct kobj_attribute refused_attrs[TUNPIN_NCAPS + 1] = {
	TUNPIN_CAPS(__TUNPIN_REF_ATTR)
	__ATTR(unknown, 0444, refused_show, NULL),
};

static ssize_t requested_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  tunpin_count_requested(attr - requested_attrs));
}

static ssize_t refused_show(struct kobject *kobj,
			    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  tunpin_count_refused(attr - refused_attrs));
}

static ssize_t ioctls_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%llu\n", tunpin_count_refused_ioctls());
}

static struct kobj_attribute ioctls_attr = __ATTR_RO(ioctls);

static struct attribute *requested_group_attrs[TUNPIN_NCAPS + 2];
static struct attribute *refused_group_attrs[TUNPIN_NCAPS + 3];

static const struct attribute_group requested_group = {
	.name = "requested",
	.attrs = requested_group_attrs,
};

static const struct attribute_group refused_group = {
	.name = "refused",
	.attrs = refused_group_attrs,
};

static const struct attribute_group *tunpin_groups[] = {
	&tunpin_group,
	&requested_group,
	&refused_group,
	NULL,
};

int tunpin_sysfs_init(void)
{
	int i, err;

	for (i = 0; i < TUNPIN_NCAPS + 1; i++) {
		requested_group_attrs[i] = &requested_attrs[i].attr;
		refused_group_attrs[i] = &refused_attrs[i].attr;
	}
	refused_group_attrs[i] = &ioctls_attr.attr;

	tunpin_kobj = kobject_create_and_add("tunpin", kernel_kobj);
	if (!tunpin_kobj)
		return -ENOMEM;
	err = sysfs_create_groups(tunpin_kobj, tunpin_groups);
	if (err)
		kobject_put(tunpin_kobj);
	return err;
}

void tunpin_sysfs_exit(void)
{
	sysfs_remove_groups(tunpin_kobj, tunpin_groups);
	kobject_put(tunpin_kobj);
}
