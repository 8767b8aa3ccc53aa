/* ks-s3-presign.h: presigned URLs for the built-in store or a bucket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-s3-store.h"
#include "ks-sigv4.h"

G_BEGIN_DECLS

/* Thread-safe. */
typedef struct _KsS3Presigner KsS3Presigner;

KsS3Presigner *ks_s3_presigner_new (const KsSigv4Credentials *creds);
void           ks_s3_presigner_free (KsS3Presigner *self);
gboolean       ks_s3_presigner_set_bucket_url (KsS3Presigner *self,
                                               const char    *bucket_url);
char          *ks_s3_presigner_sign (KsS3Presigner            *self,
                                     const char               *method,
                                     const char               *key,
                                     guint                     expires_seconds,
                                     const KsS3PresignOptions *options,
                                     gint64                    now_unix);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsS3Presigner, ks_s3_presigner_free)

G_END_DECLS
