/* ks-s3-index.h: the store's keys in order, for listing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-s3-object.h"

G_BEGIN_DECLS

typedef struct _KsS3Index KsS3Index;

typedef struct
{
  char   *key;
  guint64 size;
  char   *etag;
  gint64  mtime_unix;
} KsS3Entry;

typedef struct
{
  const char *prefix;    /* "" for all */
  const char *delimiter; /* nullable or "" for none */
  const char *after;     /* nullable: list what sorts after this */
  guint       max_keys;
} KsS3ListQuery;

typedef struct
{
  GPtrArray *contents; /* KsS3Entry, key order */
  GPtrArray *prefixes; /* char *, key order */
  gboolean   truncated;
  char      *last; /* nullable: the last key or prefix returned */
} KsS3ListResult;

/* The index is shared with the worker threads that commit objects: it
 * has a lock, and the *_locked calls need it held. */
KsS3Index *ks_s3_index_new (void);
void       ks_s3_index_free (KsS3Index *self);
void       ks_s3_index_lock (KsS3Index *self);
void       ks_s3_index_unlock (KsS3Index *self);
void       ks_s3_index_put_locked (KsS3Index      *self,
                                   const KsS3Meta *meta);
void       ks_s3_index_remove_locked (KsS3Index  *self,
                                      const char *key);
guint      ks_s3_index_count (KsS3Index *self);

/* The start-up scan, beside commits and deletes: they win. */
void ks_s3_index_begin_scan (KsS3Index *self);
void ks_s3_index_put_scanned (KsS3Index      *self,
                              const KsS3Meta *meta);
void ks_s3_index_end_scan (KsS3Index *self);

void ks_s3_index_list (KsS3Index           *self,
                       const KsS3ListQuery *query,
                       KsS3ListResult      *out);
void ks_s3_list_result_clear (KsS3ListResult *result);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KsS3ListResult, ks_s3_list_result_clear)

G_END_DECLS
