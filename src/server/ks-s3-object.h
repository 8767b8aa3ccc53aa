/* ks-s3-object.h: objects on disk — keys, file format, atomic commits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_S3_MAX_KEY_BYTES 1024
/* What S3 allows for all x-amz-meta-* headers together. */
#define KS_S3_MAX_USER_META_BYTES 2048
#define KS_S3_MD5_LEN 16

/* Everything known about an object (or a part) besides its bytes. */
typedef struct
{
  char       *key;
  guint64     size;
  char       *etag;            /* quoted hex MD5, or "md5ofmd5s-N" */
  char       *sha256;          /* hex, of the whole object */
  char       *content_type;    /* nullable */
  char       *checksum_sha256; /* nullable: base64, when the uploader sent it */
  gint64      mtime_unix;
  GHashTable *user_meta; /* "x-amz-meta-..." lower-case name → value */
} KsS3Meta;

KsS3Meta *ks_s3_meta_new (const char *key);
void      ks_s3_meta_free (KsS3Meta *meta);
char     *ks_s3_meta_to_json (const KsS3Meta *meta);
KsS3Meta *ks_s3_meta_new_from_json (const char *text,
                                    gssize      len,
                                    GError    **error);

/* KS_S3_ERROR_INVALID_ARGUMENT, _KEY_TOO_LONG: see the .c for the rules. */
gboolean ks_s3_key_validate (const char *key,
                             GError    **error);
char    *ks_s3_object_dir (const char *objects_path,
                           const char *key);
char    *ks_s3_object_path (const char *objects_path,
                            const char *key);
gboolean ks_s3_is_object_name (const char *name);

/* Files: the bytes, then the metadata as JSON, then a 16-byte footer
 * giving the JSON's length. Errors are G_IO_ERROR. */
int       ks_s3_file_create_temp (const char *dir,
                                  char      **out_path,
                                  GError    **error);
gboolean  ks_s3_file_write_all (int         fd,
                                const void *data,
                                gsize       len,
                                GError    **error);
gboolean  ks_s3_file_append_meta (int             fd,
                                  const KsS3Meta *meta,
                                  GError        **error);
KsS3Meta *ks_s3_file_read_meta (int      fd,
                                GError **error);
KsS3Meta *ks_s3_file_open (const char *path,
                           int        *out_fd,
                           GError    **error);
gboolean  ks_s3_file_sync (int      fd,
                           GError **error);
gboolean  ks_s3_file_sync_dir (const char *dir,
                               GError    **error);
gboolean  ks_s3_file_rename (const char *from,
                             const char *to,
                             GError    **error);
gboolean  ks_s3_file_remove_tree (const char *dir,
                                  GError    **error);
gboolean  ks_s3_is_temp_name (const char *name);
gboolean  ks_s3_is_stale_temp_name (const char *name);
/* ".tmp-<this process's random token>-": its temp files' names begin so. */
const char *ks_s3_run_temp_prefix (void);

/* Objects are spread over objects/00 … objects/ff. */
#define KS_S3_FAN_DIRS 256

/* Takes @meta; FALSE stops the scan. */
typedef gboolean (*KsS3ScanFunc) (KsS3Meta *meta,
                                  gpointer  user_data);

void ks_s3_objects_scan_fan_dir (const char  *objects_path,
                                 guint        fan,
                                 KsS3ScanFunc func,
                                 gpointer     user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsS3Meta, ks_s3_meta_free)

G_END_DECLS
