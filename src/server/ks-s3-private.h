/* ks-s3-private.h: what the S3 store's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-s3-auth.h"
#include "ks-s3-error.h"
#include "ks-s3-index.h"
#include "ks-s3-object.h"
#include "ks-s3-presign.h"
#include "ks-s3-store.h"
#include "ks-s3-xml.h"

G_BEGIN_DECLS

/* S3's own limits: a single PUT (and a part) up to 5 GiB, every part but
 * the last at least 5 MiB, part numbers 1 to 10,000. */
#define KS_S3_MAX_PUT_SIZE (G_GUINT64_CONSTANT (5) * 1024 * 1024 * 1024)
#define KS_S3_MAX_OBJECT_SIZE (G_GUINT64_CONSTANT (5) * 1024 * 1024 * 1024 * 1024)
#define KS_S3_MIN_PART_SIZE (G_GUINT64_CONSTANT (5) * 1024 * 1024)
#define KS_S3_MAX_PARTS 10000
/* Bodies of requests that are not uploads: CompleteMultipartUpload XML
 * for 10,000 parts is about 1 MiB. */
#define KS_S3_MAX_SMALL_BODY ((goffset) 2 * 1024 * 1024)

/* Shared by the routes (a reference each) and the server (its qdata). */
typedef struct
{
  KsServer      *server; /* unowned: the store lives as long as it */
  char          *bucket;
  char          *objects_path;
  char          *multipart_path;
  KsS3Index     *index;
  GMutex         busy_mutex;
  GHashTable    *busy_uploads; /* upload ids being completed or aborted */
  KsS3AuthConfig auth;         /* points into the data dir */
  KsS3Presigner *presigner;
  /* The start-up scan (ks-s3-scan.c). */
  gboolean      indexed; /* it is done; the server's thread */
  GQueue        waiting; /* requests paused until it is */
  GThreadPool  *scan_pool;
  GMainContext *scan_context;   /* the server's */
  gint64        scan_started;   /* monotonic */
  gint          scan_jobs;      /* atomic: not done yet */
  gint          scan_cancelled; /* atomic */
  GMutex        scan_mutex;
  GCond         scan_cond;
  gboolean      scanning;         /* with scan_mutex: jobs are at it */
  GSource      *scan_done_source; /* with scan_mutex; nullable */
} KsS3Store;

KsS3Store *ks_s3_store_ref (KsS3Store *store);
void       ks_s3_store_unref (KsS3Store *store);
KsS3Store *ks_s3_store_get (KsServer *server);

/* The start-up scan (ks-s3-scan.c). */
typedef struct _KsS3Request KsS3Request;
typedef void (*KsS3IndexedFunc) (KsS3Request *req);

void ks_s3_scan_start (KsS3Store *store);
void ks_s3_scan_stop (KsS3Store *store);
void ks_s3_scan_clear_waiting (KsS3Store *store);
void ks_s3_store_when_indexed (KsS3Request    *req,
                               KsS3IndexedFunc func);
void ks_s3_scan_hold_for_testing (gboolean hold);

/* Thread-safe: fsync @fd, rename @temp over the object and update the
 * index as one step, then make the rename durable. Closes @fd. */
gboolean ks_s3_store_commit (KsS3Store      *store,
                             int             fd,
                             const char     *temp,
                             const KsS3Meta *meta,
                             GError        **error);
gboolean ks_s3_store_remove (KsS3Store  *store,
                             const char *key,
                             GError    **error);

/* One complete or abort at a time per upload: FALSE if another one has
 * it. Thread-safe. */
gboolean ks_s3_store_claim_upload (KsS3Store  *store,
                                   const char *upload_id);
void     ks_s3_store_release_upload (KsS3Store  *store,
                                     const char *upload_id);

/* The routes' handlers (ks-s3-request.c). */
void ks_s3_request_early_cb (KsServer          *server,
                             SoupServerMessage *msg,
                             GHashTable        *params,
                             gpointer           user_data);
void ks_s3_request_handler_cb (KsServer          *server,
                               SoupServerMessage *msg,
                               GHashTable        *params,
                               gpointer           user_data);

/* One S3 request, from its headers to its reply: kept on the message. */
struct _KsS3Request
{
  KsS3Store         *store; /* owned */
  SoupServerMessage *msg;   /* unowned: this lives in its qdata */
  KsSigv4Request    *target;
  KsSigv4Auth       *auth; /* nullable until verified */
  char              *bucket;
  char              *key;  /* nullable: a bucket request */
  gpointer           body; /* nullable: how the body is read */
  GDestroyNotify     body_free;
  gboolean           finished; /* the message is done: do not touch */
};

KsS3Request *ks_s3_request_get (SoupServerMessage *msg);
const char  *ks_s3_request_query (KsS3Request *req,
                                  const char  *name);
const char  *ks_s3_request_header (KsS3Request *req,
                                   const char  *name);
void         ks_s3_request_fail (KsS3Request *req,
                                 KsS3Error    code,
                                 const char  *format,
                                 ...) G_GNUC_PRINTF (3, 4);

typedef gboolean (*KsS3ThreadFunc) (KsS3Request *req,
                                    gpointer     data,
                                    GError     **error);
typedef void (*KsS3DoneFunc) (KsS3Request  *req,
                              gpointer      data,
                              const GError *error);

/* Pauses the message, runs @func on a worker thread, then @done on the
 * main thread (unless the client went away) and resumes. */
void ks_s3_request_run_in_thread (KsS3Request   *req,
                                  KsS3ThreadFunc func,
                                  KsS3DoneFunc   done,
                                  gpointer       data,
                                  GDestroyNotify data_free);

/* Bodies (ks-s3-body.c). */
void      ks_s3_body_begin_upload (KsS3Request *req);
void      ks_s3_body_finish_upload (KsS3Request *req);
void      ks_s3_body_begin_small (KsS3Request *req,
                                  gboolean     keep);
gboolean  ks_s3_body_check_small (KsS3Request *req,
                                  GError     **error);
void      ks_s3_body_reject (KsS3Request  *req,
                             const GError *error);
KsS3Meta *ks_s3_body_meta_from_headers (KsS3Request *req,
                                        GError     **error);

/* Handlers (ks-s3-get.c, ks-s3-bucket.c, ks-s3-multipart.c). */
void ks_s3_get_object (KsS3Request *req);
void ks_s3_delete_object (KsS3Request *req);
void ks_s3_bucket_handle (KsS3Request *req);
void ks_s3_multipart_create (KsS3Request *req);
void ks_s3_multipart_complete (KsS3Request *req);
void ks_s3_multipart_abort (KsS3Request *req);
void ks_s3_multipart_list_parts (KsS3Request *req);

/* Multipart uploads on disk (ks-s3-upload.c). */
char     *ks_s3_upload_create (KsS3Store *store,
                               const KsS3Meta *template,
                               GError **error);
KsS3Meta *ks_s3_upload_open (KsS3Store  *store,
                             const char *upload_id,
                             const char *key,
                             char      **out_dir,
                             GError    **error);
char     *ks_s3_upload_part_path (const char *upload_dir,
                                  guint       part_number);
void      ks_s3_upload_cleanup (KsS3Store *store);

typedef struct
{
  guint     number;
  KsS3Meta *meta;
} KsS3Part;

/* The parts uploaded so far, by number, from @first on. */
GPtrArray *ks_s3_upload_list_parts (const char *upload_dir,
                                    guint       first,
                                    GError    **error);
/* Worker thread: concatenate @parts (KsS3CompletePart) into the object
 * and commit it, or say why not; the upload is gone on success. */
KsS3Meta *ks_s3_upload_complete (KsS3Store  *store,
                                 const char *upload_id,
                                 const char *key,
                                 GPtrArray  *parts,
                                 GError    **error);
gboolean  ks_s3_upload_abort (KsS3Store  *store,
                              const char *upload_id,
                              const char *key,
                              GError    **error);

G_END_DECLS
