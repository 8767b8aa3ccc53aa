/* ks-hash.h: SHA-256, HMAC-SHA256 and constant-time comparison
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_SHA256_LEN 32

typedef struct _KsSha256 KsSha256;

KsSha256 *ks_sha256_new (void);
void      ks_sha256_update (KsSha256   *self,
                            const void *data,
                            gsize       len);
void      ks_sha256_finish (KsSha256 *self,
                            guint8    out[KS_SHA256_LEN]);
char     *ks_sha256_finish_hex (KsSha256 *self);
void      ks_sha256_free (KsSha256 *self);

void  ks_sha256 (const void *data,
                 gsize       len,
                 guint8      out[KS_SHA256_LEN]);
char *ks_sha256_hex (const void *data,
                     gsize       len);
void  ks_hmac_sha256 (const void *key,
                      gsize       key_len,
                      const void *data,
                      gsize       data_len,
                      guint8      out[KS_SHA256_LEN]);

char *ks_sha256_stream (GInputStream *stream,
                        guint64      *out_size,
                        GCancellable *cancellable,
                        GError      **error);
char *ks_sha256_file (GFile        *file,
                      guint64      *out_size,
                      GCancellable *cancellable,
                      GError      **error);

gboolean ks_memeq_constant_time (const void *a,
                                 const void *b,
                                 gsize       len);
gboolean ks_streq_constant_time (const char *a,
                                 const char *b);

void ks_random_bytes (guint8 *buf,
                      gsize   len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsSha256, ks_sha256_free)

G_END_DECLS
