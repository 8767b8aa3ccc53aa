/* ks-resume-store.h: what a multipart upload needs to survive a restart
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One multipart upload in progress, keyed by the original's SHA-256. */
typedef struct
{
  char       *sha256;
  char       *photo_id;
  char       *upload_id;
  gint64      part_size;
  gint64      file_size;
  gint64      file_mtime; /* µs since the epoch, as GFileInfo says */
  GHashTable *etags;      /* GINT_TO_POINTER (part number) -> char *ETag */
} KsResumeRecord;

KsResumeRecord *ks_resume_record_new (const char *sha256,
                                      const char *photo_id,
                                      const char *upload_id,
                                      gint64      part_size,
                                      gint64      file_size,
                                      gint64      file_mtime);
void            ks_resume_record_free (KsResumeRecord *self);

#define KS_TYPE_RESUME_STORE (ks_resume_store_get_type ())
G_DECLARE_INTERFACE (KsResumeStore, ks_resume_store, KS, RESUME_STORE, GObject)

/**
 * KsResumeStoreInterface:
 * @load: the record for @sha256; NULL without an error when none.
 * @begin: records a new upload (replacing any older record of @sha256,
 *   whose parts are then forgotten).
 * @add_part: records a finished part. Durable when it returns: a part
 *   recorded here is never sent again.
 * @remove: forgets the upload (done, or abandoned).
 *
 * Called from the thread that runs the upload (the main context), so
 * implementations must be quick: one small transaction each. The sync
 * journal implements it; KsResumeFile (below) is the CLI's.
 */
struct _KsResumeStoreInterface
{
  GTypeInterface parent_iface;

  KsResumeRecord *(*load) (KsResumeStore *self,
                           const char    *sha256,
                           GError       **error);
  gboolean (*begin) (KsResumeStore        *self,
                     const KsResumeRecord *record,
                     GError              **error);
  gboolean (*add_part) (KsResumeStore *self,
                        const char    *sha256,
                        const char    *upload_id,
                        int            part_number,
                        const char    *etag,
                        GError       **error);
  gboolean (*remove) (KsResumeStore *self,
                      const char    *sha256,
                      GError       **error);
};

KsResumeRecord *ks_resume_store_load (KsResumeStore *self,
                                      const char    *sha256,
                                      GError       **error);
gboolean        ks_resume_store_begin (KsResumeStore        *self,
                                       const KsResumeRecord *record,
                                       GError              **error);
gboolean        ks_resume_store_add_part (KsResumeStore *self,
                                          const char    *sha256,
                                          const char    *upload_id,
                                          int            part_number,
                                          const char    *etag,
                                          GError       **error);
gboolean        ks_resume_store_remove (KsResumeStore *self,
                                        const char    *sha256,
                                        GError       **error);

/* A KsResumeStore in one directory: one small JSON file per upload,
 * rewritten atomically (write, fsync, rename) on every change. */
#define KS_TYPE_RESUME_FILE (ks_resume_file_get_type ())
G_DECLARE_FINAL_TYPE (KsResumeFile, ks_resume_file, KS, RESUME_FILE, GObject)

KsResumeFile *ks_resume_file_new (const char *dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsResumeRecord, ks_resume_record_free)

G_END_DECLS
