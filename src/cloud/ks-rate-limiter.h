/* ks-rate-limiter.h: one bandwidth limit shared by all transfers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_TYPE_RATE_LIMITER (ks_rate_limiter_get_type ())
G_DECLARE_FINAL_TYPE (KsRateLimiter, ks_rate_limiter, KS, RATE_LIMITER, GObject)

/* A token bucket: @bytes_per_second tokens a second, bursts up to one
 * second's worth (at least 64 KiB). 0 means no limit. Thread-safe. */
KsRateLimiter *ks_rate_limiter_new (guint64 bytes_per_second);
void           ks_rate_limiter_set_rate (KsRateLimiter *self,
                                         guint64        bytes_per_second);
guint64        ks_rate_limiter_get_rate (KsRateLimiter *self);

/* Takes @bytes from the bucket; returns how many microseconds the caller
 * must wait before sending them (0 when within the limit). */
gint64 ks_rate_limiter_reserve (KsRateLimiter *self,
                                gsize          bytes);

/* The same, as a wait on the thread-default main context. */
void     ks_rate_limiter_acquire_async (KsRateLimiter      *self,
                                        gsize               bytes,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data);
gboolean ks_rate_limiter_acquire_finish (KsRateLimiter *self,
                                         GAsyncResult  *result,
                                         GError       **error);

G_END_DECLS
