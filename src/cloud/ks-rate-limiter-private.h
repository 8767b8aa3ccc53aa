/* ks-rate-limiter-private.h: the token bucket with an explicit clock
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-rate-limiter.h"

G_BEGIN_DECLS

/* @now_us: a monotonic time in µs, as g_get_monotonic_time () gives;
 * the public calls pass the real clock, the unit tests their own. */
KsRateLimiter *ks_rate_limiter_new_at (guint64 bytes_per_second,
                                       gint64  now_us);
void           ks_rate_limiter_set_rate_at (KsRateLimiter *self,
                                            guint64        bytes_per_second,
                                            gint64         now_us);
gint64         ks_rate_limiter_reserve_at (KsRateLimiter *self,
                                           gsize          bytes,
                                           gint64         now_us);

G_END_DECLS
