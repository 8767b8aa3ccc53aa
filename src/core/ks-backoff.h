/* ks-backoff.h: how long to wait before trying again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @base · 2^@doublings, at most @cap; never overflows. Units are the
 * caller's (ms, µs). */
guint64 ks_backoff_ceiling (guint64 base,
                            guint   doublings,
                            guint64 cap);

/* Uniform in [0, @ceiling]: "full jitter", for many clients retrying one
 * request. */
guint64 ks_backoff_full_jitter (guint64 ceiling);

/* Uniform in [@ceiling / 2, @ceiling]: "equal jitter", for waits that
 * should still grow, without everyone coming back in step. */
guint64 ks_backoff_equal_jitter (guint64 ceiling);

G_END_DECLS
