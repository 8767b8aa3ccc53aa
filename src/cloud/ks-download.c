/* ks-download.c: a presigned GET into a file, resumable and atomic
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "ks-cloud-private.h"
#include "ks-hash.h"
#include "ks-transfer-private.h"

/*
 * Bytes go to ".<name>.ks-partial" beside the destination, hashed as they
 * are written (a partial left by an earlier attempt is hashed first, then
 * continued with a Range request). Only a complete file with the right
 * hash is fsynced and renamed over the destination, so the destination
 * is never half-written; a failure keeps the partial for the next try
 * unless its bytes are known to be wrong.
 *
 * Reads run on the main context (libsoup's), file I/O and hashing on
 * worker threads, one step at a time.
 */

#define CHUNK_SIZE (256 * 1024)
#define ERROR_BODY_MAX 16384

typedef struct
{
  SoupSession   *soup; /* owned */
  char          *url;
  char          *dest_path;
  char          *partial_path;
  char          *expected; /* nullable */
  gint64         expected_size;
  KsRateLimiter *limiter; /* owned, nullable */
  KsProgress     progress;

  int           fd;      /* the partial, or -1 */
  KsSha256     *sha;     /* of the partial's bytes so far */
  goffset       offset;  /* bytes in the partial */
  goffset       end;     /* what the reply promises the partial grows to, or -1 */
  gboolean      retried; /* a Range the server could not satisfy was dropped */
  SoupMessage  *msg;     /* owned */
  GInputStream *body;    /* owned */
  guint8       *buf;
  gsize         buf_len;
} DownloadJob;

static void
download_job_free (DownloadJob *job)
{
  if (job->fd >= 0)
    close (job->fd);
  g_clear_object (&job->soup);
  g_free (job->url);
  g_free (job->dest_path);
  g_free (job->partial_path);
  g_free (job->expected);
  g_clear_object (&job->limiter);
  g_clear_pointer (&job->sha, ks_sha256_free);
  g_clear_object (&job->msg);
  g_clear_object (&job->body);
  g_free (job->buf);
  g_free (job);
}

static void send_request (GTask *task);
static void read_next (GTask *task);

static gboolean
set_errno_error (GError           **error,
                 const DownloadJob *job,
                 const char        *what)
{
  int              saved_errno = errno;
  g_autofree char *name = g_filename_display_name (job->dest_path);

  /* The partial is ours: the user asked for the destination. */
  g_debug ("%s %s: %s", what, job->partial_path, g_strerror (saved_errno));
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), _ ("Could not save “%s”: %s."), name,
               g_strerror (saved_errno));
  return FALSE;
}

/* Runs @func on a worker thread with the job, then @callback on the main
 * context with @task as its data. Takes @task. */
static void
run_in_thread (GTask              *task,
               GTaskThreadFunc     func,
               GAsyncReadyCallback callback)
{
  g_autoptr (GTask) step = g_task_new (NULL, g_task_get_cancellable (task), callback, task);

  g_task_set_source_tag (step, func);
  g_task_set_task_data (step, g_task_get_task_data (task), NULL);
  g_task_run_in_thread (step, func);
}

static gboolean
truncate_partial (DownloadJob *job,
                  GError     **error)
{
  if (ftruncate (job->fd, 0) != 0 || lseek (job->fd, 0, SEEK_SET) != 0)
    return set_errno_error (error, job, "Could not truncate");

  ks_sha256_free (job->sha);
  job->sha = ks_sha256_new ();
  ks_progress_add (&job->progress, -(gssize) job->offset);
  job->offset = 0;
  return TRUE;
}

static void
discard_partial (DownloadJob *job)
{
  if (job->fd >= 0)
    close (job->fd);
  job->fd = -1;
  g_unlink (job->partial_path);
}

/* ---- The end: verify, fsync, rename ---- */

static void
finish_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DownloadJob     *job = task_data;
  g_autofree char *sha256 = ks_sha256_finish_hex (job->sha);
  g_autofree char *dir = g_path_get_dirname (job->dest_path);
  int              dir_fd;

  if ((job->expected_size >= 0 && job->offset != job->expected_size) ||
      (job->expected != NULL && g_ascii_strcasecmp (sha256, job->expected) != 0))
    {
      discard_partial (job);
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CHECKSUM,
                               _ ("The downloaded file is damaged (its checksum is wrong)."));
      return;
    }

  if (fsync (job->fd) != 0 || close (job->fd) != 0)
    {
      GError *error = NULL;

      job->fd = -1;
      set_errno_error (&error, job, "Could not write");
      g_task_return_error (task, error);
      return;
    }
  job->fd = -1;

  if (g_rename (job->partial_path, job->dest_path) != 0)
    {
      GError *error = NULL;

      set_errno_error (&error, job, "Could not rename");
      g_task_return_error (task, error);
      return;
    }

  /* The rename itself must survive a crash. */
  dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0)
    {
      fsync (dir_fd);
      close (dir_fd);
    }
  g_task_return_boolean (task, TRUE);
}

static void
finished_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  DownloadJob *job = g_task_get_task_data (task);
  GError      *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  ks_progress_finish (&job->progress);
  g_task_return_boolean (task, TRUE);
}

/* ---- The body ---- */

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  DownloadJob *job = task_data;
  gsize        written = 0;

  while (written < job->buf_len)
    {
      gssize n = write (job->fd, job->buf + written, job->buf_len - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          GError *error = NULL;

          set_errno_error (&error, job, "Could not write");
          g_task_return_error (task, error);
          return;
        }
      written += (gsize) n;
    }

  ks_sha256_update (job->sha, job->buf, job->buf_len);
  g_task_return_boolean (task, TRUE);
}

static void
acquired_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!ks_rate_limiter_acquire_finish (KS_RATE_LIMITER (source), result, &error))
    g_task_return_error (task, error);
  else
    read_next (g_steal_pointer (&task));
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  DownloadJob  *job = g_task_get_task_data (task);
  GError       *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  job->offset += (goffset) job->buf_len;
  ks_progress_add (&job->progress, (gssize) job->buf_len);

  /* Paid for after the fact: only now is it known how much came. */
  if (job->limiter != NULL)
    ks_rate_limiter_acquire_async (job->limiter, job->buf_len, cancellable,
                                   acquired_cb, g_steal_pointer (&task));
  else
    read_next (g_steal_pointer (&task));
}

static void
body_end (GTask *owned_task)
{
  g_autoptr (GTask) task = owned_task;
  DownloadJob *job = g_task_get_task_data (task);

  if (job->end >= 0 && job->offset < job->end)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK,
                               _ ("The download broke off; it will continue where it stopped."));
      return;
    }

  g_input_stream_close (job->body, NULL, NULL);
  run_in_thread (g_steal_pointer (&task), finish_thread, finished_cb);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  DownloadJob *job = g_task_get_task_data (task);
  GError      *error = NULL;
  gssize       n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    {
      g_task_return_error (task, ks_cloud_error_from_transport (error));
      g_error_free (error);
      return;
    }
  if (n == 0)
    {
      body_end (g_steal_pointer (&task));
      return;
    }
  if (job->expected_size >= 0 && job->offset + n > job->expected_size)
    {
      discard_partial (job);
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CHECKSUM,
                               _ ("The downloaded file is larger than expected."));
      return;
    }

  job->buf_len = (gsize) n;
  run_in_thread (g_steal_pointer (&task), write_thread, written_cb);
}

/* Takes @task. */
static void
read_next (GTask *task)
{
  DownloadJob *job = g_task_get_task_data (task);

  g_input_stream_read_async (job->body, job->buf, CHUNK_SIZE, G_PRIORITY_DEFAULT,
                             g_task_get_cancellable (task), read_cb, task);
}

/* ---- The reply ---- */

static void
error_body_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  DownloadJob *job = g_task_get_task_data (task);
  g_autoptr (GBytes) body = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);

  g_task_return_error (task, ks_transfer_error_from_s3 (soup_message_get_status (job->msg), body,
                                                        _ ("the download")));
}

/* "bytes 100-199/200" must start where the partial ends. */
static gboolean
content_range_ok (DownloadJob *job)
{
  goffset start = 0, end = 0, total = 0;

  if (!soup_message_headers_get_content_range (soup_message_get_response_headers (job->msg),
                                               &start, &end, &total))
    return FALSE;

  return start == job->offset && end >= start &&
         (job->expected_size < 0 || total == job->expected_size);
}

/* Returns FALSE when @task was returned. */
static gboolean
accept_reply (GTask *task)
{
  DownloadJob *job = g_task_get_task_data (task);
  guint        status = soup_message_get_status (job->msg);
  goffset      length = soup_message_headers_get_content_length (soup_message_get_response_headers (job->msg));
  GError      *error = NULL;

  if (status == SOUP_STATUS_OK && job->offset > 0 && !truncate_partial (job, &error))
    {
      /* The whole object after all: start over. */
      g_task_return_error (task, error);
      return FALSE;
    }
  if (status == SOUP_STATUS_PARTIAL_CONTENT && !content_range_ok (job))
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                               _ ("The storage server sent the wrong part of the file."));
      return FALSE;
    }

  job->end = length > 0 ? job->offset + length : -1;
  if (job->progress.total <= 0)
    job->progress.total = job->end;
  return TRUE;
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  DownloadJob  *job = g_task_get_task_data (task);
  GError       *error = NULL;
  guint         status;

  job->body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (job->body == NULL)
    {
      g_task_return_error (task, ks_cloud_error_from_transport (error));
      g_error_free (error);
      return;
    }

  status = soup_message_get_status (job->msg);
  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE && job->offset > 0 && !job->retried)
    {
      /* The partial is not a prefix of this object: start over. */
      job->retried = TRUE;
      g_clear_object (&job->body);
      if (!truncate_partial (job, &error))
        g_task_return_error (task, error);
      else
        send_request (g_steal_pointer (&task));
      return;
    }
  if (status != SOUP_STATUS_OK && status != SOUP_STATUS_PARTIAL_CONTENT)
    {
      g_input_stream_read_bytes_async (job->body, ERROR_BODY_MAX, G_PRIORITY_DEFAULT,
                                       cancellable, error_body_cb,
                                       g_steal_pointer (&task));
      return;
    }

  if (accept_reply (task))
    read_next (g_steal_pointer (&task));
}

/* Takes @task. */
static void
send_request (GTask *task)
{
  DownloadJob *job = g_task_get_task_data (task);

  g_clear_object (&job->msg);
  job->msg = soup_message_new (SOUP_METHOD_GET, job->url);
  if (job->offset > 0)
    soup_message_headers_set_range (soup_message_get_request_headers (job->msg), job->offset, -1);
  soup_session_send_async (job->soup, job->msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                           sent_cb, task);
}

/* ---- The start: the partial so far ---- */

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  DownloadJob *job = task_data;
  GError      *error = NULL;
  gssize       n;

  job->fd = open (job->partial_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (job->fd < 0)
    {
      set_errno_error (&error, job, "Could not open");
      g_task_return_error (task, error);
      return;
    }

  while ((n = read (job->fd, job->buf, CHUNK_SIZE)) > 0 || (n < 0 && errno == EINTR))
    {
      if (n < 0)
        continue;
      ks_sha256_update (job->sha, job->buf, (gsize) n);
      job->offset += n;
      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  if (n < 0)
    {
      set_errno_error (&error, job, "Could not read");
      g_task_return_error (task, error);
      return;
    }

  /* More than the whole file cannot be a beginning of it. */
  if (job->expected_size >= 0 && job->offset > job->expected_size && !truncate_partial (job, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  DownloadJob *job = g_task_get_task_data (task);
  GError      *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (job->offset > 0)
    g_debug ("Continuing a download at byte %" G_GOFFSET_FORMAT, job->offset);
  ks_progress_add (&job->progress, (gssize) job->offset);

  if (job->expected_size >= 0 && job->offset == job->expected_size)
    run_in_thread (g_steal_pointer (&task), finish_thread, finished_cb);
  else
    send_request (g_steal_pointer (&task));
}

void
ks_download_async (SoupSession        *soup,
                   const char         *url,
                   GFile              *dest,
                   const char         *expected_sha256,
                   gint64              expected_size,
                   KsRateLimiter      *limiter,
                   KsProgressFunc      progress,
                   gpointer            progress_data,
                   GCancellable       *cancellable,
                   GAsyncReadyCallback callback,
                   gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *partial_name = NULL;
  g_autoptr (SoupMessage) probe = NULL;
  DownloadJob *job;

  g_return_if_fail (SOUP_IS_SESSION (soup));
  g_return_if_fail (url != NULL);
  g_return_if_fail (G_IS_FILE (dest));
  g_return_if_fail (limiter == NULL || KS_IS_RATE_LIMITER (limiter));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_download_async);
  /* Once renamed, the file is there: never report it as cancelled. */
  g_task_set_check_cancellable (task, FALSE);

  job = g_new0 (DownloadJob, 1);
  job->fd = -1;
  job->end = -1;
  job->soup = g_object_ref (soup);
  job->url = g_strdup (url);
  job->dest_path = g_file_get_path (dest);
  job->expected = g_strdup (expected_sha256);
  job->expected_size = expected_size;
  job->limiter = limiter != NULL ? g_object_ref (limiter) : NULL;
  job->sha = ks_sha256_new ();
  job->buf = g_malloc (CHUNK_SIZE);
  ks_progress_init (&job->progress, progress, progress_data, expected_size);
  g_task_set_task_data (task, job, (GDestroyNotify) download_job_free);

  if (job->dest_path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "Downloads go to local files only");
      return;
    }
  probe = soup_message_new (SOUP_METHOD_GET, url);
  if (probe == NULL)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                               _ ("The server gave an invalid download address."));
      return;
    }

  dir = g_path_get_dirname (job->dest_path);
  name = g_path_get_basename (job->dest_path);
  partial_name = g_strdup_printf (".%s.ks-partial", name);
  job->partial_path = g_build_filename (dir, partial_name, NULL);

  run_in_thread (g_steal_pointer (&task), open_thread, opened_cb);
}

gboolean
ks_download_finish (GAsyncResult *result,
                    GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_download_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
