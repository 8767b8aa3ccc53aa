/* ks-upload-private.h: the requests an upload is made of
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-transfer-private.h"

G_BEGIN_DECLS

/*
 * PUT @length bytes of @file from @offset to the presigned @url with
 * @headers (nullable; prepare's, Content-Length comes from @length),
 * streamed from disk. With @expected_sha256 the bytes are hashed on the
 * way, and bytes that hash to something else (or a file that ended
 * early) are KS_CLOUD_ERROR_FILE_CHANGED whatever the server answered.
 * @progress (nullable) counts the bytes sent, and takes them back when
 * the request fails. @what names the object in errors.
 *
 * Returns the reply's ETag ("" when it had none).
 */
void  ks_upload_put_async (SoupSession        *soup,
                           const char         *url,
                           GHashTable         *headers,
                           GFile              *file,
                           goffset             offset,
                           goffset             length,
                           const char         *expected_sha256,
                           KsRateLimiter      *limiter,
                           KsProgress         *progress,
                           const char         *what,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data);
char *ks_upload_put_finish (GAsyncResult *result,
                            GError      **error);

/* POST CompleteMultipartUpload to @url: parts 1…@n_parts with the ETags
 * in @etags (GINT_TO_POINTER (part number) -> ETag). */
void     ks_upload_complete_async (SoupSession        *soup,
                                   const char         *url,
                                   GHashTable         *etags,
                                   guint               n_parts,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
gboolean ks_upload_complete_finish (GAsyncResult *result,
                                    GError      **error);

/* ---- KsUploader's state, shared by ks-upload.c and
 * ks-upload-multipart.c ---- */

typedef enum
{
  KS_UPLOAD_ORIGINAL = 1 << 0,
  KS_UPLOAD_GRID = 1 << 1,
  KS_UPLOAD_PREVIEW = 1 << 2,
} KsUploadTargetFlag;

#define KS_UPLOAD_N_TARGETS 3

struct _KsUploader
{
  GObject parent_instance;

  KsApiClient   *api;     /* owned */
  SoupSession   *soup;    /* owned */
  KsResumeStore *resume;  /* owned, nullable */
  KsRateLimiter *limiter; /* owned, nullable */
  GMainContext  *context; /* owned: where the uploads run */
  guint          concurrency;
  guint          max_transfers;
  guint          n_transfers; /* jobs holding a slot */
  GQueue         waiting;     /* GTask (owned) of jobs waiting for one */
};

/* One ks_uploader_upload_photo_async (), the data of its GTask. */
typedef struct
{
  KsUploader       *self;                       /* owned */
  GFile            *files[KS_UPLOAD_N_TARGETS]; /* owned; thumbnails nullable */
  KsPrepareRequest *request;
  KsProgress        progress;
  gint64            size;  /* of the original when we started */
  gint64            mtime; /* µs */

  KsPrepareReply *reply;      /* the latest prepare's */
  gint64          expires_at; /* µs since the epoch; 0 = unknown */
  char           *photo_id;
  guint           done;           /* KsUploadTargetFlag: sent under @photo_id */
  guint           thumbs_running; /* KsUploadTargetFlag: thumbnails' PUTs out */
  GError         *thumbs_error;   /* the first of them to fail */
  gboolean        expired;        /* a URL expired: prepare again */
  GTask          *parked;         /* owned, nullable: waits for them */
  guint           n_prepares;
  gboolean        existed;
  gboolean        has_slot;       /* counted in n_transfers */
  gulong          wait_cancel_id; /* while waiting for a slot */

  /* The multipart original */
  KsUploadTarget *multipart; /* unowned, in @reply */
  char           *upload_id;
  GHashTable     *etags; /* part number -> ETag, finished parts of @upload_id */
  guint           next_part;
  guint           n_running;
  GCancellable   *parts_cancellable; /* owned: stops the siblings of a failed part */
  gulong          cancel_id;
  GError         *parts_error; /* the first part's failure */
  gboolean        parts_expiring;
} KsUploadJob;

/* Steps that take @task (a reference) are the ones named so. */
void     ks_upload_job_prepare (GTask *task);
void     ks_upload_job_next_target (GTask *task);
void     ks_upload_job_put_multipart (GTask          *task,
                                      KsUploadTarget *target);
gboolean ks_upload_job_return_file_changed (GTask      *task,
                                            const char *why);
gboolean ks_upload_job_expiring (KsUploadJob *job);
void     ks_upload_job_forget_resume_record (KsUploadJob *job);

G_END_DECLS
