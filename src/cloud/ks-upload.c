/* ks-upload.c: prepare, PUT, complete, commit
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ks-cloud-error.h"
#include "ks-hash.h"
#include "ks-upload-private.h"

/*
 * One photo is a small state machine on the main context:
 *
 *   stat → prepare → [a transfer slot] PUT the original (or parts →
 *                    verify → complete), with the thumbnails' PUTs
 *                    beside it → stat again → commit
 *
 * A URL that expired, or expires within EXPIRY_MARGIN, sends it back to
 * prepare: the server answers with the same photo id (and the same
 * multipart upload) and fresh URLs, and what was already sent is
 * skipped. Nothing is committed unless every byte sent is the file's as
 * the caller hashed it.
 */

#define DEFAULT_CONCURRENCY 3
#define DEFAULT_MAX_TRANSFERS 3
#define MAX_PREPARES 5
#define EXPIRY_MARGIN (60 * G_USEC_PER_SEC)
#define FILE_ATTRIBUTES                                             \
  G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_TIME_MODIFIED \
                                 "," G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC

static const struct
{
  KsUploadTargetFlag flag;
  const char        *name;
} targets[KS_UPLOAD_N_TARGETS] = {
  { KS_UPLOAD_ORIGINAL, "original" },
  { KS_UPLOAD_GRID, "grid" },
  { KS_UPLOAD_PREVIEW, "preview" },
};

G_DEFINE_FINAL_TYPE (KsUploader, ks_uploader, G_TYPE_OBJECT)

static void
upload_job_free (KsUploadJob *job)
{
  g_object_unref (job->self);
  for (guint i = 0; i < G_N_ELEMENTS (job->files); i++)
    g_clear_object (&job->files[i]);
  ks_prepare_request_free (job->request);
  g_clear_pointer (&job->reply, ks_prepare_reply_free);
  g_free (job->photo_id);
  g_free (job->upload_id);
  g_hash_table_unref (job->etags);
  g_clear_object (&job->parts_cancellable);
  g_clear_error (&job->parts_error);
  g_clear_error (&job->thumbs_error);
  g_free (job);
}

/* ---- Helpers ---- */

gboolean
ks_upload_job_return_file_changed (GTask      *task,
                                   const char *why)
{
  KsUploadJob *job = g_task_get_task_data (task);

  g_debug ("Upload of %s stopped: %s", job->request->file_name, why);
  g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_FILE_CHANGED,
                           _ ("“%s” changed while it was uploaded. It will be uploaded again."),
                           job->request->file_name);
  return FALSE;
}

static gint64
file_info_mtime (GFileInfo *info)
{
  g_autoptr (GDateTime) mtime = g_file_info_get_modification_date_time (info);

  return mtime != NULL ? g_date_time_to_unix (mtime) * G_USEC_PER_SEC +
                             g_date_time_get_microsecond (mtime)
                       : 0;
}

gboolean
ks_upload_job_expiring (KsUploadJob *job)
{
  return job->expires_at != 0 && g_get_real_time () + EXPIRY_MARGIN >= job->expires_at;
}

static const KsThumbnailInfo *
find_thumbnail (const KsPrepareRequest *request,
                const char             *name)
{
  for (guint i = 0; i < request->thumbnails->len; i++)
    {
      const KsThumbnailInfo *thumb = g_ptr_array_index (request->thumbnails, i);

      if (g_strcmp0 (thumb->name, name) == 0)
        return thumb;
    }

  return NULL;
}

static KsUploadTarget *
find_target (KsPrepareReply *reply,
             const char     *name)
{
  for (guint i = 0; reply->uploads != NULL && i < reply->uploads->len; i++)
    {
      KsUploadTarget *target = g_ptr_array_index (reply->uploads, i);

      if (g_strcmp0 (target->target, name) == 0)
        return target;
    }

  return NULL;
}

void
ks_upload_job_forget_resume_record (KsUploadJob *job)
{
  g_autoptr (GError) error = NULL;

  if (job->self->resume != NULL &&
      !ks_resume_store_remove (job->self->resume, job->request->sha256, &error))
    g_warning ("Could not forget the upload of %s: %s", job->request->file_name, error->message);
}

/* ---- Transfer slots ---- */

/*
 * At most max_transfers photos send bytes at once. A photo's prepare
 * before and commit after send next to nothing but cost a round trip
 * each, so they happen outside a slot: on a line with a long round trip
 * the next photos prepare while this one's bytes go, and the line is
 * not left idle while it commits.
 */

static gboolean
slot_wake_cb (gpointer user_data)
{
  KsUploader *self = user_data;
  GList      *l = self->waiting.head;

  while (l != NULL)
    {
      GTask        *task = l->data;
      KsUploadJob  *job = g_task_get_task_data (task);
      GCancellable *cancellable = g_task_get_cancellable (task);
      GList        *next = l->next;

      if (g_cancellable_is_cancelled (cancellable) || self->n_transfers < self->max_transfers)
        {
          g_queue_delete_link (&self->waiting, l);
          g_cancellable_disconnect (cancellable, job->wait_cancel_id);
          job->wait_cancel_id = 0;
          if (g_task_return_error_if_cancelled (task))
            g_object_unref (task);
          else
            {
              job->has_slot = TRUE;
              self->n_transfers++;
              ks_upload_job_next_target (task);
            }
        }
      l = next;
    }
  return G_SOURCE_REMOVE;
}

/* Looks at the waiting jobs soon: a slot came free or one of them was
 * cancelled. Any thread (a cancellable may be cancelled from one). */
static void
slot_wake (KsUploader *self)
{
  g_autoptr (GSource) source = g_idle_source_new ();

  g_source_set_callback (source, slot_wake_cb, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[keepsake] upload slots");
  g_source_attach (source, self->context);
}

static void
waiter_cancelled_cb (GCancellable *cancellable,
                     KsUploader   *self)
{
  slot_wake (self);
}

/* Takes *@task if it has to wait (then FALSE): it goes on with
 * ks_upload_job_next_target () once it has a slot. */
static gboolean
slot_take (GTask **task)
{
  KsUploadJob  *job = g_task_get_task_data (*task);
  KsUploader   *self = job->self;
  GCancellable *cancellable = g_task_get_cancellable (*task);

  if (job->has_slot)
    return TRUE;
  if (self->n_transfers < self->max_transfers && g_queue_is_empty (&self->waiting))
    {
      job->has_slot = TRUE;
      self->n_transfers++;
      return TRUE;
    }
  g_queue_push_tail (&self->waiting, g_steal_pointer (task));
  if (cancellable != NULL)
    job->wait_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (waiter_cancelled_cb), self,
                                                 NULL);
  return FALSE;
}

static void
slot_release (KsUploadJob *job)
{
  KsUploader *self = job->self;

  if (!job->has_slot)
    return;
  job->has_slot = FALSE;
  self->n_transfers--;
  if (!g_queue_is_empty (&self->waiting))
    slot_wake (self);
}

/* Whatever ended the job, its slot is free: not only once the task is
 * gone, as its caller may keep the result. And its caller hears no more
 * progress: a thumbnail's PUT still out when the original's failed ends
 * later, and takes its bytes back. */
static void
task_completed_cb (GTask      *task,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  KsUploadJob *job = g_task_get_task_data (task);

  job->progress.func = NULL;
  slot_release (job);
}

/* ---- Commit ---- */

static GPtrArray *
part_etags (KsUploadJob *job)
{
  GPtrArray *parts;

  if (job->multipart == NULL)
    return NULL;

  parts = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_part_etag_free);
  for (guint i = 1; i <= job->multipart->parts->len; i++)
    g_ptr_array_add (parts, ks_part_etag_new ((int) i, g_hash_table_lookup (job->etags, GUINT_TO_POINTER (i))));

  return parts;
}

static void
committed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsUploadJob *job = g_task_get_task_data (task);
  GError      *error = NULL;
  KsPhoto     *photo = ks_api_client_commit_photo_finish (KS_API_CLIENT (source), result, &error);

  if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFLICT))
    {
      /* The server holds other bytes than were declared: parts recorded
       * earlier came from another version of the file. Start afresh. */
      g_debug ("Commit refused: %s", error->message);
      g_clear_error (&error);
      ks_upload_job_forget_resume_record (job);
      ks_upload_job_return_file_changed (task, "the stored object does not match");
      return;
    }
  if (photo == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  ks_upload_job_forget_resume_record (job);
  ks_progress_finish (&job->progress);
  g_task_return_pointer (task, photo, (GDestroyNotify) ks_photo_free);
}

static void
restat_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  KsUploadJob  *job = g_task_get_task_data (task);
  GError       *error = NULL;
  g_autoptr (GFileInfo) info = g_file_query_info_finish (G_FILE (source), result, &error);
  g_autoptr (GPtrArray) parts = NULL;

  if (info == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_clear_error (&error);
      ks_upload_job_return_file_changed (task, "the file is gone");
      return;
    }
  if (info == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_file_info_get_size (info) != job->size || file_info_mtime (info) != job->mtime)
    {
      ks_upload_job_return_file_changed (task, "size or modification time differ");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  parts = part_etags (job);
  ks_api_client_commit_photo_async (job->self->api, job->photo_id, parts,
                                    cancellable, committed_cb,
                                    g_steal_pointer (&task));
}

static void
restat_and_commit (GTask *task)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  KsUploadJob  *job = g_task_get_task_data (task);

  slot_release (job);
  g_file_query_info_async (job->files[0], FILE_ATTRIBUTES, G_FILE_QUERY_INFO_NONE,
                           G_PRIORITY_DEFAULT, cancellable, restat_cb,
                           g_steal_pointer (&task));
}

/* ---- Single PUTs ---- */

static void
put_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsUploadJob     *job = g_task_get_task_data (task);
  GError          *error = NULL;
  g_autofree char *etag = ks_upload_put_finish (result, &error);

  if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_URL_EXPIRED))
    {
      g_debug ("%s", error->message);
      g_clear_error (&error);
      ks_upload_job_prepare (g_steal_pointer (&task));
      return;
    }
  if (etag == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  job->done |= KS_UPLOAD_ORIGINAL;
  ks_upload_job_next_target (g_steal_pointer (&task));
}

/* The original, in one PUT. */
static void
put_original (GTask          *task,
              KsUploadTarget *target)
{
  GCancellable    *cancellable = g_task_get_cancellable (task);
  KsUploadJob     *job = g_task_get_task_data (task);
  g_autofree char *what = g_strdup_printf ("“%s”", job->request->file_name);

  ks_upload_put_async (job->self->soup, target->url, target->headers, job->files[0], 0, job->request->size,
                       job->request->sha256, job->self->limiter, &job->progress, what,
                       cancellable, put_done_cb, g_steal_pointer (&task));
}

/* ---- Thumbnails, beside the original ---- */

/*
 * The thumbnails are small: sent one after the other behind the
 * original, each would add a round trip and the store's fsync to every
 * photo. They go at the same time as the original instead; the job
 * waits for them (parked) before it commits or prepares again.
 */
typedef struct
{
  GTask *task; /* owned */
  guint  index;
} SidePut;

static void
side_put_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SidePut         *side = user_data;
  KsUploadJob     *job = g_task_get_task_data (side->task);
  GError          *error = NULL;
  g_autofree char *etag = ks_upload_put_finish (result, &error);

  job->thumbs_running &= ~targets[side->index].flag;
  if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_URL_EXPIRED))
    {
      g_debug ("%s", error->message);
      job->expired = TRUE;
      g_clear_error (&error);
    }
  else if (etag == NULL && job->thumbs_error == NULL)
    job->thumbs_error = g_steal_pointer (&error);
  else if (etag != NULL)
    job->done |= targets[side->index].flag;
  g_clear_error (&error);

  if (job->thumbs_running == 0 && job->parked != NULL)
    ks_upload_job_next_target (g_steal_pointer (&job->parked));
  g_object_unref (side->task);
  g_free (side);
}

static void
put_side (GTask          *task,
          guint           index,
          KsUploadTarget *target)
{
  KsUploadJob           *job = g_task_get_task_data (task);
  const KsThumbnailInfo *thumb = find_thumbnail (job->request, targets[index].name);
  g_autofree char       *what = g_strdup_printf (_ ("the thumbnail of “%s”"), job->request->file_name);
  SidePut               *side = g_new0 (SidePut, 1);

  side->task = g_object_ref (task);
  side->index = index;
  job->thumbs_running |= targets[index].flag;
  ks_upload_put_async (job->self->soup, target->url, target->headers, job->files[index], 0, thumb->size,
                       thumb->sha256, job->self->limiter, &job->progress, what,
                       g_task_get_cancellable (task), side_put_done_cb, side);
}

static gboolean
has_bytes_to_send (KsUploadJob *job)
{
  if (!(job->done & KS_UPLOAD_ORIGINAL))
    return TRUE;
  for (guint i = 1; i < G_N_ELEMENTS (targets); i++)
    if (!((job->done | job->thumbs_running) & targets[i].flag) && find_target (job->reply, targets[i].name) != NULL)
      return TRUE;
  return FALSE;
}

/* Takes @owned_task, as every step below. */
void
ks_upload_job_next_target (GTask *owned_task)
{
  g_autoptr (GTask) task = owned_task;
  KsUploadJob    *job = g_task_get_task_data (task);
  KsUploadTarget *original;

  /* What a thumbnail's PUT found, once none is out any more. */
  if (job->thumbs_running == 0 && job->thumbs_error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&job->thumbs_error));
      return;
    }
  if (ks_upload_job_expiring (job) || job->expired)
    {
      ks_upload_job_prepare (g_steal_pointer (&task));
      return;
    }

  original = find_target (job->reply, targets[0].name);
  if (original == NULL)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                               _ ("The server did not say where to upload “%s”."),
                               job->request->file_name);
      return;
    }

  if (has_bytes_to_send (job) && !slot_take (&task))
    return;

  for (guint i = 1; i < G_N_ELEMENTS (targets); i++)
    {
      KsUploadTarget *target;

      if ((job->done | job->thumbs_running) & targets[i].flag)
        continue;

      target = find_target (job->reply, targets[i].name);
      if (target == NULL)
        {
          job->done |= targets[i].flag;
          continue;
        }
      if (job->files[i] == NULL || find_thumbnail (job->request, targets[i].name) == NULL)
        {
          g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_FAILED,
                                   "The server asked for a %s thumbnail that was not given",
                                   targets[i].name);
          return;
        }
      put_side (task, i, target);
    }

  if (!(job->done & KS_UPLOAD_ORIGINAL))
    {
      if (original->parts != NULL)
        ks_upload_job_put_multipart (g_steal_pointer (&task), original);
      else
        put_original (g_steal_pointer (&task), original);
    }
  else if (job->thumbs_running != 0)
    job->parked = g_steal_pointer (&task);
  else
    restat_and_commit (g_steal_pointer (&task));
}

static void
prepared_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsUploadJob *job = g_task_get_task_data (task);
  GError      *error = NULL;
  g_autoptr (KsPrepareReply) reply = ks_api_client_prepare_photo_finish (KS_API_CLIENT (source),
                                                                         result, &error);
  g_autoptr (GDateTime) expires_at = NULL;

  if (reply == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (reply->exists)
    {
      KsPhoto *photo = g_steal_pointer (&reply->photo);

      job->existed = TRUE;
      ks_upload_job_forget_resume_record (job);
      ks_progress_finish (&job->progress);
      g_task_return_pointer (task, photo, (GDestroyNotify) ks_photo_free);
      return;
    }

  if (g_strcmp0 (job->photo_id, reply->photo_id) != 0)
    {
      g_free (job->photo_id);
      job->photo_id = g_strdup (reply->photo_id);
      job->done = 0;
    }
  job->multipart = NULL;
  g_clear_pointer (&job->reply, ks_prepare_reply_free);
  job->reply = g_steal_pointer (&reply);

  expires_at = job->reply->expires_at != NULL
                   ? g_date_time_new_from_iso8601 (job->reply->expires_at, NULL)
                   : NULL;
  job->expires_at = expires_at != NULL ? g_date_time_to_unix (expires_at) * G_USEC_PER_SEC : 0;

  ks_upload_job_next_target (g_steal_pointer (&task));
}

/* Takes @task. */
void
ks_upload_job_prepare (GTask *task)
{
  KsUploadJob *job = g_task_get_task_data (task);

  /* Not under the thumbnails' feet: their photo id may change. */
  if (job->thumbs_running != 0)
    {
      job->expired = TRUE;
      job->parked = task;
      return;
    }
  job->expired = FALSE;

  if (++job->n_prepares > MAX_PREPARES)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_URL_EXPIRED,
                               _ ("The upload links for “%s” kept expiring."),
                               job->request->file_name);
      g_object_unref (task);
      return;
    }

  ks_api_client_prepare_photo_async (job->self->api, job->request, g_task_get_cancellable (task),
                                     prepared_cb, task);
}

static void
stat_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsUploadJob *job = g_task_get_task_data (task);
  GError      *error = NULL;
  g_autoptr (GFileInfo) info = g_file_query_info_finish (G_FILE (source), result, &error);

  if (info == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  job->size = g_file_info_get_size (info);
  job->mtime = file_info_mtime (info);
  if (job->size != job->request->size)
    {
      ks_upload_job_return_file_changed (task, "its size is not the one declared");
      return;
    }

  ks_upload_job_prepare (g_steal_pointer (&task));
}

/* ---- KsUploader ---- */

static void
ks_uploader_finalize (GObject *object)
{
  KsUploader *self = KS_UPLOADER (object);

  g_clear_object (&self->api);
  g_clear_object (&self->soup);
  g_clear_object (&self->resume);
  g_clear_object (&self->limiter);

  g_main_context_unref (self->context);

  G_OBJECT_CLASS (ks_uploader_parent_class)->finalize (object);
}

static void
ks_uploader_class_init (KsUploaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_uploader_finalize;
}

static void
ks_uploader_init (KsUploader *self)
{
  self->concurrency = DEFAULT_CONCURRENCY;
  self->max_transfers = DEFAULT_MAX_TRANSFERS;
  self->context = g_main_context_ref_thread_default ();
  g_queue_init (&self->waiting);
}

KsUploader *
ks_uploader_new (KsApiClient   *api,
                 SoupSession   *soup,
                 KsResumeStore *resume,
                 KsRateLimiter *limiter)
{
  KsUploader *self;

  g_return_val_if_fail (KS_IS_API_CLIENT (api), NULL);
  g_return_val_if_fail (SOUP_IS_SESSION (soup), NULL);
  g_return_val_if_fail (resume == NULL || KS_IS_RESUME_STORE (resume), NULL);
  g_return_val_if_fail (limiter == NULL || KS_IS_RATE_LIMITER (limiter), NULL);

  self = g_object_new (KS_TYPE_UPLOADER, NULL);
  self->api = g_object_ref (api);
  self->soup = g_object_ref (soup);
  self->resume = resume != NULL ? g_object_ref (resume) : NULL;
  self->limiter = limiter != NULL ? g_object_ref (limiter) : NULL;

  return self;
}

void
ks_uploader_set_part_concurrency (KsUploader *self,
                                  guint       n)
{
  g_return_if_fail (KS_IS_UPLOADER (self));

  self->concurrency = CLAMP (n, 1, 16);
}

void
ks_uploader_set_max_transfers (KsUploader *self,
                               guint       n)
{
  g_return_if_fail (KS_IS_UPLOADER (self));

  self->max_transfers = CLAMP (n, 1, 64);
  if (!g_queue_is_empty (&self->waiting))
    slot_wake (self);
}

void
ks_uploader_upload_photo_async (KsUploader             *self,
                                GFile                  *original,
                                const KsPrepareRequest *request,
                                GFile                  *grid,
                                GFile                  *preview,
                                KsProgressFunc          progress,
                                gpointer                progress_data,
                                GCancellable           *cancellable,
                                GAsyncReadyCallback     callback,
                                gpointer                user_data)
{
  g_autoptr (GTask) task = NULL;
  KsUploadJob *job;
  goffset      total;

  g_return_if_fail (KS_IS_UPLOADER (self));
  g_return_if_fail (G_IS_FILE (original));
  g_return_if_fail (request != NULL && request->sha256 != NULL && request->size > 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_uploader_upload_photo_async);
  /* Once committed, the photo is there: never report it as cancelled. */
  g_task_set_check_cancellable (task, FALSE);

  job = g_new0 (KsUploadJob, 1);
  job->self = g_object_ref (self);
  job->files[0] = g_object_ref (original);
  job->files[1] = grid != NULL ? g_object_ref (grid) : NULL;
  job->files[2] = preview != NULL ? g_object_ref (preview) : NULL;
  job->request = ks_prepare_request_copy (request);
  job->etags = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  total = request->size;
  for (guint i = 0; i < request->thumbnails->len; i++)
    total += ((KsThumbnailInfo *) g_ptr_array_index (request->thumbnails, i))->size;
  ks_progress_init (&job->progress, progress, progress_data, total);
  g_task_set_task_data (task, job, (GDestroyNotify) upload_job_free);
  g_signal_connect (task, "notify::completed", G_CALLBACK (task_completed_cb), NULL);

  g_file_query_info_async (original, FILE_ATTRIBUTES, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                           cancellable, stat_cb, g_steal_pointer (&task));
}

KsPhoto *
ks_uploader_upload_photo_finish (KsUploader   *self,
                                 GAsyncResult *result,
                                 gboolean     *out_existed,
                                 GError      **error)
{
  KsPhoto *photo;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_uploader_upload_photo_async, NULL);

  photo = g_task_propagate_pointer (G_TASK (result), error);
  if (out_existed != NULL)
    *out_existed = photo != NULL && ((KsUploadJob *) g_task_get_task_data (G_TASK (result)))->existed;

  return photo;
}
