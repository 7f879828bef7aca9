/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `sandbox-shellctl explain USER`: the effective policy written back as a configuration, one line per value with
 * where it came from. */

#include <stdio.h>

#include "policy.h"

/* Writes every keyword of p, in the table's order (keywords.h), each value the way the parser reads it back, so the
 * output is itself a valid configuration that gives the same policy for the same user; each line ends with
 * "# FILE:LINE" or "# default". Limits and Limit* keywords that are not set are written as what they mean (a weight
 * the kernel's 100, a limit infinity), or not at all for the Limit* ones (the login's limit is kept). */
void sbx_explain_policy(FILE *f, const struct sbx_policy *p);
