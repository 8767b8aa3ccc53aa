/* ks-upload-stream.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ks-cloud-error.h"
#include "ks-hash.h"
#include "ks-upload-stream.h"

/*
 * libsoup splices the body in small reads (8 KiB), so the file is read
 * ahead in bigger chunks on a worker thread, hashed there, and handed out
 * from that buffer. With a limit the chunks are smaller so the bucket is
 * drained smoothly.
 */
#define CHUNK_SIZE (256 * 1024)
#define LIMITED_CHUNK_SIZE (64 * 1024)

struct _KsUploadStream
{
  GInputStream parent_instance;

  GFile             *file; /* owned */
  goffset            offset;
  goffset            length;
  KsRateLimiter     *limiter; /* owned, nullable */
  KsUploadStreamFunc func;
  gpointer           func_data;

  /* Touched only by the one operation in flight (GInputStream allows
   * one at a time), on a worker thread or the main context. */
  GInputStream *base; /* owned, nullable: opened on first read */
  KsSha256     *sha;  /* owned, nullable */
  char         *sha256;
  guint8       *buf;
  gsize         buf_start;
  gsize         buf_end;
  goffset       filled;   /* bytes read from the file */
  goffset       position; /* bytes handed out */
  gboolean      file_changed;
};

static void ks_upload_stream_seekable_iface_init (GSeekableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsUploadStream, ks_upload_stream, G_TYPE_INPUT_STREAM, G_IMPLEMENT_INTERFACE (G_TYPE_SEEKABLE, ks_upload_stream_seekable_iface_init))

static gsize
chunk_size (KsUploadStream *self)
{
  gsize chunk = self->limiter != NULL ? LIMITED_CHUNK_SIZE : CHUNK_SIZE;

  return (gsize) MIN ((goffset) chunk, self->length - self->filled);
}

/* Blocking: the next chunk of the file into the (empty) buffer. */
static gboolean
fill (KsUploadStream *self,
      GCancellable   *cancellable,
      GError        **error)
{
  gsize n = chunk_size (self);
  gsize got = 0;

  if (self->base == NULL)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (GFileInputStream) base = g_file_read (self->file, cancellable, &local_error);

      if (base == NULL && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        self->file_changed = TRUE;
      if (self->file_changed)
        g_set_error_literal (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_FILE_CHANGED,
                             "The file was removed while it was uploaded");
      else if (base == NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      if (base == NULL ||
          !g_seekable_seek (G_SEEKABLE (base), self->offset, G_SEEK_SET, cancellable, error))
        return FALSE;
      self->base = G_INPUT_STREAM (g_steal_pointer (&base));
    }

  if (!g_input_stream_read_all (self->base, self->buf, n, &got, cancellable, error))
    return FALSE;
  if (got < n)
    {
      self->file_changed = TRUE;
      g_set_error_literal (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_FILE_CHANGED,
                           "The file became shorter while it was uploaded");
      return FALSE;
    }

  if (self->sha != NULL)
    {
      ks_sha256_update (self->sha, self->buf, n);
      if (self->filled + (goffset) n == self->length)
        self->sha256 = ks_sha256_finish_hex (self->sha);
    }
  self->filled += (goffset) n;
  self->buf_start = 0;
  self->buf_end = n;

  return TRUE;
}

/* Hands out buffered bytes. */
static gssize
serve (KsUploadStream *self,
       void           *buffer,
       gsize           count)
{
  gsize n = MIN (count, self->buf_end - self->buf_start);

  memcpy (buffer, self->buf + self->buf_start, n);
  self->buf_start += n;
  self->position += (goffset) n;
  if (self->func != NULL && n > 0)
    self->func ((gssize) n, self->func_data);

  return (gssize) n;
}

static gboolean
needs_fill (KsUploadStream *self)
{
  return self->buf_start == self->buf_end && self->filled < self->length;
}

static gssize
ks_upload_stream_read (GInputStream *stream,
                       void         *buffer,
                       gsize         count,
                       GCancellable *cancellable,
                       GError      **error)
{
  KsUploadStream *self = KS_UPLOAD_STREAM (stream);

  if (needs_fill (self))
    {
      gint64 wait = self->limiter != NULL ? ks_rate_limiter_reserve (self->limiter, chunk_size (self)) : 0;

      if (wait > 0)
        g_usleep ((gulong) wait);
      if (!fill (self, cancellable, error))
        return -1;
    }

  return serve (self, buffer, count);
}

/* ---- Asynchronous reads ---- */

typedef struct
{
  void *buffer;
  gsize count;
} ReadData;

static void
fill_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  if (fill (KS_UPLOAD_STREAM (source_object), cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
filled_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  KsUploadStream *self = KS_UPLOAD_STREAM (source);
  g_autoptr (GTask) task = user_data;
  ReadData *data = g_task_get_task_data (task);
  GError   *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, serve (self, data->buffer, data->count));
}

static void
start_fill (GTask *task)
{
  g_autoptr (GTask) fill_task = g_task_new (g_task_get_source_object (task),
                                            g_task_get_cancellable (task), filled_cb,
                                            g_object_ref (task));

  g_task_set_source_tag (fill_task, fill_thread);
  g_task_run_in_thread (fill_task, fill_thread);
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
    start_fill (task);
}

static void
ks_upload_stream_read_async (GInputStream       *stream,
                             void               *buffer,
                             gsize               count,
                             int                 io_priority,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  KsUploadStream *self = KS_UPLOAD_STREAM (stream);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  ReadData *data = g_new0 (ReadData, 1);

  g_task_set_source_tag (task, ks_upload_stream_read_async);
  data->buffer = buffer;
  data->count = count;
  g_task_set_task_data (task, data, g_free);

  if (!needs_fill (self))
    g_task_return_int (task, serve (self, buffer, count));
  else if (self->limiter != NULL)
    ks_rate_limiter_acquire_async (self->limiter, chunk_size (self), cancellable, acquired_cb,
                                   g_steal_pointer (&task));
  else
    start_fill (task);
}

static gssize
ks_upload_stream_read_finish (GInputStream *stream,
                              GAsyncResult *result,
                              GError      **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

static gboolean
ks_upload_stream_close (GInputStream *stream,
                        GCancellable *cancellable,
                        GError      **error)
{
  KsUploadStream *self = KS_UPLOAD_STREAM (stream);

  if (self->base == NULL)
    return TRUE;

  return g_input_stream_close (self->base, cancellable, error);
}

/* ---- Rewinding ---- */

static goffset
ks_upload_stream_tell (GSeekable *seekable)
{
  return KS_UPLOAD_STREAM (seekable)->position;
}

static gboolean
ks_upload_stream_can_seek (GSeekable *seekable)
{
  return TRUE;
}

static gboolean
ks_upload_stream_seek (GSeekable    *seekable,
                       goffset       offset,
                       GSeekType     type,
                       GCancellable *cancellable,
                       GError      **error)
{
  KsUploadStream *self = KS_UPLOAD_STREAM (seekable);
  goffset         target = offset;
  goffset         old = self->position;

  if (type == G_SEEK_CUR)
    target += self->position;
  else if (type == G_SEEK_END)
    target += self->length;

  if (target == self->position)
    return TRUE;
  if (target != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "An upload body can only be rewound to its start");
      return FALSE;
    }
  if (!g_input_stream_set_pending (G_INPUT_STREAM (self), error))
    return FALSE;

  if (self->base != NULL)
    g_input_stream_close (self->base, NULL, NULL);
  g_clear_object (&self->base);
  if (self->sha != NULL)
    {
      ks_sha256_free (self->sha);
      self->sha = ks_sha256_new ();
    }
  g_clear_pointer (&self->sha256, g_free);
  self->filled = 0;
  self->position = 0;
  self->buf_start = self->buf_end = 0;
  g_input_stream_clear_pending (G_INPUT_STREAM (self));

  if (self->func != NULL && old > 0)
    self->func (-(gssize) old, self->func_data);

  return TRUE;
}

static gboolean
ks_upload_stream_can_truncate (GSeekable *seekable)
{
  return FALSE;
}

static gboolean
ks_upload_stream_truncate (GSeekable    *seekable,
                           goffset       offset,
                           GCancellable *cancellable,
                           GError      **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "An upload body cannot be truncated");
  return FALSE;
}

static void
ks_upload_stream_seekable_iface_init (GSeekableIface *iface)
{
  iface->tell = ks_upload_stream_tell;
  iface->can_seek = ks_upload_stream_can_seek;
  iface->seek = ks_upload_stream_seek;
  iface->can_truncate = ks_upload_stream_can_truncate;
  iface->truncate_fn = ks_upload_stream_truncate;
}

/* ---- Object ---- */

static void
ks_upload_stream_finalize (GObject *object)
{
  KsUploadStream *self = KS_UPLOAD_STREAM (object);

  g_clear_object (&self->base);
  g_clear_object (&self->file);
  g_clear_object (&self->limiter);
  g_clear_pointer (&self->sha, ks_sha256_free);
  g_free (self->sha256);
  g_free (self->buf);

  G_OBJECT_CLASS (ks_upload_stream_parent_class)->finalize (object);
}

static void
ks_upload_stream_class_init (KsUploadStreamClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ks_upload_stream_finalize;
  stream_class->read_fn = ks_upload_stream_read;
  stream_class->read_async = ks_upload_stream_read_async;
  stream_class->read_finish = ks_upload_stream_read_finish;
  stream_class->close_fn = ks_upload_stream_close;
}

static void
ks_upload_stream_init (KsUploadStream *self)
{
}

KsUploadStream *
ks_upload_stream_new (GFile             *file,
                      goffset            offset,
                      goffset            length,
                      gboolean           hash,
                      KsRateLimiter     *limiter,
                      KsUploadStreamFunc func,
                      gpointer           user_data)
{
  KsUploadStream *self;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (offset >= 0 && length >= 0, NULL);

  self = g_object_new (KS_TYPE_UPLOAD_STREAM, NULL);
  self->file = g_object_ref (file);
  self->offset = offset;
  self->length = length;
  self->limiter = limiter != NULL ? g_object_ref (limiter) : NULL;
  self->func = func;
  self->func_data = user_data;
  self->buf = g_malloc (CHUNK_SIZE);
  if (hash)
    {
      self->sha = ks_sha256_new ();
      if (length == 0)
        self->sha256 = ks_sha256_finish_hex (self->sha);
    }

  return self;
}

void
ks_upload_stream_disconnect (KsUploadStream *self)
{
  g_return_if_fail (KS_IS_UPLOAD_STREAM (self));

  self->func = NULL;
  self->func_data = NULL;
}

goffset
ks_upload_stream_get_position (KsUploadStream *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_STREAM (self), 0);

  return self->position;
}

gboolean
ks_upload_stream_get_file_changed (KsUploadStream *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_STREAM (self), FALSE);

  return self->file_changed;
}

char *
ks_upload_stream_dup_sha256 (KsUploadStream *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_STREAM (self), NULL);

  return g_strdup (self->sha256);
}
