/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The fields of the journal entries the PAM module writes for a session's open and close and an instance's end
 * (pam_sandbox(8), "JOURNAL"; docs/ARCHITECTURE.md, "Logging"). This file only builds the list of fields; the PAM
 * module sends it, so that neither the helper nor anything else of the core links the journal client. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "cgroup.h"
#include "macro.h"

/* The MESSAGE_IDs. Fixed forever: administrators' queries (journalctl MESSAGE_ID=...) and a fleet's forwarded
 * journals match on them; a changed meaning takes a new one. */
#define SBX_JOURNAL_SESSION_OPENED "d0e94457280d4906a50a48b057cd4585"
#define SBX_JOURNAL_SESSION_CLOSED "3a3d3ae61e474efcb4bfe00acfc0d486"
#define SBX_JOURNAL_INSTANCE_ENDED "f575fa523a0249f8a174690d6ddf6972"

/* Enough for the close entry (its MESSAGE, 6 fixed and 16 SANDBOX_ fields) with room to spare. */
#define SBX_JOURNAL_FIELDS_MAX 40
#define SBX_JOURNAL_BUF_SIZE 4096

/* One entry: every field "NAME=value", NUL-terminated, in buf. The offsets (not pointers) keep a copy of the struct
 * valid; sbx_journal_iov() makes the iovec to send. */
struct sbx_journal_entry {
        char buf[SBX_JOURNAL_BUF_SIZE];
        size_t used;
        uint16_t off[SBX_JOURNAL_FIELDS_MAX];
        uint16_t len[SBX_JOURNAL_FIELDS_MAX];
        size_t n;
        int error; /* the first failure of an add (negative errno), 0 while every field is in */
};

/* Starts an entry with MESSAGE_ID=message_id (32 lowercase hex digits). */
void sbx_journal_init(struct sbx_journal_entry *e, const char *message_id);

/* True for a name journald keeps: 1..64 characters of [A-Z0-9_], not starting with '_' (those are the fields only
 * journald sets) or a digit. journald drops a field with any other name without a word. */
bool sbx_journal_valid_name(const char *name);

/* Adds NAME=value (printf). A bad name sets e->error to -EINVAL, no room to -ENOBUFS; the field is not added. */
void sbx_journal_add(struct sbx_journal_entry *e, const char *name, const char *fmt, ...) _printf_(3, 4);

/* Adds NAME=v in decimal, or nothing when v is SBX_CGROUP_UNKNOWN: a figure nobody knows is left out, never given a
 * value that would look measured. */
void sbx_journal_add_u64(struct sbx_journal_entry *e, const char *name, uint64_t v);

/* The usage figures of u, each name after `prefix` ("SANDBOX_" or "SANDBOX_USER_"): MEMORY_PEAK_BYTES, CPU_USEC,
 * OOM_KILLS, TASKS_MAX_HITS, each left out when unknown. */
void sbx_journal_add_usage(struct sbx_journal_entry *e, const char *prefix, const struct sbx_cgroup_usage *u);

/* Fills iov (SBX_JOURNAL_FIELDS_MAX entries) with the fields, without their NULs, and returns how many. */
size_t sbx_journal_iov(const struct sbx_journal_entry *e, struct iovec *iov);
