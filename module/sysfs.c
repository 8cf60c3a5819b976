// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: /sys/kernel/tunpin, the simple view. One value per file:
 *   level			rw  the level in force (see caps.c for the syntax)
 *   level_name			rw  its label, e.g. "pool-a" (may be empty)
 *   known			ro  every capability name tunpin knows
 *   requested/<cap|unknown>	ro  TUNSETOFFLOAD, VHOST_SET_FEATURES asking for it
 *   refused/<cap|unknown>	ro  those calls refused for it
 *   refused/ioctls		ro  unknown ioctl commands refused
 *   probes			ro  the interposition points and their state
 */

#include <linux/kernel.h>
#include <linux/capability.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/string.h>
#include "tunpin.h"

static struct kobject *tunpin_kobj;

static ssize_t level_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return tunpin_level_emit(buf);
}

static ssize_t level_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	struct tunpin_refusal why;
	struct tunpin_level level;
	int err;

	if (!capable(CAP_NET_ADMIN))	/* root in a user namespace: no */
		return -EPERM;
	/* An embedded NUL would hide the rest of the write from the parser. */
	if (strnlen(buf, count) != count)
		return -EINVAL;
	err = tunpin_level_parse(buf, &level);
	if (!err)
		err = tunpin_level_set(&level, false, &why);
	if (err == -EBUSY)
		tunpin_lowering_refused(&why, NULL);
	return err ?: count;
}

static ssize_t level_name_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct tunpin_level level;

	tunpin_level_get(&level);
	return sysfs_emit(buf, "%s\n", level.name);
}

static ssize_t level_name_store(struct kobject *kobj,
				struct kobj_attribute *attr, const char *buf,
				size_t count)
{
	char name[TUNPIN_NAME_MAX + 2];
	int err;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	/* One trailing newline is fine; NULs and anything overlong are not. */
	if (strnlen(buf, count) != count || count >= sizeof(name))
		return -EINVAL;
	memcpy(name, buf, count);
	name[count] = '\0';
	if (count && name[count - 1] == '\n')
		name[count - 1] = '\0';
	if (!tunpin_name_valid(name))
		return -EINVAL;
	err = tunpin_level_rename(name);
	return err ?: count;
}

static ssize_t known_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return tunpin_bits_print(TUNPIN_CAP_ALL, buf, PAGE_SIZE - 1) +
	       sysfs_emit_at(buf, strlen(buf), "\n");
}

static ssize_t probes_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return tunpin_probes_show(buf);
}

static struct kobj_attribute level_attr = __ATTR_RW_MODE(level, 0644);
static struct kobj_attribute level_name_attr = __ATTR_RW_MODE(level_name, 0644);
static struct kobj_attribute known_attr = __ATTR_RO(known);
static struct kobj_attribute probes_attr = __ATTR_RO(probes);

static struct attribute *tunpin_attrs[] = {
	&level_attr.attr,
	&level_name_attr.attr,
	&known_attr.attr,
	&probes_attr.attr,
	NULL,
};

static const struct attribute_group tunpin_group = {
	.attrs = tunpin_attrs,
};

/*
 * requested/ and refused/: one file per capability (named from the table at
 * init), then "unknown"; refused/ also has "ioctls".
 */
static struct kobj_attribute requested_attrs[TUNPIN_NCAPS + 1];
static struct kobj_attribute refused_attrs[TUNPIN_NCAPS + 1];

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

static struct attribute *
tunpin_counter_attr(struct kobj_attribute *ka, const char *name,
		    ssize_t (*show)(struct kobject *, struct kobj_attribute *,
				    char *))
{
	sysfs_attr_init(&ka->attr);
	ka->attr.name = name;
	ka->attr.mode = 0444;
	ka->show = show;
	return &ka->attr;
}

int tunpin_sysfs_init(void)
{
	int i, err;

	for (i = 0; i < TUNPIN_NCAPS + 1; i++) {
		const char *name = i < TUNPIN_NCAPS ? tunpin_caps[i].name :
						      "unknown";

		requested_group_attrs[i] =
			tunpin_counter_attr(&requested_attrs[i], name,
					    requested_show);
		refused_group_attrs[i] =
			tunpin_counter_attr(&refused_attrs[i], name,
					    refused_show);
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
