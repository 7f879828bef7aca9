/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "journal.h"

void sbx_journal_init(struct sbx_journal_entry *e, const char *message_id)
{
        e->used = 0;
        e->n = 0;
        e->error = 0;
        sbx_journal_add(e, "MESSAGE_ID", "%s", message_id);
}

bool sbx_journal_valid_name(const char *name)
{
        size_t l = strlen(name);
        if (l == 0 || l > 64 || name[0] == '_' || (name[0] >= '0' && name[0] <= '9'))
                return false;
        for (size_t i = 0; i < l; i++)
                if (!((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
                        return false;
        return true;
}

_printf_(3, 0) static void add_v(struct sbx_journal_entry *e, const char *name, const char *fmt, va_list ap)
{
        if (e->error)
                return;
        if (!sbx_journal_valid_name(name)) {
                e->error = -EINVAL;
                return;
        }
        size_t room = sizeof(e->buf) - e->used;
        if (e->n >= SBX_JOURNAL_FIELDS_MAX || room < strlen(name) + 2) {
                e->error = -ENOBUFS;
                return;
        }
        char *p = e->buf + e->used;
        int k = snprintf(p, room, "%s=", name);
        int v = vsnprintf(p + k, room - (size_t)k, fmt, ap);
        if (v < 0 || (size_t)k + (size_t)v >= room) {
                e->error = -ENOBUFS;
                return;
        }
        e->off[e->n] = (uint16_t)e->used;
        e->len[e->n] = (uint16_t)(k + v);
        e->n++;
        e->used += (size_t)(k + v) + 1;
}

void sbx_journal_add(struct sbx_journal_entry *e, const char *name, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        add_v(e, name, fmt, ap);
        va_end(ap);
}

void sbx_journal_add_u64(struct sbx_journal_entry *e, const char *name, uint64_t v)
{
        if (v != SBX_CGROUP_UNKNOWN)
                sbx_journal_add(e, name, "%llu", (unsigned long long)v);
}

void sbx_journal_add_usage(struct sbx_journal_entry *e, const char *prefix, const struct sbx_cgroup_usage *u)
{
        static const struct {
                const char *suffix;
                size_t offset;
        } figures[] = {
                {"MEMORY_PEAK_BYTES", offsetof(struct sbx_cgroup_usage, memory_peak)},
                {"CPU_USEC", offsetof(struct sbx_cgroup_usage, cpu_usec)},
                {"OOM_KILLS", offsetof(struct sbx_cgroup_usage, oom_kills)},
                {"TASKS_MAX_HITS", offsetof(struct sbx_cgroup_usage, tasks_max_hits)},
        };
        for (size_t i = 0; i < ELEMENTSOF(figures); i++) {
                char name[65];
                int l = snprintf(name, sizeof(name), "%s%s", prefix, figures[i].suffix);
                if (l < 0 || (size_t)l >= sizeof(name)) {
                        if (!e->error)
                                e->error = -EINVAL;
                        return;
                }
                uint64_t v;
                memcpy(&v, (const char *)u + figures[i].offset, sizeof(v));
                sbx_journal_add_u64(e, name, v);
        }
}

size_t sbx_journal_iov(const struct sbx_journal_entry *e, struct iovec *iov)
{
        for (size_t i = 0; i < e->n; i++)
                iov[i] = (struct iovec){.iov_base = (void *)(e->buf + e->off[i]), .iov_len = e->len[i]};
        return e->n;
}
