/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keyword table (keywords.h) as data, and what is derived from it alone. The value syntax of each kind is in
 * config-values.c. */
#define _GNU_SOURCE
#include <stddef.h>
#include <strings.h>
#include <sys/resource.h>

#include "keywords.h"
#include "policy.h"

#define SBX_OFFSET_POLICY(field) offsetof(struct sbx_policy, field)
#define SBX_OFFSET_LIMIT(field) (offsetof(struct sbx_policy, limits) + offsetof(struct sbx_cgroup_limits, field))
#define SBX_OFFSET_SESSION(field)                                                                                      \
        (offsetof(struct sbx_policy, session_limits) + offsetof(struct sbx_cgroup_limits, field))
#define SBX_OFFSET_LIST(field) 0
#define SBX_LIMIT_OFFSET_POLICY(field) 0
#define SBX_LIMIT_OFFSET_LIMIT(field) offsetof(struct sbx_cgroup_limits, field)
#define SBX_LIMIT_OFFSET_SESSION(field) offsetof(struct sbx_cgroup_limits, field)
#define SBX_LIMIT_OFFSET_LIST(field) 0
#define SBX_ROW(id, name_, kind_, place_, field, dflt_, arg_)                                                          \
        [SBX_KEY_##id] = {                                                                                             \
                .name = name_,                                                                                         \
                .kind = SBX_KIND_##kind_,                                                                              \
                .place = SBX_PLACE_##place_,                                                                           \
                .offset = SBX_OFFSET_##place_(field),                                                                  \
                .limit_offset = SBX_LIMIT_OFFSET_##place_(field),                                                      \
                .dflt = dflt_,                                                                                         \
                .arg = arg_,                                                                                           \
        },

static const struct sbx_keyword table[_SBX_KEY_MAX] = {SBX_KEYWORDS(SBX_ROW)};

const struct sbx_keyword *sbx_keyword(int key)
{
        return key >= 0 && key < _SBX_KEY_MAX ? &table[key] : NULL;
}

const char *sbx_key_name(int key)
{
        const struct sbx_keyword *k = sbx_keyword(key);
        return k ? k->name : NULL;
}

int sbx_key_from_name(const char *name)
{
        for (int k = 0; k < _SBX_KEY_MAX; k++)
                if (strcasecmp(name, table[k].name) == 0)
                        return k;
        return -1;
}

/* Most tokens on one line, the keyword included (config.c's limit too). */
#define MAX_TOKENS 128

void sbx_kind_args(enum sbx_kind kind, unsigned *ret_min, unsigned *ret_max)
{
        switch (kind) {
        case SBX_KIND_BIND:
                *ret_min = 2, *ret_max = 3;
                return;
        case SBX_KIND_TMPFS:
                *ret_min = 1, *ret_max = 2;
                return;
        case SBX_KIND_SYSCALLS:
        case SBX_KIND_NETRULES:
        case SBX_KIND_WORDS:
                *ret_min = 1, *ret_max = MAX_TOKENS - 1;
                return;
        default:
                *ret_min = *ret_max = 1;
                return;
        }
}

bool sbx_kind_is_number(enum sbx_kind kind)
{
        return kind == SBX_KIND_SIZE || kind == SBX_KIND_SIZE0 || kind == SBX_KIND_COUNT || kind == SBX_KIND_PERCENT ||
               kind == SBX_KIND_WEIGHT || kind == SBX_KIND_DURATION;
}

bool sbx_kind_is_rlimit(enum sbx_kind kind)
{
        return kind == SBX_KIND_RLIMIT_COUNT || kind == SBX_KIND_RLIMIT_BYTES || kind == SBX_KIND_RLIMIT_NICE;
}

static uint64_t limit_of(const struct sbx_cgroup_limits *l, const struct sbx_keyword *k)
{
        return *(const uint64_t *)((const char *)l + k->limit_offset);
}

unsigned sbx_cgroup_limits_controllers(const struct sbx_cgroup_limits *l)
{
        unsigned need = 0;
        for (int i = 0; i < _SBX_KEY_MAX; i++)
                if (table[i].place == SBX_PLACE_LIMIT && limit_of(l, &table[i]) != SBX_LIMIT_UNSET)
                        need |= (unsigned)table[i].arg;
        return need;
}

const char *sbx_cgroup_limits_keyword(const struct sbx_cgroup_limits *l, enum sbx_place place, unsigned bit)
{
        for (int i = 0; i < _SBX_KEY_MAX; i++)
                if (table[i].place == place && ((unsigned)table[i].arg & bit) &&
                    limit_of(l, &table[i]) != SBX_LIMIT_UNSET)
                        return table[i].name;
        return NULL;
}

void sbx_cgroup_limits_unset(struct sbx_cgroup_limits *l)
{
        for (int i = 0; i < _SBX_KEY_MAX; i++)
                if (table[i].place == SBX_PLACE_LIMIT)
                        *(uint64_t *)((char *)l + table[i].limit_offset) = SBX_LIMIT_UNSET;
}

const char *sbx_limit_name(enum sbx_place place, size_t limit_offset)
{
        const char *fallback = NULL;
        for (int i = 0; i < _SBX_KEY_MAX; i++) {
                if (table[i].limit_offset != limit_offset ||
                    (table[i].place != SBX_PLACE_LIMIT && table[i].place != SBX_PLACE_SESSION))
                        continue;
                if (table[i].place == place)
                        return table[i].name;
                if (table[i].place == SBX_PLACE_LIMIT)
                        fallback = table[i].name;
        }
        return fallback;
}
