/* ks-upload-multipart.c: an original in parts, sent in parallel and
 * recorded in the resume store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ks-cloud-error.h"
#include "ks-hash.h"
#include "ks-upload-private.h"

/*
 * Parts go out up to the uploader's concurrency at once, each recorded
 * in the resume store as it finishes. A failed part stops its siblings
 * (through a cancellable of our own, chained to the caller's) and, once
 * all have stopped, fails the upload, or prepares again if its URL
 * expired. The parts done so far are kept (in memory, and in the store),
 * so they are not sent again.
 */

static void launch_parts (GTask *task);

static void
user_cancelled_cb (GCancellable *cancellable,
                   GCancellable *parts_cancellable)
{
  g_cancellable_cancel (parts_cancellable);
}

static void
completed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsUploadJob *job = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!ks_upload_complete_finish (result, &error))
    {
      if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_URL_EXPIRED))
        {
          ks_upload_job_prepare (g_steal_pointer (&task));
          return;
        }
      /* NoSuchUpload: completed by an earlier attempt that stopped
       * before commit; commit tells whether the object is there. */
      if (!g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_FOUND))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_debug ("Completing upload %s: %s", job->upload_id, error->message);
    }

  job->done |= KS_UPLOAD_ORIGINAL;
  ks_upload_job_next_target (g_steal_pointer (&task));
}

static void
verify_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  KsUploadJob     *job = task_data;
  GError          *error = NULL;
  guint64          size = 0;
  g_autofree char *sha256 = ks_sha256_file (job->files[0], &size, cancellable, &error);

  if (sha256 == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, g_str_equal (sha256, job->request->sha256) &&
                                     size == (guint64) job->request->size);
}

/* Parts go out in parallel, so their bytes cannot be hashed in order on
 * the way: the file is hashed once more before the parts are joined. */
static void
verified_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  KsUploadJob  *job = g_task_get_task_data (task);
  GError       *error = NULL;
  gboolean      same = g_task_propagate_boolean (G_TASK (result), &error);

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_task_return_error (task, error);
  else if (!same)
    {
      g_clear_error (&error);
      ks_upload_job_forget_resume_record (job);
      ks_upload_job_return_file_changed (task, "the parts hash to something else");
    }
  else
    ks_upload_complete_async (job->self->soup, job->multipart->complete_url, job->etags,
                              job->multipart->parts->len, cancellable,
                              completed_cb, g_steal_pointer (&task));
}

/* @task: borrowed, like every multipart step but put_multipart's */
static void
parts_finished (GTask *task)
{
  KsUploadJob *job = g_task_get_task_data (task);
  g_autoptr (GTask) verify = NULL;
  g_autoptr (GError) error = g_steal_pointer (&job->parts_error);

  g_cancellable_disconnect (g_task_get_cancellable (task), job->cancel_id);
  job->cancel_id = 0;
  g_clear_object (&job->parts_cancellable);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (error != NULL && !g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_URL_EXPIRED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (error != NULL || job->parts_expiring)
    {
      ks_upload_job_prepare (g_object_ref (task));
      return;
    }

  verify = g_task_new (NULL, g_task_get_cancellable (task), verified_cb, g_object_ref (task));
  g_task_set_source_tag (verify, verify_thread);
  g_task_set_task_data (verify, job, NULL);
  g_task_run_in_thread (verify, verify_thread);
}

typedef struct
{
  GTask *task; /* owned */
  guint  part_number;
} PartData;

static void
part_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PartData        *part = user_data;
  GTask           *task = part->task;
  KsUploadJob     *job = g_task_get_task_data (task);
  GError          *error = NULL;
  g_autofree char *etag = ks_upload_put_finish (result, &error);

  job->n_running--;
  if (etag != NULL && *etag == '\0')
    g_set_error (&error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                 _ ("The storage server did not say how it stored part %u."), part->part_number);
  else if (etag != NULL && job->self->resume != NULL)
    ks_resume_store_add_part (job->self->resume, job->request->sha256, job->upload_id,
                              (int) part->part_number, etag, &error);
  if (error == NULL)
    g_hash_table_replace (job->etags, GUINT_TO_POINTER (part->part_number), g_steal_pointer (&etag));

  if (error != NULL && job->parts_error == NULL &&
      !(g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
        job->parts_cancellable != NULL && g_cancellable_is_cancelled (job->parts_cancellable)))
    {
      job->parts_error = g_steal_pointer (&error);
      g_cancellable_cancel (job->parts_cancellable);
    }
  g_clear_error (&error);

  launch_parts (task);
  g_object_unref (part->task);
  g_free (part);
}

static void
launch_parts (GTask *task)
{
  KsUploadJob    *job = g_task_get_task_data (task);
  KsUploadTarget *target = job->multipart;
  gboolean        stopping = job->parts_error != NULL || job->parts_expiring ||
                      g_cancellable_is_cancelled (job->parts_cancellable);

  while (!stopping && job->n_running < job->self->concurrency &&
         job->next_part < target->parts->len)
    {
      KsUploadPart    *part = g_ptr_array_index (target->parts, job->next_part);
      PartData        *data;
      g_autofree char *what = NULL;

      if (g_hash_table_contains (job->etags, GINT_TO_POINTER (part->part_number)))
        {
          job->next_part++;
          continue;
        }
      if (ks_upload_job_expiring (job))
        {
          job->parts_expiring = TRUE;
          break;
        }

      job->next_part++;
      job->n_running++;
      data = g_new0 (PartData, 1);
      data->task = g_object_ref (task);
      data->part_number = (guint) part->part_number;
      what = g_strdup_printf (_ ("part %d of “%s”"), part->part_number, job->request->file_name);
      ks_upload_put_async (job->self->soup, part->url, NULL, job->files[0],
                           (goffset) (part->part_number - 1) * target->part_size, part->size,
                           NULL, job->self->limiter, &job->progress, what,
                           job->parts_cancellable, part_done_cb, data);
    }

  if (job->n_running == 0)
    parts_finished (task);
}

/* The record of this upload: its parts are kept only if they are of the
 * same upload of the same file, unchanged since. */
static gboolean
resume_parts (KsUploadJob *job,
              GError     **error)
{
  KsUploadTarget *target = job->multipart;
  g_autoptr (KsResumeRecord) record = NULL;
  GHashTableIter iter;
  gpointer       number, etag;

  if (job->self->resume == NULL)
    return TRUE;

  record = ks_resume_store_load (job->self->resume, job->request->sha256, error);
  if (record == NULL && error != NULL && *error != NULL)
    return FALSE;

  if (record == NULL || g_strcmp0 (record->upload_id, target->upload_id) != 0 ||
      record->part_size != target->part_size || record->file_size != job->size ||
      record->file_mtime != job->mtime)
    {
      g_autoptr (KsResumeRecord) fresh = ks_resume_record_new (job->request->sha256, job->photo_id,
                                                               target->upload_id, target->part_size,
                                                               job->size, job->mtime);

      return ks_resume_store_begin (job->self->resume, fresh, error);
    }

  g_hash_table_iter_init (&iter, record->etags);
  while (g_hash_table_iter_next (&iter, &number, &etag))
    {
      guint n = GPOINTER_TO_UINT (number);

      if (n >= 1 && n <= target->parts->len)
        g_hash_table_replace (job->etags, number, g_strdup (etag));
    }
  g_debug ("Resuming upload %s of %s: %u of %u parts sent before", target->upload_id,
           job->request->file_name, g_hash_table_size (job->etags), target->parts->len);

  return TRUE;
}

static gboolean
check_parts (KsUploadJob    *job,
             KsUploadTarget *target,
             GError        **error)
{
  gint64 total = 0;

  for (guint i = 0; i < target->parts->len; i++)
    {
      KsUploadPart *part = g_ptr_array_index (target->parts, i);

      if (part->size > target->part_size ||
          (i + 1 < target->parts->len && part->size != target->part_size))
        break;
      total += part->size;
    }
  if (total == job->size)
    return TRUE;

  g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
               _ ("The server split “%s” into parts that do not add up."), job->request->file_name);
  return FALSE;
}

void
ks_upload_job_put_multipart (GTask          *owned_task,
                             KsUploadTarget *target)
{
  g_autoptr (GTask) task = owned_task;
  KsUploadJob *job = g_task_get_task_data (task);
  GError      *error = NULL;

  job->multipart = target;
  if (!check_parts (job, target, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (g_strcmp0 (job->upload_id, target->upload_id) != 0)
    {
      g_hash_table_remove_all (job->etags);
      g_free (job->upload_id);
      job->upload_id = g_strdup (target->upload_id);
      if (!resume_parts (job, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      for (guint i = 0; i < target->parts->len; i++)
        {
          KsUploadPart *part = g_ptr_array_index (target->parts, i);

          if (g_hash_table_contains (job->etags, GINT_TO_POINTER (part->part_number)))
            ks_progress_add (&job->progress, (gssize) part->size);
        }
    }

  job->next_part = 0;
  job->parts_expiring = FALSE;
  job->parts_cancellable = g_cancellable_new ();
  if (g_task_get_cancellable (task) != NULL)
    job->cancel_id = g_cancellable_connect (g_task_get_cancellable (task),
                                            G_CALLBACK (user_cancelled_cb),
                                            job->parts_cancellable, NULL);
  launch_parts (task);
}
